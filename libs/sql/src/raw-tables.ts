import type { Dialect, RawColumnType, RawTableDefinition } from '@hcrm/core';
import { quoteIdent } from './identifiers';

const COLUMN_TYPES: Record<Dialect, Record<RawColumnType, string>> = {
  duckdb: {
    string: 'varchar',
    integer: 'bigint',
    double: 'double',
    boolean: 'boolean',
    timestamp: 'timestamp',
    json: 'json',
  },
};

/** `create table if not exists` for a raw table, from its declaration. */
export function createRawTableSql(table: RawTableDefinition, dialect: Dialect): string {
  const columns = Object.entries(table.columns).map(
    ([name, type]) => `${quoteIdent(name)} ${COLUMN_TYPES[dialect][type]}`,
  );
  return `create table if not exists ${quoteIdent(table.name)} (${columns.join(', ')})`;
}

/**
 * Inserts `rowCount` rows given as positional parameters (row-major, in column order),
 * skipping rows whose key is already in the table or repeated in the batch. Landing the
 * same rows twice leaves one copy, so a retried activity changes nothing.
 */
export function insertMissingRawRowsSql(table: RawTableDefinition, rowCount: number, dialect: Dialect): string {
  if (rowCount < 1) throw new Error('insertMissingRawRowsSql needs at least one row');
  const names = Object.keys(table.columns);
  const types = COLUMN_TYPES[dialect];
  const placeholders = names.map((name) => `cast(? as ${types[table.columns[name] ?? 'string']})`).join(', ');
  const values = Array.from({ length: rowCount }, () => `(${placeholders})`).join(',\n  ');
  const columnList = names.map(quoteIdent).join(', ');
  const target = quoteIdent(table.name);
  const keyMatch = table.key.map((key) => `existing.${quoteIdent(key)} = incoming.${quoteIdent(key)}`).join(' and ');
  return [
    `insert into ${target} (${columnList})`,
    `select distinct ${names.map((n) => `incoming.${quoteIdent(n)}`).join(', ')}`,
    `from (values\n  ${values}\n) as incoming (${columnList})`,
    `where not exists (select 1 from ${target} as existing where ${keyMatch})`,
  ].join('\n');
}
