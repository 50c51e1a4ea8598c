import type { WarehouseSettings } from '@hcrm/config';
import { openDuckDbWarehouse } from './duckdb/duckdb-warehouse';
import type { Warehouse } from './warehouse';

export interface OpenWarehouseOptions {
  /**
   * Only look (the CLI's `query`, `explain`, `status`). DuckDB opens the file read-only and
   * shares it with other readers; Snowflake and BigQuery rely on the role's grants.
   */
  readOnly?: boolean;
  /** DuckDB: forbid reading or writing files and URLs from SQL, for user-typed queries. */
  noExternalAccess?: boolean;
  /** DuckDB: schemas that unqualified names resolve in. */
  searchPath?: readonly string[];
}

/**
 * Opens the configured warehouse (`HCRM_WAREHOUSE`): the one place that picks the adapter,
 * so switching warehouses is configuration, not code. Credentials come from `env`.
 *
 * @throws WarehouseUnavailableError when it cannot be reached or the credentials are wrong:
 *   the pipeline fails that activity without retrying.
 */
export async function openWarehouse(
  settings: WarehouseSettings,
  options: OpenWarehouseOptions = {},
  env: Record<string, string | undefined> = process.env,
): Promise<Warehouse> {
  switch (settings.kind) {
    case 'duckdb':
      return openDuckDbWarehouse({ path: settings.path, ...options });
    // The cloud drivers load only when used: a DuckDB process never pays for them.
    case 'snowflake': {
      // snowflake-sdk brings the AWS SDK (for S3 stages), which warns on every start that it
      // will need Node 22 from 2027: noise on a worker's stderr. Node 20 is supported here.
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
      const { openSnowflakeWarehouse } = await import('./snowflake/snowflake-warehouse');
      return openSnowflakeWarehouse(settings, env);
    }
    case 'bigquery': {
      const { openBigQueryWarehouse } = await import('./bigquery/bigquery-warehouse');
      return openBigQueryWarehouse(settings, env);
    }
  }
}
