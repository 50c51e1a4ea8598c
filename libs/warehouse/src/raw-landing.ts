import type { RawTableDefinition } from '@hcrm/contracts';
import { addMissingRawColumnsSql, createRawSchemaSql, createRawTableSql, insertRawRowsFromSql } from '@hcrm/sql';
import type { SqlValue, Warehouse } from './warehouse';

/** Rows per bulk load: bounds the staging table, not the caller's memory. */
const BATCH_ROWS = 50_000;

/** Creates the raw schema and the table if they are missing, and adds columns declared since. */
export async function ensureRawTable(warehouse: Warehouse, table: RawTableDefinition): Promise<void> {
  await warehouse.execute(createRawSchemaSql(warehouse.dialect));
  await warehouse.execute(createRawTableSql(table, warehouse.dialect));
  for (const sql of addMissingRawColumnsSql(table, warehouse.dialect)) await warehouse.execute(sql);
}

/**
 * Inserts rows into a raw table. By default it skips keys already there, so landing the same
 * rows twice leaves one copy; `{ skipExisting: false }` inserts as they are, for loaders
 * whose keys are new by construction (no anti-join against a large table per batch).
 * Runs inside the caller's transaction, if any.
 */
export async function insertRawRows(
  warehouse: Warehouse,
  table: RawTableDefinition,
  rows: ReadonlyArray<Readonly<Record<string, SqlValue | undefined>>>,
  options: { skipExisting?: boolean } = {},
): Promise<void> {
  const columns = Object.keys(table.columns);
  const skipExisting = options.skipExisting ?? true;
  for (let start = 0; start < rows.length; start += BATCH_ROWS) {
    const batch = rows.slice(start, start + BATCH_ROWS).map((row) => columns.map((column) => row[column] ?? null));
    await warehouse.bulkInsert(columns, batch, (staging) =>
      insertRawRowsFromSql(table, staging, warehouse.dialect, { skipExisting }),
    );
  }
}

/** Counts the rows of a table given by its quoted, possibly schema-qualified name. */
export async function countRows(warehouse: Warehouse, quotedName: string): Promise<number> {
  const [row] = await warehouse.query<{ n: number }>(`select count(*) as n from ${quotedName}`);
  return row?.n ?? 0;
}
