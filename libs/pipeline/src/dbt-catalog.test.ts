import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ENTITY_TYPES, isLayer, LAYER_SCHEMAS, OPS_TABLES, PERSISTED_IDENTITY_TABLES, SCHEMAS, type Layer } from '@hcrm/contracts';
import { registeredSources } from './sources';

const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const readYaml = <T>(path: string) => parse(readFileSync(repo(path), 'utf8')) as T;

/** The .sql and .yml files under a folder of the repo, with their text. */
function dbtFiles(folder: string): Array<{ path: string; text: string }> {
  return readdirSync(repo(folder), { recursive: true, encoding: 'utf8' })
    .filter((path) => /\.(sql|yml)$/.test(path))
    .map((path) => ({ path: `${folder}/${path}`, text: readFileSync(repo(`${folder}/${path}`), 'utf8') }));
}

/**
 * The identity tables dbt code names with `source('identity', ...)`: a literal name, or
 * `entity ~ '_suffix'` in the final macros (for each entity type).
 */
function identitySourceReferences(files: ReadonlyArray<{ path: string; text: string }>): Map<string, string> {
  const referenced = new Map<string, string>();
  for (const { path, text } of files) {
    for (const [call, argument = ''] of text.matchAll(/source\(\s*['"]identity['"]\s*,\s*([^)]*?)\s*\)/g)) {
      const literal = /^['"](\w+)['"]$/.exec(argument);
      const perEntity = /^\w+\s*~\s*['"](_\w+)['"]$/.exec(argument);
      if (!literal && !perEntity) throw new Error(`${path}: cannot read the table of ${call} (extend identitySourceReferences)`);
      const names = literal ? [literal[1] as string] : ENTITY_TYPES.map((entity) => `${entity}${perEntity?.[1] as string}`);
      for (const name of names) referenced.set(`${SCHEMAS.identity}.${name}`, path);
    }
  }
  return referenced;
}

type FolderConfig = { '+tags'?: string[]; '+schema'?: string };
type DbtProject = { name: string; models: Record<string, Record<string, FolderConfig | string>> };

/** Each model folder of a dbt project that carries a layer tag, with its configured schema. */
function layerFolders(project: DbtProject): Array<{ folder: string; layer: Layer; schema: string | undefined }> {
  return Object.entries(project.models[project.name] ?? {}).flatMap(([folder, config]) => {
    if (typeof config !== 'object') return [];
    return (config['+tags'] ?? []).filter(isLayer).map((layer) => ({ folder, layer, schema: config['+schema'] }));
  });
}

// The table catalog (libs/contracts/src/catalog.ts) declares the schemas and the identity tables
// once; dbt's project files name them too and must follow it.
describe('dbt follows the table catalog', () => {
  const sources = readYaml<{ sources: Array<{ name: string; schema: string; tables: Array<{ name: string }> }> }>('dbt_project/models/final/sources.yml').sources;
  const identity = sources.find((source) => source.name === 'identity');
  const declared = (identity?.tables ?? []).map((table) => `${identity?.schema}.${table.name}`);
  const dbtCode = [...dbtFiles('dbt_project/models'), ...dbtFiles('dbt_project/macros')];

  it('declares the dbt source identity in schema identity, with catalogued identity tables only', () => {
    expect(identity?.schema).toBe(SCHEMAS.identity);
    expect(declared.length).toBeGreaterThan(0);
    for (const table of declared) expect(PERSISTED_IDENTITY_TABLES, `${table} is in sources.yml but not in the catalog`).toContain(table);
  });

  it('declares every identity table the final models and macros read', () => {
    const referenced = identitySourceReferences(dbtCode);
    expect(referenced.size).toBeGreaterThan(0);
    for (const [table, path] of referenced) expect(declared, `${path} reads ${table}: declare it in sources.yml`).toContain(table);
  });

  it('puts the core and final layers in their catalogued schemas (dbt_project.yml)', () => {
    const folders = layerFolders(readYaml<DbtProject>('dbt_project/dbt_project.yml'));
    expect(folders.map((f) => f.layer).sort()).toEqual(['core', 'final']);
    for (const { folder, layer, schema } of folders) expect(schema, `models.hcrm.${folder}`).toBe(LAYER_SCHEMAS[layer]);
  });

  for (const { definition } of registeredSources) {
    it(`${definition.name}: its package puts the raw and source layers in their catalogued schemas`, () => {
      const project = readYaml<DbtProject>(`libs/sources/${definition.name}/dbt/dbt_project.yml`);
      const folders = layerFolders(project);
      expect(folders.map((f) => f.layer).sort()).toEqual(['raw', 'source']);
      for (const { folder, layer, schema } of folders) expect(schema, `models.${project.name}.${folder}`).toBe(LAYER_SCHEMAS[layer]);
    });
  }

  it('configures models only into catalogued schemas', () => {
    const configured = dbtCode.flatMap(({ path, text }) => [...text.matchAll(/config\([^)]*\bschema\s*=\s*['"](\w+)['"]/g)].map((m) => ({ path, schema: m[1] })));
    for (const { path, schema } of configured) expect(Object.values(SCHEMAS), path).toContain(schema);
  });

  it("reads the run's windows from the catalogued windows table", () => {
    expect(readFileSync(repo('dbt_project/macros/pipeline_window.sql'), 'utf8')).toContain(`from ${OPS_TABLES.windows} as windows`);
  });
});
