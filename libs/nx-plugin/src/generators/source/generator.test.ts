import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { SOURCE_INTERFACES, sourceContractProblems, sourceLibPaths, type RegisteredSource } from '@hcrm/contracts';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { sourceGenerator, SourceGeneratorError } from './generator';
import type { SourceGeneratorSchema } from './schema';

const here = dirname(fileURLToPath(import.meta.url));
const pluginRoot = join(here, '..', '..', '..');

/** Every file the generator writes for a source with all six interfaces, relative to its folder. */
const ALL_FILES = (name: string) =>
  [
    'README.md',
    'package.json',
    'project.json',
    'tsconfig.json',
    'src/source.ts',
    'src/demo.ts',
    'src/index.ts',
    'src/source.test.ts',
    `demo/${name}_records_raw.json`,
    'dbt/dbt_project.yml',
    'dbt/models/raw/_sources.yml',
    `dbt/models/raw/${name}_records.sql`,
    `dbt/models/raw/${name}_records.yml`,
    `dbt/models/source/_${name}__models.yml`,
    ...SOURCE_INTERFACES.map((iface) => `dbt/models/source/${name}_${iface}.sql`),
  ].sort();

let tree: Tree;
let baseline: string[] = [];

const allChanges = (t: Tree) =>
  t
    .listChanges()
    .map((change) => `${change.type} ${change.path}`)
    .sort();

/** What the tree holds beyond the empty workspace (the baseline): one line per change. */
const changes = (t: Tree) => allChanges(t).filter((change) => !baseline.includes(change));

beforeEach(() => {
  tree = createTreeWithEmptyWorkspace();
  // The empty workspace names oxfmt as its formatter; this repo has none (formatFiles leaves files as written).
  tree.delete('.oxfmtrc.json');
  baseline = allChanges(tree);
});

/** The written files of the lib, by path relative to libs/sources/<name>/. */
function written(name: string): Record<string, string> {
  const prefix = `libs/sources/${name}/`;
  const files: Record<string, string> = {};
  for (const change of tree.listChanges()) {
    if (!change.path.startsWith(prefix) || change.type === 'DELETE') continue;
    files[change.path.slice(prefix.length)] = change.content?.toString('utf8') ?? '';
  }
  return files;
}

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/**
 * Writes the tree (the empty workspace and the generated lib) to a scratch folder and loads the
 * lib's src/index.ts (its imports of @hcrm/contracts are type-only), so the test runs the same
 * contract as the lib's own test.
 */
async function loadGenerated(name: string): Promise<{ source: RegisteredSource; problems: string[] }> {
  const root = mkdtempSync(join(tmpdir(), 'hcrm-nx-plugin-'));
  scratch.push(root);
  for (const change of tree.listChanges()) {
    if (change.type === 'DELETE') continue;
    mkdirSync(dirname(join(root, change.path)), { recursive: true });
    writeFileSync(join(root, change.path), change.content ?? '');
  }
  const dir = join(root, 'libs', 'sources', name);
  const { source } = (await import(pathToFileURL(join(dir, 'src', 'index.ts')).href)) as { source: RegisteredSource };
  const read = (path: string) => (existsSync(join(dir, path)) ? readFileSync(join(dir, path), 'utf8') : undefined);
  return { source, problems: sourceContractProblems(source, read) };
}

async function generate(options: SourceGeneratorSchema): Promise<Record<string, string>> {
  await sourceGenerator(tree, options);
  return written(options.name);
}

const modelNames = (yml: string | undefined) => (parseYaml(yml ?? '') as { models: Array<{ name: string }> }).models.map((m) => m.name);
const sourceModels = (files: Record<string, string>) =>
  Object.keys(files)
    .filter((path) => /^dbt\/models\/source\/[^/]+\.sql$/.test(path))
    .map((path) => path.slice('dbt/models/source/'.length, -'.sql'.length))
    .sort();

