import { randomBytes } from 'node:crypto';
import type { SqlValue } from '../warehouse';

/** The dataset that holds bulk loads on their way to their tables (created when missing). */
export const STAGING_DATASET = 'hcrm_staging';

/** A staging table the process that dies mid-load leaves behind is dropped by BigQuery after this. */
export const STAGING_EXPIRATION_MS = 24 * 60 * 60 * 1000;

/**
 * BigQuery refuses statements over 1,024K characters; a margin leaves room for the
 * `insert into ... values` around the rows.
 */
const MAX_STATEMENT_CHARS = 900_000;

/** A fresh name, so concurrent loads (other workers, other runs) never share a table. */
export function stagingTableName(): string {
  return `hcrm_staging_${randomBytes(8).toString('hex')}`;
}

/** Rows as text, the staging table's only type: what the DuckDB appender writes too. */
export function stagingText(value: SqlValue): string | null {
  return value === null ? null : String(value);
}

/**
 * `insert into <table> (<columns>) values ...` statements that carry the rows as string
 * literals, as few as the statement size limit allows. For staging inside a transaction,
 * where a load job cannot go (see BigQueryWarehouse.bulkInsert).
 */
export function insertValuesStatements(
  quotedTable: string,
  quotedColumns: readonly string[],
  rows: ReadonlyArray<readonly SqlValue[]>,
): string[] {
  const head = `insert into ${quotedTable} (${quotedColumns.join(', ')}) values\n`;
  const statements: string[] = [];
  let tuples: string[] = [];
  let size = head.length;
  for (const row of rows) {
    const tuple = `(${quotedColumns.map((_column, i) => textLiteral(stagingText(row[i] ?? null))).join(', ')})`;
    if (tuples.length > 0 && size + tuple.length + 2 > MAX_STATEMENT_CHARS) {
      statements.push(head + tuples.join(',\n'));
      tuples = [];
      size = head.length;
    }
    tuples.push(tuple);
    size += tuple.length + 2;
  }
  if (tuples.length > 0) statements.push(head + tuples.join(',\n'));
  return statements;
}

/**
 * A GoogleSQL string literal. Backslash is its escape character (unlike standard SQL's
 * doubled quote); control characters go as \uXXXX so a literal never spans lines.
 */
export function textLiteral(value: string | null): string {
  if (value === null) return 'null';
  const escaped = Array.from(value, escapeCharacter).join('');
  return `'${escaped}'`;
}

function escapeCharacter(c: string): string {
  if (c === '\\' || c === "'") return `\\${c}`;
  const code = c.charCodeAt(0);
  return code < 0x20 || code === 0x7f ? `\\u${code.toString(16).padStart(4, '0')}` : c;
}
