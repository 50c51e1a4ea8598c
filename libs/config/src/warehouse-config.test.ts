import { describe, expect, it } from 'vitest';
import { parseProject } from './project-config';
import { dbtWarehouseEnv, describeWarehouse, duckDbPath, resolveWarehouseSettings } from './warehouse-config';

const SNOWFLAKE_ENV = {
  HCRM_WAREHOUSE: 'snowflake',
  SNOWFLAKE_ACCOUNT: 'acme-xy12345',
  SNOWFLAKE_USER: 'hcrm_pipeline',
  SNOWFLAKE_DATABASE: 'HCRM',
  SNOWFLAKE_PASSWORD: 'secret-value',
};

describe('warehouse settings', () => {
  it('is DuckDB under the state dir unless told otherwise', () => {
    expect(resolveWarehouseSettings({}, {}, '/state')).toEqual({ kind: 'duckdb', path: '/state/warehouse.duckdb' });
    expect(dbtWarehouseEnv(resolveWarehouseSettings({}, {}, '/state'))).toEqual({ HCRM_WAREHOUSE: 'duckdb', HCRM_DUCKDB_PATH: '/state/warehouse.duckdb' });
  });

  it('reads Snowflake from the environment and hands dbt the same settings, never the password', () => {
    const settings = resolveWarehouseSettings({ ...SNOWFLAKE_ENV, SNOWFLAKE_PORT: '8080', SNOWFLAKE_PROTOCOL: 'http', SNOWFLAKE_HOST: 'localhost' }, {}, '/state');
    expect(settings).toEqual({
      kind: 'snowflake',
      account: 'acme-xy12345',
      user: 'hcrm_pipeline',
      database: 'HCRM',
      host: 'localhost',
      port: 8080,
      protocol: 'http',
    });
    const env = dbtWarehouseEnv(settings);
    expect(env).toMatchObject({ HCRM_WAREHOUSE: 'snowflake', SNOWFLAKE_ACCOUNT: 'acme-xy12345', SNOWFLAKE_PORT: '8080' });
    expect(JSON.stringify(env)).not.toContain('secret-value');
    expect(describeWarehouse(settings)).toBe('Snowflake account acme-xy12345, database HCRM at localhost');
  });

  it('takes the choice and the non-secret settings from hcrm.yml, the environment winning', () => {
    const { warehouse } = parseProject(
      ['warehouse:', '  type: bigquery', '  bigquery:', '    project: from-file', '    location: EU'].join('\n'),
    );
    expect(resolveWarehouseSettings({}, warehouse, '/state')).toEqual({ kind: 'bigquery', projectId: 'from-file', location: 'EU' });
    expect(resolveWarehouseSettings({ BIGQUERY_PROJECT: 'from-env' }, warehouse, '/state')).toMatchObject({ projectId: 'from-env' });
    expect(resolveWarehouseSettings({ HCRM_WAREHOUSE: 'duckdb' }, warehouse, '/state').kind).toBe('duckdb');
  });

  it('names every missing setting at once', () => {
    expect(() => resolveWarehouseSettings({ HCRM_WAREHOUSE: 'snowflake' }, {}, '/state')).toThrow(
      'The snowflake warehouse is not configured: snowflake needs SNOWFLAKE_ACCOUNT (or warehouse.snowflake.account in hcrm.yml); snowflake needs SNOWFLAKE_USER (or warehouse.snowflake.user in hcrm.yml); snowflake needs SNOWFLAKE_DATABASE (or warehouse.snowflake.database in hcrm.yml)',
    );
    expect(() => resolveWarehouseSettings({ HCRM_WAREHOUSE: 'bigquery' }, {}, '/state')).toThrow(/BIGQUERY_PROJECT/);
    expect(() => resolveWarehouseSettings({ HCRM_WAREHOUSE: 'postgres' }, {}, '/state')).toThrow('HCRM_WAREHOUSE is "postgres"; use one of duckdb, snowflake, bigquery');
    expect(() => resolveWarehouseSettings({ ...SNOWFLAKE_ENV, SNOWFLAKE_PORT: 'https' }, {}, '/state')).toThrow(/SNOWFLAKE_PORT must be a port number/);
  });

  it('refuses secrets and unknown keys in hcrm.yml', () => {
    expect(() => parseProject(['warehouse:', '  snowflake:', '    password: hunter2'].join('\n'))).toThrow(
      /warehouse\.snowflake\.password: unknown key; known: account, database, role, user, warehouse/,
    );
    expect(() => parseProject('warehouse:\n  type: oracle')).toThrow(/warehouse.type must be one of duckdb, snowflake, bigquery/);
  });

  it('says plainly when a DuckDB-only command meets another warehouse', () => {
    expect(() => duckDbPath(resolveWarehouseSettings(SNOWFLAKE_ENV, {}, '/state'), 'hcrm generate')).toThrow(
      'hcrm generate works on the DuckDB warehouse only, and HCRM_WAREHOUSE is snowflake',
    );
  });
});
