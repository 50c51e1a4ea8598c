import { RAW_SCHEMA, type Dialect, type RawColumnType, type RawTableDefinition } from '@hcrm/core';
import { qualifiedName, quoteIdent } from './identifiers';

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

/** `create schema if not exists` for the raw schema; run it before creating raw tables. */
export function createRawSchemaSql(_dialect: Dialect): string {
  return `create schema if not exists ${quoteIdent(RAW_SCHEMA)}`;
}

/** `create table if not exists` for a raw table in the raw schema, from its declaration. */
export function createRawTableSql(table: RawTableDefinition, dialect: Dialect): string {
  const columns = Object.entries(table.columns).map(
    ([name, type]) => `${quoteIdent(name)} ${COLUMN_TYPES[dialect][type]}`,
  );
  return `create table if not exists ${rawTableName(table)} (${columns.join(', ')})`;
}

/**
 * One `alter table ... add column if not exists` per declared column, so a raw table landed
 * by an older version of its source gains the columns added since (existing rows get null).
 */
export function addMissingRawColumnsSql(table: RawTableDefinition, dialect: Dialect): string[] {
  return Object.entries(table.columns).map(
    ([name, type]) => `alter table ${rawTableName(table)} add column if not exists ${quoteIdent(name)} ${COLUMN_TYPES[dialect][type]}`,
  );
}

/** The raw table's schema-qualified, quoted name. */
export function rawTableName(table: Pick<RawTableDefinition, 'name'>): string {
  return qualifiedName(RAW_SCHEMA, table.name);
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
  const target = rawTableName(table);
  const keyMatch = table.key.map((key) => `existing.${quoteIdent(key)} = incoming.${quoteIdent(key)}`).join(' and ');
  return [
    `insert into ${target} (${columnList})`,
    `select distinct ${names.map((n) => `incoming.${quoteIdent(n)}`).join(', ')}`,
    `from (values\n  ${values}\n) as incoming (${columnList})`,
    `where not exists (select 1 from ${target} as existing where ${keyMatch})`,
  ].join('\n');
}