describe('source generator: the default lib (hubspot, all six interfaces)', () => {
  let files: Record<string, string>;
  beforeEach(async () => {
    files = await generate({ name: 'hubspot' });
  });

  it('writes exactly the files of libs/sources/hubspot/ and nothing else', () => {
    expect(changes(tree)).toEqual(ALL_FILES('hubspot').map((path) => `CREATE libs/sources/hubspot/${path}`).sort());
  });

  it('names the Nx project source-hubspot with the source tags and the default targets', () => {
    expect(JSON.parse(files['project.json'] ?? '')).toEqual({
      name: 'source-hubspot',
      $schema: '../../../node_modules/nx/schemas/project-schema.json',
      sourceRoot: 'libs/sources/hubspot/src',
      projectType: 'library',
      tags: ['scope:sources', 'type:source', 'platform:node'],
      targets: { build: {}, typecheck: {}, lint: {}, test: {} },
    });
  });

  it('names the package @hcrm/source-hubspot and extends the base tsconfig', () => {
    expect(JSON.parse(files['package.json'] ?? '')).toEqual({ name: '@hcrm/source-hubspot', version: '0.1.0', private: true, type: 'module', exports: { '.': './src/index.ts' } });
    expect(JSON.parse(files['tsconfig.json'] ?? '')).toEqual({ extends: '../../../tsconfig.base.json', include: ['src/**/*.ts'] });
  });

  it('declares the stub table, all interfaces, the synced_at watermark and the dbt package in src/source.ts', () => {
    const source = files['src/source.ts'] ?? '';
    expect(source).toContain("import type { SourceDefinition } from '@hcrm/contracts';");
    expect(source).toContain('export const hubspot: SourceDefinition = {');
    expect(source).toContain("name: 'hubspot_records_raw',");
    expect(source).toContain("interfaces: ['events', 'person_identifiers', 'person_traits', 'group_identifiers', 'group_traits', 'membership_identifiers'],");
    expect(source).toContain("watermarkColumn: 'synced_at',");
    expect(source).toContain("key: ['id', 'synced_at'],");
    expect(source).toContain("dbtPackage: 'hcrm_source_hubspot',");
    expect(source).toMatch(/stub/);
  });

  it('exports the declaration, the demo rows and `source` from src/index.ts, and tests the contract', () => {
    expect(files['src/index.ts']).toBe(
      [
        "import type { RegisteredSource } from '@hcrm/contracts';",
        "import { hubspotDemoRows } from './demo';",
        "import { hubspot } from './source';",
        '',
        'export { hubspot, hubspotDemoRows };',
        '',
        '/** The registry discovers this export (libs/pipeline/src/sources.ts). */',
        'export const source: RegisteredSource = { definition: hubspot, demoRows: hubspotDemoRows };',
        '',
      ].join('\n'),
    );
    expect(files['src/source.test.ts']).toBe(
      ["import { describeSourceContract } from '@hcrm/contracts/testing';", "import { source } from './index';", '', 'describeSourceContract(source, import.meta.url);', ''].join('\n'),
    );
    expect(files['src/demo.ts']).toContain('export function hubspotDemoRows(): DemoRows {');
    expect(files['src/demo.ts']).toContain("new URL('../demo/hubspot_records_raw.json', import.meta.url)");
  });

  it('meets the source contract, with two demo rows holding every declared column', async () => {
    const { source, problems } = await loadGenerated('hubspot');
    expect(problems).toEqual([]);
    const table = source.definition.rawTables[0];
    expect(Object.keys(table?.columns ?? {})).toEqual(['id', 'occurred_at', 'event_name', 'email', 'person_name', 'domain', 'company_name', 'role', 'synced_at']);
    const rows = source.demoRows().hubspot_records_raw ?? [];
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(Object.keys(row)).toEqual(Object.keys(table?.columns ?? {}));
    expect(rows.map((row) => row.email)).toEqual(['ada@example-hubspot.com', 'grace@example-hubspot.com']);
    expect(rows.every((row) => row.synced_at === '2025-01-02T00:00:00Z')).toBe(true);
    expect(source.definition.description).toMatch(/hubspot/);
  });

  it('writes the dbt package: project, landed source and the incremental raw model on the watermark', () => {
    expect(files[sourceLibPaths.dbtProject]).toMatch(/^name: hcrm_source_hubspot$/m);
    const sources = parseYaml(files[sourceLibPaths.rawSources] ?? '') as { sources: Array<{ name: string; schema: string; tables: Array<{ name: string }> }> };
    expect(sources.sources.map((s) => [s.name, s.schema, s.tables.map((t) => t.name)])).toEqual([['hubspot', 'raw', ['hubspot_records_raw']]]);
    const raw = files['dbt/models/raw/hubspot_records.sql'] ?? '';
    expect(raw).toContain("{{ config(unique_key='record_id') }}");
    expect(raw).toContain("select * from {{ source('hubspot', 'hubspot_records_raw') }}\n    {{ landed_window() }}");
    expect(raw).toContain('row_number() over (partition by id order by synced_at desc) as copy_rank');
    expect(raw).toContain('cast(synced_at as {{ dbt.type_timestamp() }}) as synced_at,');
    expect(raw).toContain('{{ ingested_at() }} as _ingested_at');
    for (const column of ['email', 'person_name', 'domain', 'company_name', 'role']) expect(raw).toContain(`nullif(trim(${column}), '') as ${column},`);
    expect(modelNames(files['dbt/models/raw/hubspot_records.yml'])).toEqual(['hubspot_records']);
    expect(files['dbt/models/raw/hubspot_records.yml']).toContain('- name: record_id\n        data_tests: [unique, not_null]');
  });

  it('writes one source model per interface, with the shared macros, and tests each', () => {
    expect(sourceModels(files)).toEqual(SOURCE_INTERFACES.map((iface) => `hubspot_${iface}`).sort());
    expect(modelNames(files['dbt/models/source/_hubspot__models.yml'])).toEqual(SOURCE_INTERFACES.map((iface) => `hubspot_${iface}`));
    const events = files['dbt/models/source/hubspot_events.sql'] ?? '';
    expect(events).toContain("{{ ref('hubspot_records') }}\n    {{ incremental_window('synced_at') }}");
    expect(events).toContain("{{ source_event_id('record_id') }} as id,");
    for (const column of ['occurred_at', 'event_name', 'event_description', 'value', 'value_unit', 'event_type', 'source', 'synced_at', '_ingested_at']) {
      expect(events).toMatch(new RegExp(`(^|\\s|as )${column},?\\n`, 'm'));
    }
    expect(files['dbt/models/source/hubspot_person_identifiers.sql']).toContain("{{ event_attributes(ref('hubspot_events'), 'person', {'email': 'email'}, 'identifier_type', 'identifier_value') }}");
    expect(files['dbt/models/source/hubspot_person_traits.sql']).toContain("{'name': 'person_name'}, 'trait_name', 'trait_value', where='email is not null')");
    expect(files['dbt/models/source/hubspot_group_identifiers.sql']).toContain("'group', {'domain': 'domain'}, 'identifier_type', 'identifier_value'");
    expect(files['dbt/models/source/hubspot_group_traits.sql']).toContain("{'name': 'company_name'}, 'trait_name', 'trait_value', where='domain is not null')");
    const memberships = files['dbt/models/source/hubspot_membership_identifiers.sql'] ?? '';
    expect(memberships).toContain("'email' as person_identifier_type,\n        email as person_identifier,");
    expect(memberships).toContain("'domain' as group_identifier_type,\n        domain as group_identifier,\n        role,");
    for (const iface of SOURCE_INTERFACES.filter((i) => i !== 'events')) {
      expect(files[`dbt/models/source/hubspot_${iface}.sql`]).toContain(`pre_hook="{{ delete_superseded(ref('hubspot_events')) }}"`);
    }
  });

  it('says in README.md what to edit next and that nothing outside the folder needs editing', () => {
    const readme = files['README.md'] ?? '';
    expect(readme).toContain('src/source.ts');
    expect(readme).toContain('dbt/models/raw/');
    expect(readme).toContain('loader');
    expect(readme).toContain('synthetic');
    expect(readme).toContain('nothing outside `libs/sources/hubspot/` needs editing');
  });
});

