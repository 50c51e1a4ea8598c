import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadConfig, type HcrmConfig } from '@hcrm/config';
import type { PipelineActivities, PipelineInput, PipelineResult, RawTableDefinition } from '@hcrm/contracts';
import { createPipelineWorker } from '@hcrm/pipeline';
import { ensureRawTable, insertRawRows, openWarehouse, type Row, type SqlValue } from '@hcrm/warehouse';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const hcrmBin = join(repoRoot, 'apps/cli/bin/hcrm.js');

/** The sources whose demo data the tests that pin exact demo counts land (HCRM_DEMO_SOURCES). */
export const PINNED_DEMO_SOURCES = 'gadget,manual,shopify_partner';

/**
 * A config whose state (warehouse, Temporal history, logs) lives in a fresh temp dir; `env`
 * chooses another warehouse (HCRM_WAREHOUSE and its settings).
 */
export function freshConfig(env: Record<string, string> = {}): HcrmConfig {
  const stateDir = mkdtempSync(join(tmpdir(), 'hcrm-e2e-'));
  return loadConfig({ ...process.env, HCRM_STATE_DIR: stateDir, HCRM_DUCKDB_PATH: '', TEMPORAL_ADDRESS: '', HCRM_WAREHOUSE: '', ...env });
}

export async function queryWarehouse<T extends Row = Row>(config: HcrmConfig, sql: string): Promise<T[]> {
  const warehouse = await openWarehouse(config.warehouse, { readOnly: true });
  try {
    return await warehouse.query<T>(sql);
  } finally {
    await warehouse.close();
  }
}

/** Runs statements on the warehouse behind the pipeline's back (to plant rows a test needs). */
export async function executeWarehouse(config: HcrmConfig, ...statements: string[]): Promise<void> {
  const warehouse = await openWarehouse(config.warehouse);
  try {
    for (const statement of statements) await warehouse.execute(statement);
  } finally {
    await warehouse.close();
  }
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `hcrm` executable, as a user would from the root of a checkout (this repository unless told). */
export function runHcrm(args: string[], env: Record<string, string>, checkout: string = repoRoot): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(checkout, 'apps/cli/bin/hcrm.js'), ...args], {
      cwd: checkout,
      env: { ...process.env, TEMPORAL_ADDRESS: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A real Temporal dev server and the pipeline worker on a fresh state dir, for one test file. */
export interface PipelineStack {
  config: HcrmConfig;
  env: TestWorkflowEnvironment;
  run: (workflowId: string, input?: PipelineInput) => Promise<PipelineResult>;
  /** A worker on the stack's task queue until `until` settles (for schedules, backfills, faults). */
  withWorker: <T>(until: Promise<T> | (() => Promise<T>), options?: { wrapActivities?: (a: PipelineActivities) => PipelineActivities }) => Promise<T>;
  teardown: () => Promise<void>;
}

export async function startPipelineStack(options: { lookbackMinutes?: number; env?: Record<string, string> } = {}): Promise<PipelineStack> {
  const fresh = freshConfig(options.env);
  const { pipeline } = fresh.project;
  const config: HcrmConfig =
    options.lookbackMinutes === undefined
      ? fresh
      : { ...fresh, project: { ...fresh.project, pipeline: { ...pipeline, lookbackMinutes: options.lookbackMinutes } } };
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: config.temporal.cliPath } },
  });
  const withWorker: PipelineStack['withWorker'] = async (until, options = {}) => {
    const worker = await createPipelineWorker({ config, connection: env.nativeConnection, client: env.client, ...options });
    return worker.runUntil(until);
  };
  return {
    config,
    env,
    withWorker,
    run: (workflowId, input = {}) =>
      withWorker(() => env.client.workflow.execute('pipelineRun', { taskQueue: config.temporal.taskQueue, workflowId, args: [input] })),
    teardown: async () => {
      await env.teardown();
      rmSync(config.stateDir, { recursive: true, force: true });
    },
  };
}

/** Writes rows straight into raw tables, as a loader would, in one transaction. */
export async function landRows(
  config: HcrmConfig,
  table: RawTableDefinition,
  rows: ReadonlyArray<Record<string, SqlValue>>,
): Promise<void> {
  const warehouse = await openWarehouse(config.warehouse);
  try {
    await warehouse.transaction(async () => {
      await ensureRawTable(warehouse, table);
      await insertRawRows(warehouse, table, rows);
    });
  } finally {
    await warehouse.close();
  }
}

/**
 * Writes a finished workflow's history to `file` (as `temporal workflow show --output json`
 * prints it), for the replay tests in workflows/histories/ (docs/workflows.md).
 */
export function recordHistory(stack: PipelineStack, workflowId: string, file: string): void {
  const args = ['workflow', 'show', '--workflow-id', workflowId, '--address', stack.env.address, '--output', 'json'];
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, execFileSync(stack.config.temporal.cliPath, args));
}

/** A landed Gadget shop row (raw.gadget_shops_raw) with the given id and synced_at. */
export function gadgetShop(id: string, syncedAt: string) {
  return {
    id,
    domain: `shop-${id}.myshopify.com`,
    name: `Shop ${id}`,
    plan_name: 'basic',
    owner_email: `owner-${id}@example.com`,
    owner_name: null as string | null,
    created_at: '2025-12-01T00:00:00Z',
    updated_at: '2025-12-01T00:00:00Z' as string | null,
    synced_at: syncedAt,
  };
}
