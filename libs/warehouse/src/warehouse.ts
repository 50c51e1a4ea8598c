import type { Dialect } from '@hcrm/contracts';

/** A scalar a query can take as a parameter or return in a row. */
export type SqlValue = string | number | boolean | null;
export type Row = Record<string, SqlValue>;


/**
 * The one interface the activities and the CLI use to talk to a warehouse. It declares only
 * what we call; each backend lives in its own folder and exports one factory.
 *
 * @example
 * const warehouse = await openDuckDbWarehouse({ path: '.hcrm/warehouse.duckdb' });
 * try {
 *   const [row] = await warehouse.query<{ n: number }>('select count(*) as n from persons');
 * } finally {
 *   await warehouse.close();
 * }
 */
export interface Warehouse {
  readonly dialect: Dialect;
  /** Runs one statement and returns its rows as JSON-safe objects (big integers as numbers when safe). */
  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Runs one statement for its effect. */
  execute(sql: string, params?: readonly SqlValue[]): Promise<void>;
  /** Runs `work` in one transaction: all of it is committed, or none of it. */
  transaction<T>(work: () => Promise<T>): Promise<T>;
  tableExists(schema: string, table: string): Promise<boolean>;
  /**
   * Bulk-loads rows into a temporary staging relation whose columns are `columns` (values as
   * text), runs the statement `moveSql(staging)` returns to move them where they belong, and
   * drops the staging relation. Far faster than bound parameters for large batches.
   */
  bulkInsert(
    columns: readonly string[],
    rows: ReadonlyArray<readonly SqlValue[]>,
    moveSql: (staging: string) => string,
  ): Promise<void>;
  /** Releases the connection (and, for DuckDB, the file lock). Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Runs `work` between `begin transaction` and `commit` sent through `run`, rolling back when
 * it throws: the transaction of the warehouses that take plain SQL for it.
 */
export async function inTransaction<T>(run: (sql: string) => Promise<unknown>, work: () => Promise<T>): Promise<T> {
  await run('begin transaction');
  try {
    const result = await work();
    await run('commit');
    return result;
  } catch (error) {
    await run('rollback');
    throw error;
  }
}

/** The warehouse cannot be used at the moment, e.g. another process holds the DuckDB file. */
export class WarehouseBusyError extends Error {
  override name = 'WarehouseBusyError';
}

/** The warehouse does not exist yet or cannot be opened as configured. */
export class WarehouseUnavailableError extends Error {
  override name = 'WarehouseUnavailableError';
}
