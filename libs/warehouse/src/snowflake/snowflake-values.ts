import type { Column, DataType } from 'snowflake-sdk';
import type { Row, SqlValue } from '../warehouse';

/**
 * What the driver hands over as text rather than converting: NUMBER as its exact digits (a
 * JavaScript number would round integers above 2^53 before we could keep their digits) and
 * VARIANT, OBJECT and ARRAY as the JSON text Snowflake sent (parsing it would round large
 * numbers inside, and the DuckDB adapter returns JSON columns as text too).
 */
export const FETCH_AS_STRING: DataType[] = ['Number', 'JSON'];

/**
 * Rows leave the adapter JSON-safe, as the DuckDB adapter's do: column names in lower case
 * (Snowflake upper-cases unquoted names, callers read `row.n`), integers as numbers when safe
 * (else their digits), other numbers as numbers, timestamps and dates as ISO strings in UTC
 * with milliseconds, JSON columns as their text, binary as base64.
 */
export function normalizeRows(columns: readonly Column[], rows: readonly unknown[][]): Row[] {
  const names = columns.map((column) => column.getName().toLowerCase());
  return rows.map((values) => {
    const row: Row = {};
    columns.forEach((column, index) => {
      row[names[index] ?? ''] = normalizeValue(values[index], column);
    });
    return row;
  });
}

function normalizeValue(value: unknown, column: Column): SqlValue {
  if (value === null || value === undefined) return null;
  if (column.isNumber()) return numberFromText(String(value), column.getScale() === 0);
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

/** NUMBER's text: an integer as a number when it is safe, else its digits; a fraction as a number. */
function numberFromText(text: string, integer: boolean): number | string {
  const value = Number(text);
  if (integer && /^-?\d+$/.test(text)) return Number.isSafeInteger(value) ? value : text;
  return value;
}
