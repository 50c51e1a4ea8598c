import { SCHEMAS } from './catalog';

/** Column types a raw table may declare; each warehouse adapter maps them to its own types. */
export type RawColumnType = 'string' | 'integer' | 'double' | 'boolean' | 'timestamp' | 'json';

/**
 * A table a loader lands for a source. `synced_at` (when the row reached the warehouse) is
 * part of every raw table and is the source's incremental watermark column.
 */
export interface RawTableDefinition {
  /** Table name in the warehouse, by convention `<source>_<entity>_raw`. */
  name: string;
  columns: Readonly<Record<string, RawColumnType>>;
  /** Columns that identify one landed row; landing the same row twice keeps one copy. */
  key: readonly string[];
}

/**
 * The standard interfaces of the source event log. A source provides a model named
 * `<source>_<interface>` for each one it declares; the core layer unions them.
 */
export const SOURCE_INTERFACES = [
  'events',
  'person_identifiers',
  'person_traits',
  'group_identifiers',
  'group_traits',
  'membership_identifiers',
] as const;

export type SourceInterface = (typeof SOURCE_INTERFACES)[number];

/** Schema of the landed raw tables (the loader's side of the contract). */
export const RAW_SCHEMA = SCHEMAS.raw;

/**
 * A data source, declared once in its Nx lib under `libs/sources/<name>`; the pipeline,
 * dbt and the CLI all read this declaration.
 *
 * @example
 * export const gadget: SourceDefinition = {
 *   name: 'gadget',
 *   description: 'Shops of a Gadget app backend',
 *   rawTables: [{ name: 'gadget_shops_raw', columns: { id: 'string', synced_at: 'timestamp' }, key: ['id', 'synced_at'] }],
 *   interfaces: ['events', 'group_identifiers'],
 *   watermarkColumn: 'synced_at',
 *   dbtPackage: 'hcrm_source_gadget',
 * };
 */
export interface SourceDefinition {
  /** Lower-case identifier, used as a prefix of the source's tables and models. */
  name: string;
  description: string;
  rawTables: readonly RawTableDefinition[];
  /** The source event log interfaces its dbt models provide. */
  interfaces: readonly SourceInterface[];
  /** The raw column the pipeline's incremental windows follow. */
  watermarkColumn: 'synced_at';
  /** Name of the lib's dbt package (`libs/sources/<name>/dbt`), listed in dbt_project/packages.yml. */
  dbtPackage: string;
}

/** What dbt needs to know of the registry; travels to dbt as the HCRM_SOURCES variable. */
export function dbtSourceList(sources: readonly SourceDefinition[]): string {
  return JSON.stringify(sources.map((s) => ({ name: s.name, interfaces: s.interfaces })));
}

/** Rows to land, keyed by raw table name; values are JSON scalars (timestamps as ISO strings). */
export type DemoRows = Record<string, Array<Record<string, string | number | boolean | null>>>;

/** A source as the worker sees it: its declaration plus the demo data bundled with its lib. */
export interface RegisteredSource {
  definition: SourceDefinition;
  demoRows: () => DemoRows;
}

/** SQL dialects the SQL builders render; one per supported warehouse. */
export type Dialect = 'duckdb' | 'snowflake' | 'bigquery';
export const DIALECTS: readonly Dialect[] = ['duckdb', 'snowflake', 'bigquery'];
