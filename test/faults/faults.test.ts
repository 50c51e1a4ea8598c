import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type HcrmConfig } from '@hcrm/config';
import { rootCauseMessage } from '@hcrm/contracts';
import { openWarehouse } from '@hcrm/warehouse';
import { freeLocalPorts } from '@hcrm/warehouse/testing';
import { repoRoot, runHcrm } from '../e2e/helpers';
import { describePoint, faultPlan, type FaultPoint, type StepWork } from './points';

// Durability by killing things: a run on a generated base is disturbed at seeded points (the
// worker SIGKILLed inside each step, dbt's process killed, the Temporal server killed), the
// worker restarted each time, and Temporal left to finish the run; every core, identity and
// crm table must then equal those of an undisturbed run on the same input.
//   HCRM_FAULT_SEED=<n>     replays a plan (the seed is printed);
//   HCRM_FAULT_PERSONS=<n>  the size of the base (default 20,000);
//   HCRM_FAULT_KILLS=<n>    worker kills per plan (default 10);
//   HCRM_FAULT_PLAN=<json>  an explicit plan (FaultPoint[], points.ts) instead of a seeded one.
const SEED = Number(process.env.HCRM_FAULT_SEED ?? Math.floor(Math.random() * 1_000_000));
const PERSONS = process.env.HCRM_FAULT_PERSONS ?? '20000';
const WORKER_KILLS = Number(process.env.HCRM_FAULT_KILLS ?? 10);

/**
 * Columns whose values are the time or the run that wrote a row, not data, left out of the
 * checksums; and `identity_runs.iterations`, the label rounds of the attempt that finished (an
 * attempt after a worker died mid-iteration starts from labels that have already converged).
 */
const RUN_COLUMNS = new Set(['_ingested_at', 'updated_at', 'run_id', 'created_run', 'merged_at', 'started_at', 'finished_at', 'watermark', 'iterations']);
/** Every layer's schema: the landed raw rows and their models, both event logs, identity and crm. */
const COMPARED_SCHEMAS = ['raw', 'source', 'core', 'identity', 'crm'];

