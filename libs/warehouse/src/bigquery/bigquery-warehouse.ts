import { once } from 'node:events';
import { BigQuery, type BigQueryOptions, type Query, type TableField } from '@google-cloud/bigquery';
import { PassThroughClient } from 'google-auth-library';
import { quoteIdent } from '@hcrm/sql';
import { type Row, type SqlValue, type Warehouse, WarehouseUnavailableError } from '../warehouse';
import { normalizeBigQueryRow, toBigQueryParams } from './bigquery-values';
import { STAGING_DATASET, STAGING_EXPIRATION_MS, insertValuesStatements, stagingTableName, stagingText } from './staging';

export interface BigQueryWarehouseOptions {
  projectId: string;
  /** Dataset location, e.g. 'US' or 'EU'. */
  location?: string;
  /** Another API endpoint, e.g. the local emulator's http://127.0.0.1:9050. */
  apiEndpoint?: string;
}

/** INT64 as the library's exact wrapper, so a large one is neither refused nor rounded. */
const RESULT_OPTIONS = { wrapIntegers: true };

/** Opening fails within this when BigQuery does not answer, instead of hanging a worker. */
const OPEN_TIMEOUT_MS = 15_000;

/**
 * Opens a BigQuery project as the warehouse and checks, with one `select 1` that is not
 * retried, that it answers and the credentials work: a wrong setting fails here, in seconds,
 * with WarehouseUnavailableError naming the setting to check.
 *
 * Credentials come only from the environment: the service-account JSON file that
 * `GOOGLE_APPLICATION_CREDENTIALS` names, else Application Default Credentials
 * (`gcloud auth application-default login`, or the metadata server on Google Cloud). An
 * `http://` endpoint is a local emulator and gets none: no token ever travels in clear text.
 *
 * @example
 * const warehouse = await openBigQueryWarehouse({ projectId: 'acme-crm', location: 'EU' });
 * try {
 *   const [row] = await warehouse.query<{ n: number }>('select count(*) as n from `crm`.`persons`');
 * } finally {
 *   await warehouse.close();
 * }
 */
export async function openBigQueryWarehouse(
  options: BigQueryWarehouseOptions,
  env: Record<string, string | undefined> = process.env,
): Promise<Warehouse> {
  // The library retries failed requests (three times, with backoff: 16 s against a closed
  // port): the probe must fail fast, the work keeps the retries.
  const probe = new BigQuery({ ...clientOptions(options, env), retryOptions: { autoRetry: false } });
  try {
    await withTimeout(probe.query({ query: 'select 1 as ok' }), OPEN_TIMEOUT_MS);
  } catch (error) {
    throw new WarehouseUnavailableError(unavailableMessage(options, env, error));
  }
  return new BigQueryWarehouse(new BigQuery(clientOptions(options, env)), options);
}

function clientOptions(options: BigQueryWarehouseOptions, env: Record<string, string | undefined>): BigQueryOptions {
  const { projectId, location, apiEndpoint } = options;
  const base: BigQueryOptions = { projectId, ...(location ? { location } : {}), ...(apiEndpoint ? { apiEndpoint } : {}) };
  if (apiEndpoint && isPlainHttp(apiEndpoint)) return { ...base, authClient: new PassThroughClient() };
  const keyFilename = env.GOOGLE_APPLICATION_CREDENTIALS?.trim();
  return keyFilename ? { ...base, keyFilename } : base;
}

