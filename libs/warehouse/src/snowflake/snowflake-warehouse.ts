import type { Connection } from 'snowflake-sdk';
import { quoteIdent } from '@hcrm/sql';
import { inTransaction, type Row, type SqlValue, type Warehouse } from '../warehouse';
import { MAX_BINDS_PER_STATEMENT, connect, disconnect, loginFrom, run } from './snowflake-connection';
import { normalizeRows } from './snowflake-values';

export interface SnowflakeWarehouseOptions {
  /** The account identifier, e.g. `myorg-myaccount`. */
  account: string;
  user: string;
  database: string;
  warehouse?: string;
  role?: string;
  /**
   * The session's schema, for unqualified names and the bulk loads' temporary staging table,
   * created when a load needs it; `main` by default, dbt's target schema (the pipeline role
   * owns it, while PUBLIC belongs to the database's owner).
   */
  schema?: string;
  /** For private endpoints and local tests: host, port and protocol of the Snowflake endpoint. */
  host?: string;
  port?: number;
  protocol?: 'https' | 'http';
}

/**
 * Opens a session on Snowflake. The credentials come from `env` only: `SNOWFLAKE_PASSWORD`,
 * or `SNOWFLAKE_PRIVATE_KEY_PATH` (+ `SNOWFLAKE_PRIVATE_KEY_PASSPHRASE`) for key-pair auth.
 *
 * @example
 * const warehouse = await openSnowflakeWarehouse({ account: 'myorg-myaccount', user: 'HCRM', database: 'HCRM' });
 * try {
 *   const [row] = await warehouse.query<{ n: number }>('select count(*) as n from "RAW"."DEMO"');
 * } finally {
 *   await warehouse.close();
 * }
 *
 * @throws WarehouseUnavailableError within seconds when the credentials are missing or
 *   wrong or the endpoint cannot be reached, naming the settings to check.
 */
export async function openSnowflakeWarehouse(
  options: SnowflakeWarehouseOptions,
  env: Record<string, string | undefined> = process.env,
): Promise<Warehouse> {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  const connection = await connect({ ...options, schema }, loginFrom(env));
  const warehouse = new SnowflakeWarehouse(connection, schema);
  try {
    await warehouse.useUtc();
  } catch (error) {
    await warehouse.close();
    throw error;
  }
  return warehouse;
}

const DEFAULT_SCHEMA = 'main';

/**
 * The session's staging table: one per session, as wide as the widest bulk load may be, in
 * the session's schema (fakesnow cannot create a temporary table in another one).
 */
const STAGING_TABLE = quoteIdent('hcrm_staging', 'snowflake');
const STAGING_WIDTH = 256;
const stagingColumn = (index: number) => quoteIdent(`c${index + 1}`, 'snowflake');

/**
 * The warehouse on Snowflake, over one session of snowflake-sdk. Statements take `?`
 * positional binds.
 *
 * Snowflake runs each DDL statement in its own transaction, committing any open one first,
 * so nothing in `transaction(work)` may be DDL; fakesnow refuses DDL after a write in a
 * transaction instead. Bulk loads therefore stage their rows without DDL: in a temporary
 * table of STAGING_WIDTH text columns that the session creates once, before its first bulk
 * load or transaction, and empties with DML around every load.
 */