describe('fault injection (Temporal dev server + worker processes + dbt + DuckDB)', () => {
  const root = mkdtempSync(join(tmpdir(), 'hcrm-faults-'));
  let temporal: DevServer;
  let client: Client;

  beforeAll(async () => {
    const [port] = await freeLocalPorts(1);
    temporal = new DevServer(join(root, 'temporal.sqlite'), port!, join(root, 'temporal.log'));
    await temporal.start();
    client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
    const base = join(root, 'base');
    const generated = await runHcrm(['generate', '--persons', PERSONS, '--seed', '7', '--synced-before', '2026-01-01T00:00:00Z'], { HCRM_STATE_DIR: base });
    expect(generated.code, generated.stderr).toBe(0);
  }, 15 * 60_000);

  afterAll(async () => {
    await client?.connection.close();
    await temporal?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('a run killed at seeded points (worker, dbt, server) ends with the tables of an undisturbed run', async () => {
    console.log(`fault seed ${SEED} (replay with HCRM_FAULT_SEED=${SEED}); base of ${PERSONS} persons`);
    const undisturbed = await runDisturbed('undisturbed', []);
    const given = process.env.HCRM_FAULT_PLAN ? (JSON.parse(process.env.HCRM_FAULT_PLAN) as FaultPoint[]) : undefined;
    const plan = given ?? faultPlan(SEED, undisturbed.work, WORKER_KILLS);
    console.log(`fault plan (seed ${SEED}):\n${plan.map((p) => `  ${describePoint(p)}`).join('\n')}`);
    const disturbed = await runDisturbed('disturbed', plan);

    console.log(`fired:\n${disturbed.log.map((line) => `  ${line}`).join('\n')}`);
    expect(disturbed.fired, 'every fault point fired').toEqual(plan.map((p) => p.index));
    if (!given) expect(plan.filter((p) => p.action === 'kill-worker').length).toBeGreaterThanOrEqual(WORKER_KILLS);

    const [before, after] = [await checksums(undisturbed.config), await checksums(disturbed.config)];
    const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    console.log(
      `table checksums (rows / sum of row hashes, run columns left out):\n${names
        .map((name) => `  ${name.padEnd(34)} undisturbed ${before[name] ?? 'missing'}   disturbed ${after[name] ?? 'missing'}${before[name] === after[name] ? '' : '   DIFFERENT'}`)
        .join('\n')}`,
    );
    for (const name of names.filter((n) => before[n] !== after[n] && before[n] && after[n])) {
      const [a, b] = [await columnChecksums(undisturbed.config, name), await columnChecksums(disturbed.config, name)];
      console.log(`  ${name}: columns that differ: ${Object.keys(a).filter((c) => a[c] !== b[c]).join(', ')}`);
    }
    expect(after).toEqual(before);
    expect(Number(before['crm.persons']?.split(' ')[0])).toBeGreaterThan(Number(PERSONS) / 2);
  }, 60 * 60_000);

  interface DisturbedRun {
    config: HcrmConfig;
    /** The indexes of the points that fired, in order. */
    fired: number[];
    /** What each step did in its last, successful attempt. */
    work: StepWork[];
    log: string[];
  }

  /** One pipeline run on a copy of the base, with a worker process restarted after every death. */
  async function runDisturbed(name: string, plan: FaultPoint[]): Promise<DisturbedRun> {
    const stateDir = join(root, name);
    mkdirSync(stateDir, { recursive: true });
    copyFileSync(join(root, 'base', 'warehouse.duckdb'), join(stateDir, 'warehouse.duckdb'));
    const env = { HCRM_STATE_DIR: stateDir, HCRM_DUCKDB_PATH: '', HCRM_WAREHOUSE: '', TEMPORAL_ADDRESS: temporal.address };
    const config = loadConfig({ ...process.env, ...env });
    const handle = await client.workflow.start('pipelineRun', {
      taskQueue: config.temporal.taskQueue,
      workflowId: `faults-${name}-${SEED}`,
      args: [{ landDemoData: true }],
    });
    const fired: number[] = [];
    const work = new Map<string, StepWork>();
    const log: string[] = [];
    let status = 'RUNNING';
    for (let workers = 0; status === 'RUNNING'; workers++) {
      if (workers > plan.length + 10) throw new Error(`${name}: the run did not finish after ${workers} workers; events:\n${log.join('\n')}`);
      const remaining = plan.filter((p) => p.index > (fired.at(-1) ?? -1));
      const worker = new WorkerProcess({ ...env, HCRM_FAULT_POINTS: JSON.stringify(remaining) });
      worker.onLine(async (line) => {
        const [kind, ...rest] = line.split(' ');
        if (kind === 'WORK') work.set(rest[0]!, { step: rest[0]!, statements: Number(rest[1]), nodes: Number(rest[2]) });
        if (kind !== 'FAULT') return;
        const point = plan.find((p) => p.index === Number(rest[0]))!;
        fired.push(point.index);
        log.push(describePoint(point));
        if (point.action === 'kill-server') await temporal.restart();
      });
      // Until the run ends or this worker dies; a worker that lost its server exits too.
      for (;;) {
        status = await describeStatus(handle.workflowId);
        if (status !== 'RUNNING' || worker.exited) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      if (worker.exited && status === 'RUNNING') log.push(`  worker ${workers + 1} ended (${worker.exitDescription()})`);
      await worker.stop();
      await temporal.serving();
    }
    const failure = status === 'COMPLETED' ? '' : await handle.result().then(() => '', (error: unknown) => rootCauseMessage(error));
    expect(status, `${name}: ${log.join('\n')}\n${failure}`).toBe('COMPLETED');
    return { config, fired, work: [...work.values()], log };
  }

  /** The run's status; unknown (and so RUNNING) while the server restarts. */
  async function describeStatus(workflowId: string): Promise<string> {
    try {
      return (await client.workflow.getHandle(workflowId).describe()).status.name;
    } catch {
      return 'RUNNING';
    }
  }
});

/** Row count and an order-independent checksum of every table in the compared schemas. */
async function checksums(config: HcrmConfig): Promise<Record<string, string>> {
  const warehouse = await openWarehouse(config.warehouse, { readOnly: true });
  try {
    const columns = await warehouse.query<{ schema: string; table: string; column: string }>(
      `select table_schema as schema, table_name as "table", column_name as "column" from information_schema.columns
       where table_schema in (${COMPARED_SCHEMAS.map((s) => `'${s}'`).join(', ')}) order by table_schema, table_name, ordinal_position`,
    );
    const tables = new Map<string, string[]>();
    for (const { schema, table, column } of columns) {
      const key = `${schema}.${table}`;
      if (!tables.has(key)) tables.set(key, []);
      if (!RUN_COLUMNS.has(column)) tables.get(key)!.push(`"${column}"`);
    }
    const result: Record<string, string> = {};
    for (const [key, cols] of tables) {
      const [schema, table] = key.split('.');
      // A sum, not a xor, of the row hashes: a doubled row changes it.
      const [row] = await warehouse.query<{ n: number; h: string }>(
        `select count(*) as n, cast(coalesce(sum(cast(hash(${cols.join(', ')}) as hugeint)), 0) as varchar) as h from "${schema}"."${table}"`,
      );
      result[key] = `${row!.n} ${row!.h}`;
    }
    return result;
  } finally {
    await warehouse.close();
  }
}

/** One checksum per column of a table, to say which columns of a table that differs do. */
async function columnChecksums(config: HcrmConfig, table: string): Promise<Record<string, string>> {
  const warehouse = await openWarehouse(config.warehouse, { readOnly: true });
  try {
    const [schema, name] = table.split('.');
    const columns = await warehouse.query<{ column: string }>(
      `select column_name as "column" from information_schema.columns where table_schema = '${schema}' and table_name = '${name}'`,
    );
    const sums = columns.map(({ column }) => `cast(coalesce(sum(cast(hash("${column}") as hugeint)), 0) as varchar) as "${column}"`);
    const [row] = await warehouse.query<Record<string, string>>(`select ${sums.join(', ')} from "${schema}"."${name}"`);
    return row ?? {};
  } finally {
    await warehouse.close();
  }
}

/** A Temporal dev server on a SQLite file, which the test can kill and start again on the same port. */
class DevServer {
  private child: ChildProcess | undefined;
  readonly address: string;
  constructor(
    private readonly dbFile: string,
    private readonly port: number,
    private readonly logFile: string,
  ) {
    this.address = `127.0.0.1:${port}`;
  }

  async start(): Promise<void> {
    const log = openSync(this.logFile, 'a');
    const cli = loadConfig().temporal.cliPath;
    this.child = spawn(cli, ['server', 'start-dev', '--db-filename', this.dbFile, '--ip', '127.0.0.1', '--port', String(this.port), '--headless', '--log-level', 'warn'], {
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    await this.serving();
  }

  /** Resolves once the server answers a gRPC call. */
  async serving(): Promise<void> {
    for (;;) {
      if (this.child?.exitCode !== null && this.child?.exitCode !== undefined) throw new Error(`the Temporal dev server exited; see ${this.logFile}`);
      try {
        const connection = await Connection.connect({ address: this.address, connectTimeout: 2000 });
        try {
          await connection.workflowService.getSystemInfo({});
          return;
        } finally {
          await connection.close();
        }
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }

  /** SIGKILL (no shutdown, nothing flushed beyond what SQLite committed), then start again. */
  async restart(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    await this.start();
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

/** One fault-worker.ts process; its stdout lines go to the handler, its stderr is kept for errors. */
class WorkerProcess {
  private readonly child: ChildProcess;
  private readonly ended: Promise<void>;
  private handler: (line: string) => Promise<void> = async () => undefined;
  private pending: Promise<void> = Promise.resolve();
  private stderr = '';
  exited = false;

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, ['--import', 'tsx', 'test/faults/fault-worker.ts'], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let partial = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) this.pending = this.pending.then(() => this.handler(line));
    });
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    this.ended = new Promise((resolve) =>
      this.child.on('close', () => {
        this.exited = true;
        resolve();
      }),
    );
  }

  onLine(handler: (line: string) => Promise<void>): void {
    this.handler = handler;
  }

  exitDescription(): string {
    const how = this.child.signalCode ?? `exit ${this.child.exitCode}`;
    return how === 'SIGKILL' ? how : `${how}: ${this.stderr.trim().split('\n').slice(-3).join(' | ')}`;
  }

  /** Lets a live worker finish its task and exit; waits for a dead one's output to be handled. */
  async stop(): Promise<void> {
    if (!this.exited) this.child.kill('SIGTERM');
    await this.ended;
    await this.pending;
  }
}
