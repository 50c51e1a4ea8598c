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
 * A data source, declared once in its Nx lib under `libs/sources/<name>`; the pipeline,
 * dbt and the CLI all read this declaration.
 *
 * @example
 * export const gadget: SourceDefinition = {
 *   name: 'gadget',
 *   description: 'Shops of a Gadget app backend',
 *   rawTables: [{ name: 'gadget_shops_raw', columns: { id: 'string', synced_at: 'timestamp' }, key: ['id', 'synced_at'] }],
 * };
 */
export interface SourceDefinition {
  /** Lower-case identifier, used as a prefix of the source's tables and models. */
  name: string;
  description: string;
  rawTables: readonly RawTableDefinition[];
}

/** Rows to land, keyed by raw table name; values are JSON scalars (timestamps as ISO strings). */
export type DemoRows = Record<string, Array<Record<string, string | number | boolean | null>>>;

/** A source as the worker sees it: its declaration plus the demo data bundled with its lib. */
export interface RegisteredSource {
  definition: SourceDefinition;
  demoRows: () => DemoRows;
}

/** SQL dialects the SQL builders render; one per supported warehouse. */
export type Dialect = 'duckdb';
export const DIALECTS: readonly Dialect[] = ['duckdb'];
