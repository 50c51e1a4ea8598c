import { SCHEMAS } from './catalog';

/** Column types a raw table may declare; each warehouse adapter maps them to its own types. */
export type RawColumnType = 'string' | 'integer' | 'double' | 'boolean' | 'timestamp' | 'json';

/**
 * A table a loader lands for a source. Every raw table has the source's watermark column
 * (`synced_at` unless the source declares another, e.g. `_fivetran_synced`): when the row
 * reached the warehouse, which the pipeline's incremental windows follow.
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
  /**
   * The timestamp column of every raw table that says when the row reached the warehouse,
   * which the pipeline's incremental windows follow (`synced_at`, or the loader's own, such as
   * Fivetran's `_fivetran_synced`). Raw models expose it as `synced_at` from there on.
   */
  watermarkColumn: string;
  /** Name of the lib's dbt package (`libs/sources/<name>/dbt`), listed in dbt_project/packages.yml. */
  dbtPackage: string;
}

/** What dbt needs to know of the registry; travels to dbt as the HCRM_SOURCES variable. */
export function dbtSourceList(sources: readonly SourceDefinition[]): string {
  return JSON.stringify(sources.map((s) => ({ name: s.name, interfaces: s.interfaces, watermark: s.watermarkColumn })));
}

/** One landed row: JSON scalars by column (timestamps as ISO strings). */
export type RawRow = Record<string, string | number | boolean | null>;

/** Rows to land, keyed by raw table name. */
export type DemoRows = Record<string, RawRow[]>;

/** A file refused as a whole (bad header, --strict and a bad line): nothing of it is written. */
export class SourceLoadError extends Error {
  override name = 'SourceLoadError';
}

export interface LoadProgress {
  bytesRead: number;
  totalBytes: number;
  lines: number;
}

export interface LoadOptions {
  /** One of the loader's formats; without it the loader tells the format from the file name. */
  format?: string;
  /** Refuse the whole file at its first bad line, before anything is written. */
  strict: boolean;
  /** Stamps this import: every row's watermark column gets `syncedAt()`, rejects get `importId`. */
  importId: string;
  /**
   * The import's watermark value. Await it once the file passed its checks (after a `strict`
   * first pass), before the first row is stamped: the import takes the warehouse then, and the
   * value is the time it did.
   */
  syncedAt: () => Promise<string>;
  onProgress?: (progress: LoadProgress) => void;
}

/** Rows read from part of a file: the CLI commits each batch in one transaction. */
export interface LoadBatch {
  /** By table name: the source's raw tables and the loader's extra tables. */
  rows: Record<string, RawRow[]>;
  /** Records (lines) accepted and refused in this batch. */
  records: number;
  rejects: ReadonlyArray<{ line: number; reason: string }>;
}

/** How `hcrm ingest <source> <file>` reads files into a source's raw tables. */
export interface SourceLoader {
  /** The file formats it reads (e.g. jsonl, csv). */
  formats: readonly string[];
  /** Tables it writes besides the source's raw tables (e.g. where bad lines go). */
  extraTables?: readonly RawTableDefinition[];
  /** Where bad lines go, told to the user when there are some. */
  rejectsTable?: string;
  /** Reads the file in batches; throws SourceLoadError for a file refused before any batch. */
  read(file: string, options: LoadOptions): AsyncIterable<LoadBatch>;
}

/** A true person of the synthetic world (`hcrm generate`), with the identifiers they really have. */
export interface SyntheticPerson {
  /** `person-<n>`. */
  id: string;
  n: number;
  name: string;
  title: string;
  /** The company they work at (SyntheticCompany.n). */
  company: number;
  /** Canonical [type, value] pairs, the first an email at the company's domain. */
  identifiers: ReadonlyArray<readonly [string, string]>;
  /** The first person of their company, who owns its shop if it has one. */
  firstOfCompany: boolean;
}

/** A true company of the synthetic world. */
export interface SyntheticCompany {
  /** `group-<n>`. */
  id: string;
  n: number;
  name: string;
  domain: string;
  /** Also a Shopify shop (in the gadget and shopify_partner sources). */
  shop?: { id: string; myshopifyDomain: string };
  /** The company's first person (SyntheticPerson.n), its owner, and their work email (canonical). */
  firstPerson: number;
  ownerEmail: string;
}

