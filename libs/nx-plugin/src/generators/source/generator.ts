import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatFiles, generateFiles, getProjects, logger, type GeneratorCallback, type Tree } from '@nx/devkit';
import { SOURCE_INTERFACES, SOURCE_NAME_PATTERN, type RawColumnType, type SourceInterface } from '@hcrm/contracts';
import type { SourceGeneratorSchema } from './schema';

/** Where source libs live; the registry, dbt and TS resolution discover them by folder. */
export const SOURCES_DIR = 'libs/sources';

/** Names a source may not take: schema names of the warehouse and words the CLI and dbt reserve. */
export const RESERVED_SOURCE_NAMES = ['raw', 'source', 'sources', 'core', 'identity', 'crm', 'ops', 'truth', 'hcrm', 'all', 'test'] as const;

/** A lower-case SQL identifier, usable unquoted in every supported warehouse. */
export const WATERMARK_COLUMN_PATTERN = /^[a-z_][a-z0-9_]*$/;

/** Words that are no unquoted column name in SQL (the raw model selects the watermark column by name). */
const SQL_RESERVED_WORDS = new Set([
  'all', 'and', 'as', 'between', 'by', 'case', 'cast', 'create', 'cross', 'default', 'delete', 'distinct', 'drop', 'else',
  'end', 'except', 'exists', 'false', 'from', 'full', 'group', 'having', 'in', 'inner', 'insert', 'intersect', 'into',
  'is', 'join', 'left', 'like', 'limit', 'not', 'null', 'on', 'or', 'order', 'outer', 'right', 'select', 'table', 'then',
  'true', 'union', 'update', 'using', 'values', 'when', 'where', 'window', 'with',
]);

/** The generated source exports `const <camelName>`: a JavaScript reserved word cannot be one. */
const JS_RESERVED_WORDS = new Set([
  'await', 'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'enum',
  'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'implements', 'import', 'in', 'instanceof',
  'interface', 'let', 'new', 'null', 'package', 'private', 'protected', 'public', 'return', 'static', 'super', 'switch',
  'this', 'throw', 'true', 'try', 'typeof', 'var', 'void', 'while', 'with', 'yield',
]);

/** The stub raw table's columns besides the watermark, by the interfaces that need them. */
const STUB_COLUMNS: ReadonlyArray<{ column: string; type: RawColumnType; for: readonly SourceInterface[] | 'always' }> = [
  { column: 'id', type: 'string', for: 'always' },
  { column: 'occurred_at', type: 'timestamp', for: 'always' },
  { column: 'event_name', type: 'string', for: 'always' },
  { column: 'email', type: 'string', for: ['person_identifiers', 'membership_identifiers'] },
  { column: 'person_name', type: 'string', for: ['person_traits'] },
  { column: 'domain', type: 'string', for: ['group_identifiers', 'membership_identifiers'] },
  { column: 'company_name', type: 'string', for: ['group_traits'] },
  { column: 'role', type: 'string', for: ['membership_identifiers'] },
];

/** Columns the raw model makes itself next to the landed ones. */
const RAW_MODEL_COLUMNS = ['copy_rank'];

/** A refused option: says what is wrong and how to fix it. Thrown before anything is written. */
export class SourceGeneratorError extends Error {
  override name = 'SourceGeneratorError';
}

export interface NormalizedSourceOptions {
  name: string;
  /** name with `_` -> `-`: the Nx project `source-<kebab>` and npm package `@hcrm/source-<kebab>`. */
  kebab: string;
  /** camelCase of name: the exported declaration `<camel>` and `<camel>DemoRows`. */
  camel: string;
  directory: string;
  projectName: string;
  /** In the order of SOURCE_INTERFACES, always with events. */
  interfaces: SourceInterface[];
  watermarkColumn: string;
  description: string;
  /** The stub raw table's columns in declaration order, the watermark last. */
  columns: Array<[string, RawColumnType]>;
}

function fail(message: string): never {
  throw new SourceGeneratorError(message);
}

function camelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_match, next: string) => next.toUpperCase());
}

