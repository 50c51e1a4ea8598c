import type { Dialect } from '@hcrm/core';

/**
 * What differs between the warehouses, in one place. The SQL builders write one default
 * statement (standard SQL that DuckDB, Snowflake and BigQuery all parse) and call these for
 * the parts that differ. A record keyed by dialect, so a new dialect cannot be forgotten.
 */
export interface DialectSql {
  /** Quotes a checked identifier so it names the object dbt creates for the same name. */
  quote(name: string): string;
  /** Column types. */
  text: string;
  bigint: string;
  double: string;
  boolean: string;
  timestamp: string;
  json: string;
  /** true when `pattern` (a string literal) matches anywhere in `expr`. */
  regexContains(expr: string, pattern: string): string;
  /** Replaces every match of `pattern` (a string literal) in `expr`. */
  regexReplaceAll(expr: string, pattern: string, replacement: string): string;
  /** The lower-case hex MD5 of a text. */
  md5Hex(expr: string): string;
  /** A timestamp literal from an ISO string in UTC. */
  timestampLiteral(iso: string): string;
  minusMinutes(expr: string, minutes: number): string;
  /** The current time as a UTC timestamp without zone. */
  now: string;
  /** Text (with or without a UTC offset; without one it is UTC) to a UTC timestamp. */
  textToTimestamp(expr: string): string;
  /** Text holding JSON to the JSON column type. */
  textToJson(expr: string): string;
  /** `union` without duplicates (BigQuery wants it spelled out). */
  unionDistinct: string;
  /** Renames a table in its schema. */
  renameTable(schema: string, from: string, to: string): string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function checked(name: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new Error(`"${name}" is not a valid table or column name: use letters, digits and _ only`);
  }
  return name;
}

const iso = (value: string) => value.replace('T', ' ').replace('Z', '');
const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

export const DIALECT_SQL: Record<Dialect, DialectSql> = {
  duckdb: {
    quote: (name) => `"${checked(name)}"`,
    text: 'varchar',
    bigint: 'bigint',
    double: 'double',
    boolean: 'boolean',
    timestamp: 'timestamp',
    json: 'json',
    regexContains: (expr, pattern) => `regexp_matches(${expr}, ${pattern})`,
    regexReplaceAll: (expr, pattern, replacement) => `regexp_replace(${expr}, ${pattern}, ${replacement}, 'g')`,
    md5Hex: (expr) => `md5(${expr})`,
    timestampLiteral: (value) => `cast(${literal(iso(value))} as timestamp)`,
    minusMinutes: (expr, minutes) => `(${expr} - interval '${minutes} minutes')`,
    now: `cast(timezone('UTC', current_timestamp) as timestamp)`,
    textToTimestamp: (expr) => `timezone('UTC', cast(${expr} as timestamptz))`,
    textToJson: (expr) => `cast(${expr} as json)`,
    unionDistinct: 'union',
    renameTable: (schema, from, to) => `alter table ${schema}.${from} rename to ${to}`,
  },
  snowflake: {
    // Unquoted names are upper-case in Snowflake, and dbt leaves its names unquoted: quote
    // the upper-case form, which is the same object and safe for reserved words.
    quote: (name) => `"${checked(name).toUpperCase()}"`,
    text: 'varchar',
    bigint: 'bigint',
    double: 'double',
    boolean: 'boolean',
    timestamp: 'timestamp_ntz',
    json: 'variant',
    regexContains: (expr, pattern) => `regexp_instr(${expr}, ${pattern}) > 0`,
    regexReplaceAll: (expr, pattern, replacement) => `regexp_replace(${expr}, ${pattern}, ${replacement})`,
    md5Hex: (expr) => `md5(${expr})`,
    timestampLiteral: (value) => `cast(${literal(iso(value))} as timestamp_ntz)`,
    minusMinutes: (expr, minutes) => `dateadd(minute, -${minutes}, ${expr})`,
    now: `cast(convert_timezone('UTC', current_timestamp()) as timestamp_ntz)`,
    textToTimestamp: (expr) => `cast(convert_timezone('UTC', cast(${expr} as timestamp_tz)) as timestamp_ntz)`,
    textToJson: (expr) => `parse_json(${expr})`,
    unionDistinct: 'union',
    renameTable: (schema, from, to) => `alter table ${schema}.${from} rename to ${schema}.${to}`,
  },
  bigquery: {
    quote: (name) => `\`${checked(name)}\``,
    text: 'string',
    bigint: 'int64',
    double: 'float64',
    boolean: 'bool',
    timestamp: 'timestamp',
    json: 'json',
    regexContains: (expr, pattern) => `regexp_contains(${expr}, ${pattern})`,
    regexReplaceAll: (expr, pattern, replacement) => `regexp_replace(${expr}, ${pattern}, ${replacement})`,
    md5Hex: (expr) => `to_hex(md5(${expr}))`,
    timestampLiteral: (value) => `timestamp(${literal(iso(value))})`,
    minusMinutes: (expr, minutes) => `timestamp_sub(${expr}, interval ${minutes} minute)`,
    now: 'current_timestamp()',
    textToTimestamp: (expr) => `timestamp(${expr})`,
    textToJson: (expr) => `parse_json(${expr})`,
    unionDistinct: 'union distinct',
    renameTable: (schema, from, to) => `alter table ${schema}.${from} rename to ${to}`,
  },
};
