import type { HcrmConfig } from '@hcrm/config';
import { QUERY_SEARCH_PATH } from '@hcrm/contracts';
import { openWarehouse, WarehouseBusyError, WarehouseUnavailableError, type Warehouse } from '@hcrm/warehouse';
import { CliError } from '../errors';
import { formatTable } from '../format';
import type { CliIo } from '../io';

/**
 * The warehouse, read-only and without file access, for commands that only look. Unqualified
 * names resolve in the layers' schemas, latest layer first: `persons` is crm.persons.
 */
export async function openReadOnlyWarehouse(config: HcrmConfig): Promise<Warehouse> {
  try {
    return await openWarehouse(config.warehouse, {
      readOnly: true,
      noExternalAccess: true,
      searchPath: QUERY_SEARCH_PATH,
    });
  } catch (error) {
    if (error instanceof WarehouseBusyError || error instanceof WarehouseUnavailableError) throw new CliError(error.message);
    throw error;
  }
}

/** `hcrm query "<sql>"`: read-only SQL against the warehouse, as a table or `--json`. */
export async function queryCommand(config: HcrmConfig, io: CliIo, sql: string, options: { json: boolean }): Promise<number> {
  refuseWritesWithoutReadOnlyMode(config, sql);
  const warehouse = await openReadOnlyWarehouse(config);
  try {
    const rows = await warehouse.query(sql);
    io.stdout(options.json ? `${JSON.stringify(rows, null, 2)}\n` : formatTable(rows));
    return 0;
  } catch (error) {
    throw new CliError(`Query failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await warehouse.close();
  }
}

/** Statements that only read: what `hcrm query` runs where the warehouse has no read-only mode. */
const READING_STATEMENT = /^\s*(\(\s*)*(select|with|show|describe|desc|explain)\b/i;

/**
 * DuckDB opens the file read-only for `hcrm query`. Snowflake and BigQuery have no such mode:
 * the worker's credentials may write, so only reading statements (one of them) are run there.
 */
export function refuseWritesWithoutReadOnlyMode(config: HcrmConfig, sql: string): void {
  if (config.warehouse.kind === 'duckdb') return;
  const single = sql.trim().replace(/;\s*$/, '');
  if (!READING_STATEMENT.test(single) || single.includes(';')) {
    throw new CliError(
      `On ${config.warehouse.kind}, \`hcrm query\` runs one SELECT, WITH, SHOW, DESCRIBE or EXPLAIN statement: its credentials could write (run other statements with the warehouse's own client).`,
    );
  }
}
