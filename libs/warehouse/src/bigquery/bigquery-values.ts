import {
  BigQueryDate,
  BigQueryDatetime,
  BigQueryInt,
  BigQueryTime,
  BigQueryTimestamp,
  Geography,
} from '@google-cloud/bigquery';
import type { Row, SqlValue } from '../warehouse';

/** Positional query parameters as the client library sends them: values with explicit types. */
export interface BigQueryParams {
  params: (string | null)[];
  types: string[];
}

/**
 * Every value goes as text with its type, the REST API's own encoding (`parameterValue.value`
 * is a string): the library would send numbers and booleans as JSON numbers and booleans,
 * which BigQuery tolerates but bigquery-emulator refuses. A null has no type of its own:
 * it goes as a STRING null, which BigQuery does not coerce to other types, so a null meant
 * for another type needs a cast, e.g. `cast(? as int64)`.
 */
export function toBigQueryParams(values: readonly SqlValue[]): BigQueryParams {
  return {
    params: values.map((value) => (value === null ? null : String(value))),
    types: values.map(parameterType),
  };
}

function parameterType(value: SqlValue): string {
  if (typeof value === 'boolean') return 'BOOL';
  if (typeof value === 'number') return Number.isSafeInteger(value) ? 'INT64' : 'FLOAT64';
  return 'STRING';
}

/**
 * Rows leave the adapter JSON-safe, as the DuckDB adapter's do: INT64 as a number when it is
 * a safe integer (else its digits), timestamps as ISO strings in UTC with milliseconds, other
 * temporal and geography values as BigQuery's text, JSON columns as their text.
 */
export function normalizeBigQueryRow(row: Record<string, unknown>): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) out[key] = normalizeBigQueryValue(value);
  return out;
}

function normalizeBigQueryValue(value: unknown): SqlValue {
  // ARRAY and STRUCT values become JSON text, with the scalars inside normalised the same way.
  return Array.isArray(value) || isPlainObject(value) ? JSON.stringify(jsonTree(value)) : normalizeScalar(value);
}

function jsonTree(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(jsonTree);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, jsonTree(inner)]));
  return normalizeScalar(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

function normalizeScalar(value: unknown): SqlValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof BigQueryInt) return integerValue(value.value);
  if (value instanceof BigQueryTimestamp) return new Date(value.value).toISOString();
  if (value instanceof BigQueryDate || value instanceof BigQueryDatetime || value instanceof BigQueryTime || value instanceof Geography) {
    return String(value.value);
  }
  if (Buffer.isBuffer(value)) return value.toString('base64');
  // NUMERIC and BIGNUMERIC arrive as big.js numbers, which print their digits.
  return String(value);
}

function integerValue(digits: string): number | string {
  const value = Number(digits);
  return Number.isSafeInteger(value) ? value : digits;
}