class SnowflakeWarehouse implements Warehouse {
  readonly dialect = 'snowflake' as const;
  private closed = false;
  private stagingReady = false;
  /** Bulk loads share the staging table, so they take turns. */
  private stagingTurn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly connection: Connection,
    private readonly schema: string,
  ) {}

  async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const { columns, rows } = await this.run(sql, params);
    return normalizeRows(columns, rows) as T[];
  }

  async execute(sql: string, params: readonly SqlValue[] = []): Promise<void> {
    await this.run(sql, params);
  }

  async transaction<T>(work: () => Promise<T>): Promise<T> {
    await this.prepareStaging();
    return inTransaction((sql) => this.run(sql), work);
  }

  async tableExists(schema: string, table: string): Promise<boolean> {
    // dbt creates unquoted, hence upper-case, names: compare without regard to case.
    const rows = await this.query<{ n: number }>(
      'select count(*) as n from information_schema.tables where upper(table_schema) = upper(?) and upper(table_name) = upper(?)',
      [schema, table],
    );
    return (rows[0]?.n ?? 0) > 0;
  }

  /**
   * Loads the rows into the staging table with array bindings (one `insert` per
   * MAX_BINDS_PER_STATEMENT values), then runs `moveSql` on a subquery that names the staging
   * columns after `columns`, and empties the table again, also when the move fails.
   */
  async bulkInsert(
    columns: readonly string[],
    rows: ReadonlyArray<readonly SqlValue[]>,
    moveSql: (staging: string) => string,
  ): Promise<void> {
    if (rows.length === 0) return;
    if (columns.length > STAGING_WIDTH) {
      throw new Error(`A Snowflake bulk load takes at most ${STAGING_WIDTH} columns; this one has ${columns.length}.`);
    }
    await this.takeStagingTurn(async () => {
      await this.prepareStaging();
      const targets = columns.map((_column, index) => stagingColumn(index));
      // Rows a failed load could not remove must not reach this load's move.
      await this.run(`delete from ${STAGING_TABLE}`);
      try {
        const insert = `insert into ${STAGING_TABLE} (${targets.join(', ')}) values (${targets.map(() => '?').join(', ')})`;
        const rowsPerInsert = Math.max(1, Math.floor(MAX_BINDS_PER_STATEMENT / columns.length));
        for (let start = 0; start < rows.length; start += rowsPerInsert) {
          await this.run(insert, rows.slice(start, start + rowsPerInsert).map((row) => columns.map((_column, index) => asText(row[index]))));
        }
        const named = columns.map((column, index) => `${targets[index]} as ${quoteIdent(column, 'snowflake')}`);
        await this.run(moveSql(`(select ${named.join(', ')} from ${STAGING_TABLE})`));
      } finally {
        // In a failed transaction on fakesnow the delete fails too (and the rollback empties
        // the table): the caller needs the first error, not that one.
        await this.run(`delete from ${STAGING_TABLE}`).catch(() => undefined);
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await disconnect(this.connection);
  }

  /**
   * Text without an offset means UTC and timestamps without a zone compare as UTC, whatever
   * the account's default zone. fakesnow implements no ALTER SESSION but always runs in UTC:
   * a refusal is accepted when the session's TIMEZONE already is UTC.
   */
  async useUtc(): Promise<void> {
    try {
      await this.run("alter session set timezone = 'UTC'");
    } catch (error) {
      const [parameter] = await this.query<{ value: string }>("show parameters like 'TIMEZONE' in session").catch(() => []);
      if (!['UTC', 'Etc/UTC'].includes(parameter?.value ?? '')) throw error;
    }
  }

  /**
   * Creates the staging table, once per session. Never inside a transaction: it is DDL. A
   * session that logged in before its schema existed has no current schema: `use` sets it.
   */
  private async prepareStaging(): Promise<void> {
    if (this.stagingReady) return;
    const columns = Array.from({ length: STAGING_WIDTH }, (_unused, index) => `${stagingColumn(index)} varchar`);
    await this.run(`create schema if not exists ${quoteIdent(this.schema, 'snowflake')}`);
    await this.run(`use schema ${quoteIdent(this.schema, 'snowflake')}`);
    await this.run(`create temporary table if not exists ${STAGING_TABLE} (${columns.join(', ')})`);
    this.stagingReady = true;
  }

  private takeStagingTurn(load: () => Promise<void>): Promise<void> {
    const turn = this.stagingTurn.then(load);
    this.stagingTurn = turn.catch(() => undefined);
    return turn;
  }

  private async run(sql: string, binds?: readonly SqlValue[] | readonly SqlValue[][]) {
    if (this.closed) throw new Error('This Snowflake warehouse is closed: open another one.');
    return run(this.connection, sql, binds);
  }
}

/** Staging columns are text, as the DuckDB adapter's are: the move casts them. */
function asText(value: SqlValue | undefined): string | null {
  return value === null || value === undefined ? null : String(value);
}