describe('source generator: options', () => {
  it('--interfaces events,person_identifiers writes only those models and columns', async () => {
    const files = await generate({ name: 'crm_lite', interfaces: 'events,person_identifiers' });
    expect(sourceModels(files)).toEqual(['crm_lite_events', 'crm_lite_person_identifiers']);
    expect(modelNames(files['dbt/models/source/_crm_lite__models.yml'])).toEqual(['crm_lite_events', 'crm_lite_person_identifiers']);
    expect(files['src/source.ts']).toContain("interfaces: ['events', 'person_identifiers'],");
    const { source, problems } = await loadGenerated('crm_lite');
    expect(problems).toEqual([]);
    expect(Object.keys(source.definition.rawTables[0]?.columns ?? {})).toEqual(['id', 'occurred_at', 'event_name', 'email', 'synced_at']);
    expect(files['dbt/models/raw/crm_lite_records.sql']).not.toContain('domain');
    expect(changes(tree).every((change) => change.startsWith('CREATE libs/sources/crm_lite/'))).toBe(true);
  });

  it('adds events when --interfaces leaves it out, and takes the list as an array too', async () => {
    const files = await generate({ name: 'traits_only', interfaces: ['group_traits', 'person_traits'] });
    expect(sourceModels(files)).toEqual(['traits_only_events', 'traits_only_group_traits', 'traits_only_person_traits']);
    expect(files['src/source.ts']).toContain("interfaces: ['events', 'person_traits', 'group_traits'],");
    // without identifiers, traits are not limited to rows that have one
    expect(files['dbt/models/source/traits_only_person_traits.sql']).not.toContain('where=');
    expect((await loadGenerated('traits_only')).problems).toEqual([]);
  });

  it('membership_identifiers brings the email and domain columns with the role', async () => {
    const files = await generate({ name: 'teams', interfaces: 'membership_identifiers' });
    expect(sourceModels(files)).toEqual(['teams_events', 'teams_membership_identifiers']);
    const { source, problems } = await loadGenerated('teams');
    expect(problems).toEqual([]);
    expect(Object.keys(source.definition.rawTables[0]?.columns ?? {})).toEqual(['id', 'occurred_at', 'event_name', 'email', 'domain', 'role', 'synced_at']);
    expect(files['dbt/models/source/teams_events.sql']).toMatch(/ {8}email,\n {8}domain,\n {8}role,\n/);
  });

  it('uses a custom --watermark-column in the declaration, the demo rows and the raw model', async () => {
    const files = await generate({ name: 'google_ads', watermarkColumn: '_fivetran_synced', description: "Google Ads' campaigns \\ spend" });
    const source = files['src/source.ts'] ?? '';
    expect(source).toContain("watermarkColumn: '_fivetran_synced',");
    expect(source).toContain("_fivetran_synced: 'timestamp',");
    expect(source).toContain("key: ['id', '_fivetran_synced'],");
    expect(source).not.toContain('synced_at:');
    const raw = files['dbt/models/raw/google_ads_records.sql'] ?? '';
    expect(raw).toContain('partition by id order by _fivetran_synced desc');
    expect(raw).toContain('cast(_fivetran_synced as {{ dbt.type_timestamp() }}) as synced_at,');
    expect(raw).toContain('kept.synced_at > deduplicated._fivetran_synced');
    const loaded = await loadGenerated('google_ads');
    expect(loaded.problems).toEqual([]);
    expect(loaded.source.definition.description).toBe("Google Ads' campaigns \\ spend");
    expect(loaded.source.demoRows().google_ads_records_raw?.[0]?._fivetran_synced).toBe('2025-01-02T00:00:00Z');
    expect(files['src/index.ts']).toContain('export const source: RegisteredSource = { definition: googleAds, demoRows: googleAdsDemoRows };');
    expect(JSON.parse(files['project.json'] ?? '').name).toBe('source-google-ads');
    expect(JSON.parse(files['package.json'] ?? '').name).toBe('@hcrm/source-google-ads');
  });
});

