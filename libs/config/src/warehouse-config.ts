import { join, resolve } from 'node:path';
import type { Env } from './config';
import { ConfigError } from './project-config';

export const WAREHOUSE_KINDS = ['duckdb', 'snowflake', 'bigquery'] as const;
export type WarehouseKind = (typeof WAREHOUSE_KINDS)[number];

/**
 * Where the warehouse is and how to reach it, without secrets: passwords, private keys and
 * service-account files stay in the worker's environment and are read by the adapter itself
 * (docs/warehouses.md).
 */
export type WarehouseSettings =
  | { kind: 'duckdb'; path: string }
  | {
      kind: 'snowflake';
      account: string;
      user: string;
      database: string;
      warehouse?: string;
      role?: string;
      /** A private endpoint or a local test server; Snowflake's own host by default. */
      host?: string;
      port?: number;
      protocol?: 'https' | 'http';
    }
  | {
      kind: 'bigquery';
      projectId: string;
      location?: string;
      /** Another API endpoint, e.g. a local emulator. */
      apiEndpoint?: string;
    };

/** The `warehouse:` section of hcrm.yml: which warehouse, and its non-secret settings. */
export interface WarehouseFileSettings {
  type?: WarehouseKind;
  snowflake?: { account?: string; user?: string; database?: string; warehouse?: string; role?: string };
  bigquery?: { project?: string; location?: string };
}

/**
 * The warehouse of this process: `HCRM_WAREHOUSE` or hcrm.yml's `warehouse.type` (DuckDB by
 * default), with each setting from its environment variable or else from hcrm.yml.
 *
 * @throws ConfigError naming every missing or bad setting at once.
 */
export function resolveWarehouseSettings(env: Env, file: WarehouseFileSettings, stateDir: string): WarehouseSettings {
  const chosen = nonEmpty(env.HCRM_WAREHOUSE) ?? file.type ?? 'duckdb';
  if (!(WAREHOUSE_KINDS as readonly string[]).includes(chosen)) {
    throw new ConfigError(`HCRM_WAREHOUSE is "${chosen}"; use one of ${WAREHOUSE_KINDS.join(', ')}`);
  }
  const kind = chosen as WarehouseKind;
  const problems: string[] = [];
  const required = (name: string, fromFile: string | undefined, fileKey: string): string => {
    const value = nonEmpty(env[name]) ?? nonEmpty(fromFile);
    if (!value) problems.push(`${kind} needs ${name} (or warehouse.${kind}.${fileKey} in hcrm.yml)`);
    return value ?? '';
  };
  let settings: WarehouseSettings;
  if (kind === 'duckdb') {
    settings = { kind, path: resolve(nonEmpty(env.HCRM_DUCKDB_PATH) ?? join(stateDir, 'warehouse.duckdb')) };
  } else if (kind === 'snowflake') {
    const sf = file.snowflake ?? {};
    const port = nonEmpty(env.SNOWFLAKE_PORT);
    const protocol = nonEmpty(env.SNOWFLAKE_PROTOCOL);
    if (port !== undefined && !/^\d+$/.test(port)) problems.push(`SNOWFLAKE_PORT must be a port number (got "${port}")`);
    if (protocol !== undefined && protocol !== 'https' && protocol !== 'http') problems.push(`SNOWFLAKE_PROTOCOL must be https or http (got "${protocol}")`);
    settings = {
      kind,
      account: required('SNOWFLAKE_ACCOUNT', sf.account, 'account'),
      user: required('SNOWFLAKE_USER', sf.user, 'user'),
      database: required('SNOWFLAKE_DATABASE', sf.database, 'database'),
      ...optional('warehouse', nonEmpty(env.SNOWFLAKE_WAREHOUSE) ?? nonEmpty(sf.warehouse)),
      ...optional('role', nonEmpty(env.SNOWFLAKE_ROLE) ?? nonEmpty(sf.role)),
      ...optional('host', nonEmpty(env.SNOWFLAKE_HOST)),
      ...optional('port', port === undefined ? undefined : Number(port)),
      ...optional('protocol', protocol as 'https' | 'http' | undefined),
    };
  } else {
    const bq = file.bigquery ?? {};
    const projectId = nonEmpty(env.BIGQUERY_PROJECT) ?? nonEmpty(env.GOOGLE_CLOUD_PROJECT) ?? nonEmpty(bq.project);
    if (!projectId) problems.push('bigquery needs BIGQUERY_PROJECT (or GOOGLE_CLOUD_PROJECT, or warehouse.bigquery.project in hcrm.yml)');
    settings = {
      kind,
      projectId: projectId ?? '',
      ...optional('location', nonEmpty(env.BIGQUERY_LOCATION) ?? nonEmpty(bq.location)),
      ...optional('apiEndpoint', nonEmpty(env.BIGQUERY_API_ENDPOINT)),
    };
  }
  if (problems.length > 0) throw new ConfigError(`The ${kind} warehouse is not configured: ${problems.join('; ')}`, problems);
  return settings;
}

/**
 * The environment dbt's profiles.yml reads for the same warehouse (see dbt_project/profiles.yml),
 * so a setting chosen in hcrm.yml reaches dbt too. Secrets are not in it: dbt inherits them
 * from the worker's environment.
 */
export function dbtWarehouseEnv(settings: WarehouseSettings): Record<string, string> {
  switch (settings.kind) {
    case 'duckdb':
      return { HCRM_WAREHOUSE: 'duckdb', HCRM_DUCKDB_PATH: settings.path };
    case 'snowflake':
      return definedOnly({
        HCRM_WAREHOUSE: 'snowflake',
        SNOWFLAKE_ACCOUNT: settings.account,
        SNOWFLAKE_USER: settings.user,
        SNOWFLAKE_DATABASE: settings.database,
        SNOWFLAKE_WAREHOUSE: settings.warehouse,
        SNOWFLAKE_ROLE: settings.role,
        SNOWFLAKE_HOST: settings.host,
        SNOWFLAKE_PORT: settings.port === undefined ? undefined : String(settings.port),
        SNOWFLAKE_PROTOCOL: settings.protocol,
      });
    case 'bigquery':
      return definedOnly({
        HCRM_WAREHOUSE: 'bigquery',
        BIGQUERY_PROJECT: settings.projectId,
        BIGQUERY_LOCATION: settings.location,
        BIGQUERY_API_ENDPOINT: settings.apiEndpoint,
      });
  }
}

/** A one-line description for `hcrm up` and logs: never a secret. */
export function describeWarehouse(settings: WarehouseSettings): string {
  switch (settings.kind) {
    case 'duckdb':
      return `DuckDB file ${settings.path}`;
    case 'snowflake':
      return `Snowflake account ${settings.account}, database ${settings.database}${settings.host ? ` at ${settings.host}` : ''}`;
    case 'bigquery':
      return `BigQuery project ${settings.projectId}${settings.apiEndpoint ? ` at ${settings.apiEndpoint}` : ''}`;
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function definedOnly(values: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/**
 * The DuckDB file, for what only works on the embedded warehouse (local demos, tests,
 * benchmarks); a plain error on any other warehouse.
 */
export function duckDbPath(settings: WarehouseSettings, what = 'This command'): string {
  if (settings.kind !== 'duckdb') {
    throw new ConfigError(`${what} works on the DuckDB warehouse only, and HCRM_WAREHOUSE is ${settings.kind}`);
  }
  return settings.path;
}
