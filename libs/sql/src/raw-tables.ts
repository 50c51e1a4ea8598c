import { RAW_SCHEMA, type Dialect, type RawColumnType, type RawTableDefinition } from '@hcrm/contracts';
import { DIALECT_SQL } from './dialects';
import { qualifiedName, quoteIdent } from './identifiers';

function columnType(type: RawColumnType, dialect: Dialect): string {
  const d = DIALECT_SQL[dialect];
  return { string: d.text, integer: d.bigint, double: d.double, boolean: d.boolean, timestamp: d.timestamp, json: d.json }[type];
}

/** `create schema if not exists` for the raw schema; run it before creating raw tables. */
export function createRawSchemaSql(dialect: Dialect): string {
  return `create schema if not exists ${quoteIdent(RAW_SCHEMA, dialect)}`;
}

/** `create table if not exists` for a raw table in the raw schema, from its declaration. */
export function createRawTableSql(table: RawTableDefinition, dialect: Dialect): string {
  const columns = Object.entries(table.columns).map(
    ([name, type]) => `${quoteIdent(name, dialect)} ${columnType(type, dialect)}`,
  );
  return `create table if not exists ${rawTableName(table, dialect)} (${columns.join(', ')})`;
}

/**
 * One `alter table ... add column if not exists` per declared column, so a raw table landed
 * by an older version of its source gains the columns added since (existing rows get null).
 */
export function addMissingRawColumnsSql(table: RawTableDefinition, dialect: Dialect): string[] {
  return Object.entries(table.columns).map(
    ([name, type]) => `alter table ${rawTableName(table, dialect)} add column if not exists ${quoteIdent(name, dialect)} ${columnType(type, dialect)}`,
  );
}

/** The raw table's schema-qualified, quoted name. */
export function rawTableName(table: Pick<RawTableDefinition, 'name'>, dialect: Dialect): string {
  return qualifiedName(RAW_SCHEMA, table.name, dialect);
}

/**
 * Moves rows from `staging` (a relation with the table's columns, e.g. all text as a bulk
 * load lands them) into the raw table, casting each column to its declared type. With
 * `skipExisting`, rows whose key is already in the table or repeated in the batch are
 * skipped, so landing the same rows twice leaves one copy and a retried activity changes
 * nothing; without it, rows go in as they are (for loaders whose keys are new by construction,
 * e.g. an import that stamps every row with its own synced_at).
 */
export function insertRawRowsFromSql(
  table: RawTableDefinition,
  staging: string,
  dialect: Dialect,
  options: { skipExisting: boolean },
): string {
  const names = Object.keys(table.columns);
  const quote = (name: string) => quoteIdent(name, dialect);
  const columnList = names.map(quote).join(', ');
  const casts = Object.entries(table.columns).map(([name, type]) => castText(`incoming.${quote(name)}`, type, dialect));
  const target = rawTableName(table, dialect);
  const insert = [`insert into ${target} (${columnList})`];
  if (!options.skipExisting) return [...insert, `select ${casts.join(', ')}`, `from ${staging} as incoming`].join('\n');
  const keyMatch = table.key
    .map((key) => `existing.${quote(key)} = typed.${quote(key)}`)
    .join(' and ');
  // Repeats in the batch go: after the casts, or (where a JSON column cannot be compared)
  // as the staged text, before them.
  const textDistinct = !DIALECT_SQL[dialect].distinctOverJson && Object.values(table.columns).includes('json');
  const from = textDistinct ? `(select distinct * from ${staging}) as incoming` : `${staging} as incoming`;
  return [
    ...insert,
    `select ${textDistinct ? '' : 'distinct '}* from (select ${casts.map((c, i) => `${c} as ${quote(names[i] ?? '')}`).join(', ')} from ${from}) as typed`,
    `where not exists (select 1 from ${target} as existing where ${keyMatch})`,
  ].join('\n');
}

/**
 * Text to a column type. Timestamps go through a zoned type and back to UTC, so an offset
 * such as +02:00 shifts the time instead of being dropped; text without an offset is UTC
 * (the warehouse session runs in UTC).
 */
function castText(expression: string, type: RawColumnType, dialect: Dialect): string {
  const d = DIALECT_SQL[dialect];
  if (type === 'timestamp') return d.textToTimestamp(expression);
  if (type === 'json') return d.textToJson(expression);
  return `cast(${expression} as ${columnType(type, dialect)})`;
}