function isPlainHttp(endpoint: string): boolean {
  return endpoint.trim().toLowerCase().startsWith('http://');
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What failed and which setting to check; the library's own message carries no secret. */
function unavailableMessage(options: BigQueryWarehouseOptions, env: Record<string, string | undefined>, error: unknown): string {
  const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0]?.slice(0, 300);
  const where = `BigQuery project "${options.projectId}"${options.apiEndpoint ? ` at ${options.apiEndpoint}` : ''}`;
  if (options.apiEndpoint && isPlainHttp(options.apiEndpoint)) {
    return `Cannot reach ${where} (${reason}): check BIGQUERY_API_ENDPOINT and that the emulator is running there.`;
  }
  const credentials = env.GOOGLE_APPLICATION_CREDENTIALS?.trim()
    ? `the service-account file GOOGLE_APPLICATION_CREDENTIALS names (${env.GOOGLE_APPLICATION_CREDENTIALS.trim()})`
    : 'GOOGLE_APPLICATION_CREDENTIALS (a service-account JSON file) or Application Default Credentials (gcloud auth application-default login)';
  return `Cannot use ${where} (${reason}): check BIGQUERY_PROJECT${options.apiEndpoint ? ', BIGQUERY_API_ENDPOINT' : ''} and the credentials: ${credentials}; the account needs BigQuery Job User and Data Editor on the project.`;
}

/**
 * The warehouse on BigQuery. Statements run as query jobs through `jobs.query`; `?` marks
 * positional parameters, as on DuckDB.
 *
 * Transactions: BigQuery runs a transaction over several queries only inside a session.
 * `transaction(work)` opens one with `begin transaction` (`createSession`), sends every
 * statement of `work` with the session's id (`connectionProperties`), then commits, or rolls
 * back when `work` throws, and ends the session (`BQ.ABORT_SESSION`). Inside a transaction
 * BigQuery accepts SELECT, DML and temporary tables only: no `create table`, `drop table` or
 * `create or replace table` on a dataset's tables. An endpoint that returns no session (the
 * emulator) cannot run a transaction: it is refused before `work` runs, so nothing half-done
 * is left behind. The session is bound to the location it starts in (`location`, US by
 * default): set it when the datasets are elsewhere.
 */
class BigQueryWarehouse implements Warehouse {
  readonly dialect = 'bigquery' as const;
  private closed = false;
  private sessionId: string | undefined;
  private stagingDatasetReady = false;

  constructor(
    private readonly client: BigQuery,
    private readonly options: BigQueryWarehouseOptions,
  ) {}