describe('source generator: refused options (a clear error, nothing written)', () => {
  const refused: Array<[string, SourceGeneratorSchema, RegExp]> = [
    ['a name in PascalCase', { name: 'HubSpot' }, /"HubSpot" is not snake_case .*e\.g\. "hub_spot"/],
    ['a name with a dash', { name: 'hub-spot' }, /"hub-spot" is not snake_case .*e\.g\. "hub_spot"/],
    ['a name starting with a digit', { name: '1crm' }, /"1crm" is not snake_case .*starting with a letter/],
    ['no name', { name: '' }, /Give the source a name/],
    ['a reserved name', { name: 'core' }, /"core" is reserved \(raw, source, sources, core, identity, crm, ops, truth, hcrm, all, test are schema names or keywords of the pipeline\): choose another/],
    ['a JavaScript reserved word', { name: 'delete' }, /"delete" is a JavaScript reserved word/],
    ['an unknown interface', { name: 'hubspot', interfaces: 'events,persons' }, /Unknown interface "persons" in --interfaces: the valid ones are events, person_identifiers, person_traits, group_identifiers, group_traits, membership_identifiers/],
    ['an empty interface list', { name: 'hubspot', interfaces: ',' }, /--interfaces names no interface/],
    ['a watermark column that is no SQL identifier', { name: 'hubspot', watermarkColumn: 'Synced-At' }, /"Synced-At" is not a lower-case SQL identifier/],
    ['a watermark column that is an SQL keyword', { name: 'hubspot', watermarkColumn: 'select' }, /"select" is an SQL reserved word/],
    ['a watermark column the stub table has', { name: 'hubspot', watermarkColumn: 'email' }, /"email" is already a column of the generated raw table/],
    ['a description over several lines', { name: 'hubspot', description: 'one\ntwo' }, /--description must be one line/],
  ];

  it.each(refused)('refuses %s', async (_what, options, message) => {
    await expect(sourceGenerator(tree, options)).rejects.toThrow(message);
    await expect(sourceGenerator(tree, options)).rejects.toBeInstanceOf(SourceGeneratorError);
    expect(changes(tree)).toEqual([]);
  });

  it('refuses a source whose folder exists already, naming the folder', async () => {
    tree.write('libs/sources/hubspot/notes.md', 'kept\n');
    baseline = allChanges(tree);
    await expect(sourceGenerator(tree, { name: 'hubspot' })).rejects.toThrow('The folder libs/sources/hubspot exists already');
    expect(changes(tree)).toEqual([]);
    expect(tree.read('libs/sources/hubspot/notes.md', 'utf8')).toBe('kept\n');
  });
});

describe('the plugin package', () => {
  it('registers the source generator through package.json "generators"', () => {
    const pkg = JSON.parse(readFileSync(join(pluginRoot, 'package.json'), 'utf8')) as { name: string; generators: string };
    expect(pkg.name).toBe('@hcrm/nx-plugin');
    const collection = JSON.parse(readFileSync(join(pluginRoot, pkg.generators), 'utf8')) as { generators: Record<string, { factory: string; schema: string }> };
    const source = collection.generators.source;
    expect(source?.factory).toBe('./src/generators/source/generator#sourceGenerator');
    expect(existsSync(join(pluginRoot, `${source?.factory.split('#')[0] ?? ''}.ts`))).toBe(true);
    const schema = JSON.parse(readFileSync(join(pluginRoot, source?.schema ?? ''), 'utf8')) as { properties: Record<string, { default?: unknown }>; required: string[] };
    expect(Object.keys(schema.properties).sort()).toEqual(['description', 'interfaces', 'name', 'watermarkColumn']);
    expect(schema.properties.watermarkColumn?.default).toBe('synced_at');
    expect(schema.required).toEqual(['name']);
  });
});