function listOf(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value : [value])
    .flatMap((item) => String(item).split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function normalizeName(tree: Tree, raw: unknown): string {
  const name = typeof raw === 'string' ? raw.trim() : '';
  if (name === '') fail('Give the source a name: nx g @hcrm/nx-plugin:source <name>, e.g. hubspot.');
  if (!SOURCE_NAME_PATTERN.test(name)) {
    const suggestion = name
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^[^a-z]+|_+$/g, '');
    fail(
      `The source name "${name}" is not snake_case (${SOURCE_NAME_PATTERN.source}): lower-case letters and digits in words joined by single underscores, starting with a letter` +
        (SOURCE_NAME_PATTERN.test(suggestion) && !(RESERVED_SOURCE_NAMES as readonly string[]).includes(suggestion) ? `, e.g. "${suggestion}".` : '.'),
    );
  }
  if ((RESERVED_SOURCE_NAMES as readonly string[]).includes(name)) {
    fail(`The source name "${name}" is reserved (${RESERVED_SOURCE_NAMES.join(', ')} are schema names or keywords of the pipeline): choose another, e.g. "${name}_app".`);
  }
  const camel = camelCase(name);
  if (JS_RESERVED_WORDS.has(camel)) fail(`The source name "${name}" is a JavaScript reserved word (the lib exports \`const ${camel}\`); choose another, e.g. "${name}_app".`);
  const directory = `${SOURCES_DIR}/${name}`;
  if (tree.exists(directory)) fail(`The folder ${directory} exists already: choose another name, or remove that folder first if it is a leftover.`);
  const projectName = `source-${name.replace(/_/g, '-')}`;
  for (const [other, project] of getProjects(tree)) {
    if (other === projectName) fail(`The Nx project ${projectName} exists already (${project.root}): choose another source name.`);
  }
  return name;
}

function normalizeInterfaces(raw: string | string[] | undefined): SourceInterface[] {
  const valid = SOURCE_INTERFACES as readonly string[];
  const asked = listOf(raw);
  if (asked === undefined) return [...SOURCE_INTERFACES];
  if (asked.length === 0) fail(`--interfaces names no interface: give a comma-separated list from ${valid.join(', ')}, or leave it out for all six.`);
  const unknown = asked.filter((item) => !valid.includes(item));
  if (unknown.length) {
    fail(`Unknown interface${unknown.length > 1 ? 's' : ''} ${unknown.map((item) => `"${item}"`).join(', ')} in --interfaces: the valid ones are ${valid.join(', ')} (comma-separated; events is always included).`);
  }
  return SOURCE_INTERFACES.filter((iface) => iface === 'events' || asked.includes(iface));
}

function normalizeWatermark(raw: unknown): string {
  const column = raw === undefined ? 'synced_at' : typeof raw === 'string' ? raw.trim() : '';
  if (!WATERMARK_COLUMN_PATTERN.test(column)) {
    fail(`The watermark column "${String(raw)}" is not a lower-case SQL identifier (${WATERMARK_COLUMN_PATTERN.source}): use letters, digits and underscores, e.g. synced_at or _fivetran_synced.`);
  }
  if (SQL_RESERVED_WORDS.has(column)) fail(`The watermark column "${column}" is an SQL reserved word: choose another name, e.g. synced_at.`);
  const taken = [...STUB_COLUMNS.map((c) => c.column), ...RAW_MODEL_COLUMNS];
  if (taken.includes(column)) fail(`The watermark column "${column}" is already a column of the generated raw table or model (${taken.join(', ')}): choose another, e.g. synced_at.`);
  return column;
}

function normalizeDescription(raw: unknown, name: string): string {
  if (raw === undefined) return `${name} records (generated stub: say what the source lands)`;
  const description = typeof raw === 'string' ? raw.trim() : '';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(description)) fail('--description must be one line of text without control characters: put longer notes in the generated README.md.');
  return description === '' ? `${name} records (generated stub: say what the source lands)` : description;
}

