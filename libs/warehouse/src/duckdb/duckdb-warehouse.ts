import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type JS } from '@duckdb/node-api';
import {
  inTransaction,
  type Row,
  type SqlValue,
  type Warehouse,
  WarehouseBusyError,
  WarehouseUnavailableError,
} from '../warehouse';
import { quoteIdent } from '@hcrm/sql';

export interface DuckDbWarehouseOptions {
  /** Path of the DuckDB file. */
  path: string;
  /** Open without taking the write lock; several readers may share the file. */
  readOnly?: boolean;
  /** Schemas to resolve unqualified table names in, first match wins; missing ones are left out. */
  searchPath?: readonly string[];
  /** Forbid reading or writing files and URLs from SQL (e.g. `copy ... to`); for user-typed queries. */
  noExternalAccess?: boolean;
}

/**
 * The files this process has open, and how. DuckDB's file lock is a POSIX record lock, which
 * belongs to the process: a second open of the same file in this process is not refused, and
 * closing either one drops the lock of both. Another process could then write the file while
 * this one still does, and one side's checkpoint loses the other's rows. So this process
 * refuses a second handle itself, as DuckDB refuses one from another process.
 */
const openHere = new Map<string, { writer: boolean; handles: number }>();

/**
 * Opens the DuckDB file. DuckDB lets one process hold a file read-write, so callers open it
 * for one unit of work and close it before anything else (dbt, the CLI) needs the file.
 */
export async function openDuckDbWarehouse(options: DuckDbWarehouseOptions): Promise<Warehouse> {
  const { path, readOnly = false } = options;
  if (readOnly && !existsSync(path)) {
    throw new WarehouseUnavailableError(`No warehouse at ${path} yet: run \`hcrm run\` to build it.`);
  }
  const key = resolve(path);
  const held = openHere.get(key);
  if (held && (held.writer || !readOnly)) {
    throw new WarehouseBusyError(
      `The warehouse ${path} is already open${held.writer ? ' for writing' : ''} in this process (a pipeline step is using it); try again when it finishes.`,
    );
  }
  if (!readOnly) mkdirSync(dirname(path), { recursive: true });
  openHere.set(key, { writer: !readOnly, handles: (held?.handles ?? 0) + 1 });
  const release = () => {
    const current = openHere.get(key);
    if (current && current.handles > 1) openHere.set(key, { ...current, handles: current.handles - 1 });
    else openHere.delete(key);
  };
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(path, {
      ...(readOnly ? { access_mode: 'READ_ONLY' } : {}),
      ...(options.noExternalAccess ? { enable_external_access: 'false' } : {}),
    });
  } catch (error) {
    release();
    throw translateOpenError(error, path);
  }
  const connection = await instance.connect();
  const warehouse = new DuckDbWarehouse(instance, connection, release);
  // Text timestamps without an offset mean UTC, whatever the machine's zone.
  await warehouse.execute("set TimeZone = 'UTC'");
  if (options.searchPath?.length) {
    const existing = new Set(
      (await warehouse.query<{ schema_name: string }>('select schema_name from information_schema.schemata')).map((r) => r.schema_name),
    );
    const schemas = options.searchPath.filter((schema) => existing.has(schema));
    if (schemas.length) await warehouse.execute(`set search_path = '${schemas.map((schema) => quoteIdent(schema, 'duckdb')).join(',')}'`);
  }
  return warehouse;
}

function translateOpenError(error: unknown, path: string): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (/lock/i.test(message)) {
    return new WarehouseBusyError(
      `The warehouse ${path} is in use by another process (a pipeline step is writing to it); try again when it finishes. DuckDB said: ${message}`,
    );
  }
  return new WarehouseUnavailableError(`Cannot open the DuckDB warehouse ${path}: ${message}`);
}

class DuckDbWarehouse implements Warehouse {
  readonly dialect = 'duckdb' as const;
  private closed = false;
  private stagingCounter = 0;

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly release: () => void,
  ) {}

  async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const reader = await this.connection.runAndReadAll(sql, [...params]);
    return reader.getRowObjectsJS().map((row) => normalizeRow(row) as T);
  }

  async execute(sql: string, params: readonly SqlValue[] = []): Promise<void> {
    await this.connection.run(sql, [...params]);
  }

  async transaction<T>(work: () => Promise<T>): Promise<T> {
    return inTransaction((sql) => this.connection.run(sql), work);
  }

  async tableExists(schema: string, table: string): Promise<boolean> {
    const rows = await this.query<{ n: number }>(
      'select count(*) as n from information_schema.tables where table_schema = ? and table_name = ?',
      [schema, table],
    );
    return (rows[0]?.n ?? 0) > 0;
  }

  async bulkInsert(
    columns: readonly string[],
    rows: ReadonlyArray<readonly SqlValue[]>,
    moveSql: (staging: string) => string,
  ): Promise<void> {
    if (rows.length === 0) return;
    // DuckDB's appender streams rows into a text-typed temp table; one set-based statement
    // then casts and moves them.
    const staging = `hcrm_staging_${++this.stagingCounter}`;
    await this.connection.run(`create temp table ${quoteIdent(staging, 'duckdb')} (${columns.map((c) => `${quoteIdent(c, 'duckdb')} varchar`).join(', ')})`);
    try {
      const appender = await this.connection.createAppender(staging, 'main', 'temp');
      for (const row of rows) {
        for (let i = 0; i < columns.length; i += 1) {
          const value = row[i];
          if (value === null || value === undefined) appender.appendNull();
          else appender.appendVarchar(String(value));
        }
        appender.endRow();
      }
      appender.flushSync();
      appender.closeSync();
      await this.connection.run(moveSql(`temp.main.${quoteIdent(staging, 'duckdb')}`));
    } catch (error) {
      // In a failed transaction the drop fails too (and the rollback removes the table):
      // the caller needs the first error, not that one.
      await this.connection.run(`drop table if exists temp.main.${quoteIdent(staging, 'duckdb')}`).catch(() => undefined);
      throw error;
    }
    await this.connection.run(`drop table if exists temp.main.${quoteIdent(staging, 'duckdb')}`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      this.connection.closeSync();
      this.instance.closeSync();
    } finally {
      this.release();
    }
  }
}

/** Rows leave the adapter JSON-safe: safe big integers as numbers, timestamps as ISO strings. */
function normalizeRow(row: Record<string, JS>): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) out[key] = normalizeValue(value);
  return out;
}

function normalizeValue(value: JS): SqlValue {
  if (value === null || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') {
    return value;
  }
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return JSON.stringify(value, (_key, inner: unknown) => (typeof inner === 'bigint' ? inner.toString() : inner));
}