  async query<T extends Row = Row>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const [rows] = await this.client.query(this.request(sql, params), RESULT_OPTIONS);
    return (rows as Record<string, unknown>[]).map((row) => normalizeBigQueryRow(row) as T);
  }

  async execute(sql: string, params: readonly SqlValue[] = []): Promise<void> {
    await this.client.query(this.request(sql, params), RESULT_OPTIONS);
  }

  private request(sql: string, params: readonly SqlValue[]): Query {
    if (this.closed) throw new Error('This BigQuery warehouse is closed: open another one.');
    return {
      query: sql,
      ...(params.length ? toBigQueryParams(params) : {}),
      ...(this.sessionId ? { connectionProperties: [{ key: 'session_id', value: this.sessionId }] } : {}),
    };
  }

  async transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.sessionId) throw new Error('BigQuery transactions do not nest: this one is already in a transaction.');
    this.sessionId = await this.beginInNewSession();
    const sessionId = this.sessionId;
    try {
      const result = await work();
      await this.execute('commit transaction');
      return result;
    } catch (error) {
      // A failed statement may have ended the transaction already: the caller needs its error.
      await this.execute('rollback transaction').catch(() => undefined);
      throw error;
    } finally {
      // Ending the session drops its temporary tables now rather than after hours idle.
      await this.execute('call BQ.ABORT_SESSION()').catch(() => undefined);
      if (this.sessionId === sessionId) this.sessionId = undefined;
    }
  }

  private async beginInNewSession(): Promise<string> {
    const [job] = await this.client.createQueryJob({ query: 'begin transaction', createSession: true });
    await job.promise();
    const sessionId = job.metadata?.statistics?.sessionInfo?.sessionId;
    if (!sessionId) {
      throw new Error(
        `BigQuery${this.options.apiEndpoint ? ` at ${this.options.apiEndpoint}` : ''} started no session for "begin transaction", so it cannot run a transaction over several statements (bigquery-emulator does not support sessions); nothing was run.`,
      );
    }
    return sessionId;
  }

  async tableExists(schema: string, table: string): Promise<boolean> {
    // The tables API, not INFORMATION_SCHEMA: free, and a missing dataset is just false.
    const [exists] = await this.client.dataset(schema).table(table).exists();
    return exists;
  }

  /**
   * Outside a transaction the rows go through a load job (newline-delimited JSON, free, no
   * statement size limit) into a new all-STRING table in `hcrm_staging`, which expires after
   * a day should this process die before it drops the table. Streaming inserts would be
   * wrong here: streamed rows cannot be moved by DML right away.
   *
   * Inside a transaction a load job (no session) and `create table` (a permanent table) are
   * not allowed: the rows go into a session temporary table with `insert ... values`
   * statements, and `moveSql` gets its bare name.
   */
  async bulkInsert(
    columns: readonly string[],
    rows: ReadonlyArray<readonly SqlValue[]>,
    moveSql: (staging: string) => string,
  ): Promise<void> {
    if (rows.length === 0) return;
    if (this.sessionId) await this.stageInSession(columns, rows, moveSql);
    else await this.stageInDataset(columns, rows, moveSql);
  }

  private async stageInDataset(
    columns: readonly string[],
    rows: ReadonlyArray<readonly SqlValue[]>,
    moveSql: (staging: string) => string,
  ): Promise<void> {
    const dataset = await this.stagingDataset();
    const name = stagingTableName();
    const schema = { fields: columns.map((column): TableField => ({ name: column, type: 'STRING', mode: 'NULLABLE' })) };
    const [table] = await dataset.createTable(name, { schema, expirationTime: String(Date.now() + STAGING_EXPIRATION_MS) });
    try {
      const load = table.createWriteStream({ sourceFormat: 'NEWLINE_DELIMITED_JSON', schema, writeDisposition: 'WRITE_APPEND' });
      const done = once(load, 'complete');
      load.end(newlineDelimitedJson(columns, rows));
      await done;
      await this.execute(moveSql(`${quoteIdent(STAGING_DATASET, 'bigquery')}.${quoteIdent(name, 'bigquery')}`));
    } catch (error) {
      await table.delete().catch(() => undefined);
      throw error;
    }
    await table.delete();
  }

  private async stagingDataset() {
    const dataset = this.client.dataset(STAGING_DATASET, this.options.location ? { location: this.options.location } : {});
    if (!this.stagingDatasetReady) {
      await dataset.get({ autoCreate: true });
      this.stagingDatasetReady = true;
    }
    return dataset;
  }

  private async stageInSession(
    columns: readonly string[],
    rows: ReadonlyArray<readonly SqlValue[]>,
    moveSql: (staging: string) => string,
  ): Promise<void> {
    const table = quoteIdent(stagingTableName(), 'bigquery');
    const quotedColumns = columns.map((column) => quoteIdent(column, 'bigquery'));
    await this.execute(`create temp table ${table} (${quotedColumns.map((column) => `${column} string`).join(', ')})`);
    try {
      for (const statement of insertValuesStatements(table, quotedColumns, rows)) await this.execute(statement);
      await this.execute(moveSql(table));
    } catch (error) {
      await this.execute(`drop table if exists ${table}`).catch(() => undefined);
      throw error;
    }
    await this.execute(`drop table if exists ${table}`);
  }

  async close(): Promise<void> {
    // Nothing to release: requests are stateless and the client keeps no connection open.
    this.closed = true;
  }
}

function newlineDelimitedJson(columns: readonly string[], rows: ReadonlyArray<readonly SqlValue[]>): string {
  const lines = rows.map((row) => JSON.stringify(Object.fromEntries(columns.map((column, i) => [column, stagingText(row[i] ?? null)]))));
  return `${lines.join('\n')}\n`;
}
