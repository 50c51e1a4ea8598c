import type { LandResult, RegisteredSource } from '@hcrm/contracts';
import { rawTableName } from '@hcrm/sql';
import { countRows, ensureRawTable, insertRawRows, type Warehouse } from '@hcrm/warehouse';

/**
 * Lands every registered source's demo rows into its raw tables, in one transaction (the
 * tables are created before it: Snowflake commits at DDL, BigQuery refuses it in one).
 * Rows whose key is already there are skipped, so running it again adds nothing.
 */
export async function landDemoRows(warehouse: Warehouse, sources: readonly RegisteredSource[]): Promise<LandResult> {
  for (const source of sources) for (const table of source.definition.rawTables) await ensureRawTable(warehouse, table);
  return warehouse.transaction(async () => {
    const tables: LandResult['tables'] = [];
    for (const source of sources) {
      const rowsByTable = source.demoRows();
      for (const table of source.definition.rawTables) {
        const before = await countRows(warehouse, rawTableName(table, warehouse.dialect));
        await insertRawRows(warehouse, table, rowsByTable[table.name] ?? []);
        const after = await countRows(warehouse, rawTableName(table, warehouse.dialect));
        tables.push({ table: table.name, rowsInserted: after - before, rowsTotal: after });
      }
    }
    return { tables };
  });
}
