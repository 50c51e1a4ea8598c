import type { Warehouse } from '@hcrm/warehouse';
import { sqlString } from '@hcrm/sql';

// Helpers the step files share; not part of the lib's interface (index.ts leaves them out).

/** The first row's `column`, or undefined when there is no row or the value is null. */
export async function scalar<T>(warehouse: Warehouse, sql: string, column: string): Promise<T | undefined> {
  const [row] = await warehouse.query(sql);
  const value = row?.[column];
  return value === null || value === undefined ? undefined : (value as T);
}

/** Runs statements one after the other. */
export async function runAll(warehouse: Warehouse, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await warehouse.execute(statement);
}

/** `(<'a'>, <'b'>)`: string literals for an `in` list. */
export function inList(values: readonly string[]): string {
  return `(${values.map(sqlString).join(', ')})`;
}

/** How many rows a table holds, as column `n`. */
export function countRowsSql(table: string): string {
  return `select count(*) as n from ${table}`;
}
