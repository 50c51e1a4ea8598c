import type { RawTableDefinition } from '@hcrm/core';
import { addMissingRawColumnsSql, createRawSchemaSql, createRawTableSql, insertMissingRawRowsSql } from '@hcrm/sql';
import type { SqlValue, Warehouse } from './warehouse';

/** Rows per INSERT statement: keeps statements and parameter lists small. */
const BATCH_ROWS = 500;

/** Creates the raw schema and the table if they are missing, and adds columns declared since. */
export async function ensureRawTable(warehouse: Warehouse, table: RawTableDefinition): Promise<void> {
  await warehouse.execute(createRawSchemaSql(warehouse.dialect));
  await warehouse.execute(createRawTableSql(table, warehouse.dialect));
  for (const sql of addMissingRawColumnsSql(table, warehouse.dialect)) await warehouse.execute(sql);
}

/**
 * Inserts rows into a raw table, skipping keys already there: landing the same rows twice
 * leaves one copy. Runs inside the caller's transaction, if any.
 */
export async function insertRawRows(
  warehouse: Warehouse,
  table: RawTableDefinition,
  rows: ReadonlyArray<Readonly<Record<string, SqlValue | undefined>>>,
): Promise<void> {
  const columns = Object.keys(table.columns);
  for (let start = 0; start < rows.length; start += BATCH_ROWS) {
    const batch = rows.slice(start, start + BATCH_ROWS);
    const params: SqlValue[] = batch.flatMap((row) => columns.map((column) => row[column] ?? null));
    await warehouse.execute(insertMissingRawRowsSql(table, batch.length, warehouse.dialect), params);
  }
}

/** Counts the rows of a table given by its quoted, possibly schema-qualified name. */
export async function countRows(warehouse: Warehouse, quotedName: string): Promise<number> {
  const [row] = await warehouse.query<{ n: number }>(`select count(*) as n from ${quotedName}`);
  return row?.n ?? 0;
}
