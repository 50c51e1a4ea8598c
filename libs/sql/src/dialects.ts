import type { Dialect } from '@hcrm/contracts';

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
  /**
   * A string literal of any text. Snowflake and BigQuery read backslash escapes in quoted
   * strings, so a regex such as `\\.` must be written with its backslashes escaped there.
   */
  literal(value: string): string;
  /** true when the regex `pattern` (plain text, RE2 syntax) matches anywhere in `expr`. */
  regexContains(expr: string, pattern: string): string;
  /** Replaces every match of the regex `pattern` (plain text) in `expr` with the plain text `replacement`. */
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
  /** A timestamp as text `YYYY-MM-DD HH:MM:SS.ffffff`, microseconds kept (watermarks round-trip). */
  timestampText(expr: string): string;
  /** A timestamp as ISO text with milliseconds, `YYYY-MM-DDTHH:MM:SS.mmmZ` (as JavaScript writes it). */
  isoText(expr: string): string;
  /** Text holding JSON to the JSON column type. */
  textToJson(expr: string): string;
  /** `union` without duplicates (BigQuery wants it spelled out). */
  unionDistinct: string;
  /** Renames a table in its schema. */
  renameTable(schema: string, from: string, to: string): string;
  /**
   * Whether DDL takes part in a transaction (DuckDB). Snowflake commits the open transaction
   * at every DDL statement, and BigQuery refuses DDL on permanent tables inside one: there a
   * single `create or replace` is the atomic step instead.
   */
  transactionalDdl: boolean;
  /** Whether `select distinct` may cover a JSON column (BigQuery refuses it). */
  distinctOverJson: boolean;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function checked(name: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new Error(`"${name}" is not a valid table or column name: use letters, digits and _ only`);
  }
  return name;
}

const iso = (value: string) => value.replace('T', ' ').replace('Z', '');
/**
 * A standard SQL string literal: only the quote is doubled (DuckDB reads backslashes as
 * themselves). For values that hold no backslash (ids, names, types); text that may is
 * written with its dialect's `literal`.
 */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
/** Snowflake: backslashes escape, quotes double. */
const snowflakeLiteral = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
/** BigQuery: backslashes escape, and so do quotes (a doubled quote is two literals). */
const bigqueryLiteral = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export const DIALECT_SQL: Record<Dialect, DialectSql> = {
  duckdb: {
    quote: (name) => `"${checked(name)}"`,
    text: 'varchar',
    bigint: 'bigint',
    double: 'double',
    boolean: 'boolean',
    timestamp: 'timestamp',
    json: 'json',
    literal: sqlString,
    regexContains: (expr, pattern) => `regexp_matches(${expr}, ${sqlString(pattern)})`,
    regexReplaceAll: (expr, pattern, replacement) => `regexp_replace(${expr}, ${sqlString(pattern)}, ${sqlString(replacement)}, 'g')`,
    md5Hex: (expr) => `md5(${expr})`,
    timestampLiteral: (value) => `cast(${sqlString(iso(value))} as timestamp)`,
    minusMinutes: (expr, minutes) => `(${expr} - interval '${minutes} minutes')`,
    now: `cast(timezone('UTC', current_timestamp) as timestamp)`,
    textToTimestamp: (expr) => `timezone('UTC', cast(${expr} as timestamptz))`,
    timestampText: (expr) => `strftime(${expr}, '%Y-%m-%d %H:%M:%S.%f')`,
    isoText: (expr) => `strftime(${expr}, '%Y-%m-%dT%H:%M:%S.%gZ')`,
    textToJson: (expr) => `cast(${expr} as json)`,
    unionDistinct: 'union',
    renameTable: (schema, from, to) => `alter table ${schema}.${from} rename to ${to}`,
    transactionalDdl: true,
    distinctOverJson: true,
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
    literal: snowflakeLiteral,
    regexContains: (expr, pattern) => `regexp_instr(${expr}, ${snowflakeLiteral(pattern)}) > 0`,
    regexReplaceAll: (expr, pattern, replacement) => `regexp_replace(${expr}, ${snowflakeLiteral(pattern)}, ${snowflakeLiteral(replacement)})`,
    md5Hex: (expr) => `md5(${expr})`,
    timestampLiteral: (value) => `cast(${sqlString(iso(value))} as timestamp_ntz)`,
    minusMinutes: (expr, minutes) => `dateadd(minute, -${minutes}, ${expr})`,
    now: `cast(convert_timezone('UTC', current_timestamp()) as timestamp_ntz)`,
    textToTimestamp: (expr) => `cast(convert_timezone('UTC', cast(${expr} as timestamp_tz)) as timestamp_ntz)`,
    // The casts say the type where it is not plain (an aggregate of a subquery): fakesnow
    // ignores the format otherwise. The literal T and Z are appended rather than quoted in the
    // format, whose quotes fakesnow keeps.
    timestampText: (expr) => `to_varchar(cast(${expr} as timestamp_ntz), 'YYYY-MM-DD HH24:MI:SS.FF6')`,
    isoText: (expr) => `to_varchar(cast(${expr} as timestamp_ntz), 'YYYY-MM-DD') || 'T' || to_varchar(cast(${expr} as timestamp_ntz), 'HH24:MI:SS.FF3') || 'Z'`,
    textToJson: (expr) => `parse_json(${expr})`,
    unionDistinct: 'union',
    renameTable: (schema, from, to) => `alter table ${schema}.${from} rename to ${schema}.${to}`,
    transactionalDdl: false,
    distinctOverJson: true,
  },
  bigquery: {
    quote: (name) => `\`${checked(name)}\``,
    text: 'string',
    bigint: 'int64',
    double: 'float64',
    boolean: 'bool',
    timestamp: 'timestamp',
    json: 'json',
    literal: bigqueryLiteral,
    regexContains: (expr, pattern) => `regexp_contains(${expr}, ${bigqueryLiteral(pattern)})`,
    regexReplaceAll: (expr, pattern, replacement) => `regexp_replace(${expr}, ${bigqueryLiteral(pattern)}, ${bigqueryLiteral(replacement)})`,
    md5Hex: (expr) => `to_hex(md5(${expr}))`,
    timestampLiteral: (value) => `timestamp(${sqlString(iso(value))})`,
    minusMinutes: (expr, minutes) => `timestamp_sub(${expr}, interval ${minutes} minute)`,
    now: 'current_timestamp()',
    textToTimestamp: (expr) => `timestamp(${expr})`,
    timestampText: (expr) => `format_timestamp('%Y-%m-%d %H:%M:%E6S', ${expr})`,
    isoText: (expr) => `concat(format_timestamp('%Y-%m-%dT%H:%M:%E3S', ${expr}), 'Z')`,
    textToJson: (expr) => `parse_json(${expr})`,
    unionDistinct: 'union distinct',
    renameTable: (schema, from, to) => `alter table ${schema}.${from} rename to ${to}`,
    transactionalDdl: false,
    distinctOverJson: false,
  },
};

/** The current time as a UTC timestamp, in the dialect. */
export function nowSql(dialect: Dialect): string {
  return DIALECT_SQL[dialect].now;
}

/** A timestamp literal (UTC) from an ISO time, in the dialect. */
export function timestampSql(dialect: Dialect, iso: string): string {
  return DIALECT_SQL[dialect].timestampLiteral(iso);
}
