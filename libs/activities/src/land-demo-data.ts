import type { LandResult, RegisteredSource } from '@hcrm/core';
import { createRawTableSql, insertMissingRawRowsSql, quoteIdent } from '@hcrm/sql';
import type { SqlValue, Warehouse } from '@hcrm/warehouse';

/** Rows per INSERT statement: keeps statements and parameter lists small. */
const BATCH_ROWS = 500;

/**
 * Lands every registered source's demo rows into its raw tables, in one transaction.
 * Rows whose key is already there are skipped, so running it again adds nothing.
 */
export async function landDemoRows(warehouse: Warehouse, sources: readonly RegisteredSource[]): Promise<LandResult> {
  return warehouse.transaction(async () => {
    const tables: LandResult['tables'] = [];
    for (const source of sources) {
      const rowsByTable = source.demoRows();
      for (const table of source.definition.rawTables) {
        await warehouse.execute(createRawTableSql(table, warehouse.dialect));
        const rows = rowsByTable[table.name] ?? [];
        const before = await countRows(warehouse, table.name);
        const columns = Object.keys(table.columns);
        for (let start = 0; start < rows.length; start += BATCH_ROWS) {
          const batch = rows.slice(start, start + BATCH_ROWS);
          const params: SqlValue[] = batch.flatMap((row) => columns.map((column) => row[column] ?? null));
          await warehouse.execute(insertMissingRawRowsSql(table, batch.length, warehouse.dialect), params);
        }
        const after = await countRows(warehouse, table.name);
        tables.push({ table: table.name, rowsInserted: after - before, rowsTotal: after });
      }
    }
    return { tables };
  });
}

export async function countRows(warehouse: Warehouse, table: string): Promise<number> {
  const [row] = await warehouse.query<{ n: number }>(`select count(*) as n from ${quoteIdent(table)}`);
  return row?.n ?? 0;
}