/** Checks every option and works out names and columns; throws SourceGeneratorError without touching the tree. */
export function normalizeSourceOptions(tree: Tree, options: SourceGeneratorSchema): NormalizedSourceOptions {
  const name = normalizeName(tree, options.name);
  const interfaces = normalizeInterfaces(options.interfaces);
  const watermarkColumn = normalizeWatermark(options.watermarkColumn);
  const description = normalizeDescription(options.description, name);
  const columns: Array<[string, RawColumnType]> = STUB_COLUMNS.filter((c) => c.for === 'always' || c.for.some((iface) => interfaces.includes(iface))).map((c) => [c.column, c.type]);
  columns.push([watermarkColumn, 'timestamp']);
  const kebab = name.replace(/_/g, '-');
  return { name, kebab, camel: camelCase(name), directory: `${SOURCES_DIR}/${name}`, projectName: `source-${kebab}`, interfaces, watermarkColumn, description, columns };
}

const tsString = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The two bundled demo rows, one JSON object per line, with every declared column. */
function demoRowsJson(o: NormalizedSourceOptions): string {
  const people = [
    { id: `${o.kebab}-0001`, occurred_at: '2025-01-01T09:00:00Z', event_name: 'record_created', first: 'ada', person_name: 'Ada Lovelace', role: 'admin' },
    { id: `${o.kebab}-0002`, occurred_at: '2025-01-01T10:30:00Z', event_name: 'record_updated', first: 'grace', person_name: 'Grace Hopper', role: 'member' },
  ];
  const domain = `example-${o.kebab}.com`;
  const rows = people.map((person) => {
    const values: Record<string, string> = {
      id: person.id,
      occurred_at: person.occurred_at,
      event_name: person.event_name,
      email: `${person.first}@${domain}`,
      person_name: person.person_name,
      domain,
      company_name: `Example ${o.name.split('_').map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join(' ')}`,
      role: person.role,
      [o.watermarkColumn]: '2025-01-02T00:00:00Z',
    };
    return `  { ${o.columns.map(([column]) => `${JSON.stringify(column)}: ${JSON.stringify(values[column] ?? null)}`).join(', ')} }`;
  });
  return `[\n${rows.join(',\n')}\n]`;
}

function substitutions(o: NormalizedSourceOptions): Record<string, unknown> {
  const has = Object.fromEntries(SOURCE_INTERFACES.map((iface) => [iface, o.interfaces.includes(iface)])) as Record<SourceInterface, boolean>;
  return {
    tmpl: '',
    name: o.name,
    kebab: o.kebab,
    camel: o.camel,
    projectName: o.projectName,
    watermark: o.watermarkColumn,
    description: o.description,
    descriptionTs: tsString(o.description),
    interfacesTs: `[${o.interfaces.map((iface) => `'${iface}'`).join(', ')}]`,
    interfaceList: o.interfaces.join(', '),
    columns: o.columns,
    cols: Object.fromEntries(o.columns.map(([column]) => [column, true])),
    has,
    demoRows: demoRowsJson(o),
  };
}

const templatesDir = join(dirname(fileURLToPath(import.meta.url)), 'files');

/**
 * `nx g @hcrm/nx-plugin:source <name>`: a complete source lib at libs/sources/<name>/ and nothing
 * outside it (the registry, dbt packages and TS resolution find source libs by folder).
 */
export async function sourceGenerator(tree: Tree, options: SourceGeneratorSchema): Promise<GeneratorCallback> {
  const o = normalizeSourceOptions(tree, options);
  const values = substitutions(o);
  generateFiles(tree, join(templatesDir, 'lib'), o.directory, values);
  for (const iface of o.interfaces) generateFiles(tree, join(templatesDir, 'interfaces', iface), o.directory, values);
  await formatFiles(tree);
  return () => {
    logger.info(`Source lib ${o.directory} (Nx project ${o.projectName}) written. Next: replace the stub table in src/source.ts, its raw model and demo rows (README.md there), then`);
    logger.info(`  npx nx run-many -t lint,typecheck,test -p ${o.projectName}`);
  };
}

export default sourceGenerator;