/** One chunk of the synthetic world, which each source turns into its own raw rows. */
export interface SyntheticChunk {
  seed: number;
  /** Persons in the whole data set (this chunk has some of them). */
  personsTotal: number;
  persons: readonly SyntheticPerson[];
  /** The companies whose first person is in this chunk. */
  companies: readonly SyntheticCompany[];
  /** Any company by number (a person's company may have started in an earlier chunk). */
  company: (n: number) => SyntheticCompany;
  /** This source's own deterministic random numbers in [0, 1). */
  random: () => number;
  /** A watermark time within the configured spread, and an event time in 2025 (ISO). */
  syncedAt: () => string;
  occurredAt: () => string;
  /** The same identifier value as another system would write it (case, spaces, formats), when noise is on. */
  variant: (type: string, value: string) => string;
  noise: boolean;
  /** Events per person and the share of persons whose first record names every identifier (manual source). */
  eventsPerPerson: number;
  linkAllShare: number;
}

/** An identifier value a source wrote, and the truth behind it. */
export interface SyntheticIdentifier {
  entityType: 'person' | 'group';
  type: string;
  /** As written. */
  value: string;
  /** The true person or company; undefined for junk (nobody) or a shared address (many). */
  trueId?: string;
  /** The canonical identifier it stands for (`type:value`), for linking; defaults to type:value itself. */
  canonical?: string;
  kind: 'real' | 'junk' | 'shared';
}

/** A source's rows for one chunk of the synthetic world, with the truth behind them. */
export interface SyntheticRows {
  tables: Record<string, RawRow[]>;
  identifiers: SyntheticIdentifier[];
  /** Canonical identifiers (`type:value`) of one true entity that one record names together: what the data links. */
  links: Array<{ trueId: string; keys: readonly string[] }>;
}

/** A source's part in the load generator (`hcrm generate`). */
export interface SyntheticSource {
  /** Its raw rows for one chunk of the synthetic world, with the truth behind their identifiers. */
  rows: (chunk: SyntheticChunk) => SyntheticRows;
  /**
   * With `--append`: new records for earlier persons, each naming identifiers the truth says
   * are theirs (values as written), keyed by raw table; `syncedAt` stamps them.
   */
  recordsFor?: (persons: ReadonlyArray<{ trueId: string; identifiers: ReadonlyArray<readonly [string, string]> }>, seed: number, syncedAt: string) => Record<string, RawRow[]>;
}

/**
 * A fact a source's demo data must show once the pipeline has built it; the end-to-end test
 * (test/e2e/source-demos.test.ts) runs every source's, on the real stack.
 */
export interface DemoCheck {
  /** What it shows, e.g. "a converted lead and its contact are one person". */
  description: string;
  /** A query on the built warehouse; cast its columns so the rows compare as written. */
  sql: string;
  expected: ReadonlyArray<Record<string, string | number | boolean | null>>;
  /**
   * `first`: after the first of two runs, which lands each source's demo rows up to the middle
   * of their watermarks; `second` (default): after the next run, which lands the rest.
   */
  after?: 'first' | 'second';
}

/** A source as the pipeline, the CLI and the load generator see it: exported as `source` by its lib's src/index.ts, where the registry discovers it. */
export interface RegisteredSource {
  definition: SourceDefinition;
  /** The demo rows bundled with its lib (landed by `hcrm run` unless --no-demo-data). */
  demoRows: () => DemoRows;
  /** Reads files for `hcrm ingest <source> <file>`. */
  loader?: SourceLoader;
  /** Its rows in a synthetic data set (`hcrm generate`). */
  synthetic?: SyntheticSource;
  /** What its demo data must show once built (checked end to end). */
  demoChecks?: readonly DemoCheck[];
}

/** SQL dialects the SQL builders render; one per supported warehouse. */
export type Dialect = 'duckdb' | 'snowflake' | 'bigquery';
export const DIALECTS: readonly Dialect[] = ['duckdb', 'snowflake', 'bigquery'];
