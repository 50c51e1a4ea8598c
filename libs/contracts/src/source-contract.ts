import { SOURCE_INTERFACES, type RegisteredSource } from './source';

/** A source name: snake_case, starting with a letter (it prefixes tables, models and the dbt package). */
export const SOURCE_NAME_PATTERN = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

/**
 * What a source lib must hold besides its declaration, relative to `libs/sources/<name>/`:
 * the dbt package and a source model per declared interface. Shared by the contract check
 * and the source generator (@hcrm/nx-plugin:source).
 */
export const sourceLibPaths = {
  dbtProject: 'dbt/dbt_project.yml',
  rawSources: 'dbt/models/raw/_sources.yml',
  interfaceModel: (name: string, iface: string) => `dbt/models/source/${name}_${iface}.sql`,
};

/**
 * The generic source contract: everything the pipeline, dbt and the CLI rely on in a source
 * lib, as a list of problems (empty when the lib is sound). `read` returns the text of a file
 * of the lib by its path relative to the lib's folder, or undefined when there is none.
 * Every source lib's own test runs it (the generator writes that test).
 */
export function sourceContractProblems(source: RegisteredSource, read: (path: string) => string | undefined): string[] {
  const problems: string[] = [];
  const { definition } = source;
  const { name } = definition;
  if (!SOURCE_NAME_PATTERN.test(name)) problems.push(`name "${name}" is not snake_case (${SOURCE_NAME_PATTERN.source})`);
  if (definition.dbtPackage !== `hcrm_source_${name}`) problems.push(`dbtPackage is "${definition.dbtPackage}", expected "hcrm_source_${name}"`);

  if (definition.rawTables.length === 0) problems.push('declares no raw table');
  for (const table of definition.rawTables) {
    if (!new RegExp(`^${name}_\\w+_raw$`).test(table.name)) problems.push(`raw table ${table.name} is not named ${name}_<entity>_raw`);
    if (table.columns[definition.watermarkColumn] !== 'timestamp') {
      problems.push(`raw table ${table.name} has no timestamp column ${definition.watermarkColumn} (the declared watermark column)`);
    }
    for (const key of table.key) if (!(key in table.columns)) problems.push(`raw table ${table.name}: key column ${key} is not declared`);
  }

  if (definition.interfaces.length === 0) problems.push('declares no interface');
  if (new Set(definition.interfaces).size !== definition.interfaces.length) problems.push('declares an interface twice');
  for (const iface of definition.interfaces) {
    if (!(SOURCE_INTERFACES as readonly string[]).includes(iface)) problems.push(`unknown interface ${iface}`);
  }

  const demo = source.demoRows();
  for (const [tableName, rows] of Object.entries(demo)) {
    const table = definition.rawTables.find((t) => t.name === tableName);
    if (!table) {
      problems.push(`demo rows for ${tableName}, which is not a declared raw table`);
      continue;
    }
    rows.forEach((row, index) => {
      const extra = Object.keys(row).filter((column) => !(column in table.columns));
      if (extra.length) problems.push(`demo row ${index} of ${tableName} has undeclared columns ${extra.join(', ')}`);
      const missing = [...table.key, definition.watermarkColumn].filter((column) => row[column] === undefined || row[column] === null);
      if (missing.length) problems.push(`demo row ${index} of ${tableName} has no ${[...new Set(missing)].join(', ')}`);
    });
  }
  if (Object.values(demo).every((rows) => rows.length === 0)) problems.push('ships no demo rows');

  const project = read(sourceLibPaths.dbtProject);
  const projectName = project?.match(/^name:\s*["']?([\w-]+)/m)?.[1];
  if (project === undefined) problems.push(`has no dbt package (${sourceLibPaths.dbtProject})`);
  else if (projectName !== definition.dbtPackage) problems.push(`${sourceLibPaths.dbtProject} names the package "${projectName ?? ''}", not "${definition.dbtPackage}"`);
  const rawSources = read(sourceLibPaths.rawSources);
  if (rawSources === undefined) problems.push(`has no ${sourceLibPaths.rawSources} declaring the landed tables`);
  else for (const table of definition.rawTables) if (!rawSources.includes(table.name)) problems.push(`${sourceLibPaths.rawSources} does not declare ${table.name}`);
  for (const iface of definition.interfaces) {
    const model = sourceLibPaths.interfaceModel(name, iface);
    if (read(model) === undefined) problems.push(`declares ${iface} but has no model ${model}`);
  }

  if (source.loader && source.loader.formats.length === 0) problems.push('its loader reads no file format');
  return problems;
}
