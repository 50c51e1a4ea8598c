import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import type { PipelineActivities } from '@hcrm/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshConfig, hcrmBin, PINNED_DEMO_SOURCES, queryWarehouse, repoRoot, runHcrm, startPipelineStack, type PipelineStack } from './helpers';

// One writer at a time, on the real stack: runs, backfills, schedules, `hcrm ingest` and
// `hcrm generate` (real hcrm processes) take the warehouse lock in turn, and none loses or
// doubles a row.

/** A running `hcrm` process whose output the test can watch. */
function startHcrm(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [hcrmBin, ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '', code: undefined as number | null | undefined };
  child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const done = new Promise<typeof output>((resolve) =>
    child.on('close', (code) => {
      output.code = code;
      resolve(output);
    }),
  );
  return { output, done };
}

/** Waits for a condition, polling; the test's own timeout bounds it. */
async function until(condition: () => boolean | Promise<boolean>, describe: () => string): Promise<void> {
  for (let polls = 0; !(await condition()); polls++) {
    if (polls > 0 && polls % 100 === 0) console.log(`still waiting: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

const record = (id: string, email: string) =>
  JSON.stringify({ id, occurred_at: '2026-01-05T10:00:00Z', event_name: 'form_submitted', persons: [{ identifiers: { email } }] });

describe('concurrency (Temporal dev server + workers + hcrm processes + dbt + DuckDB)', () => {
  let stack: PipelineStack;
  let dir: string;
  const query = <T extends Record<string, unknown>>(sql: string) => queryWarehouse(stack.config, sql) as Promise<T[]>;

  beforeAll(async () => {
    stack = await startPipelineStack();
    dir = mkdtempSync(join(tmpdir(), 'hcrm-concurrency-'));
  });
  afterAll(async () => {
    await stack?.teardown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a schedule firing during a backfill, and hcrm ingest and hcrm generate started meanwhile, wait for the warehouse; then every row lands and is built once', async () => {
    await stack.run('concurrency-first');
    const { client } = stack.env;
    const taskQueue = stack.config.temporal.taskQueue;
    // The backfill's first dbt layer waits until the test lets it go: it holds the warehouse.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    let paused = false;
    const pauseOnce = (activities: PipelineActivities): PipelineActivities => ({
      ...activities,
      dbtBuild: async (input) => {
        if (!paused) {
          paused = true;
          holding();
          await released;
        }
        return activities.dbtBuild(input);
      },
    });
    const backfill = await client.workflow.start('backfill', {
      taskQueue,
      workflowId: 'concurrency-backfill',
      args: [{ sources: ['gadget'], from: '2025-01-01T00:00:00Z', to: new Date().toISOString(), chunkHours: 24 * 400 }],
    });
    const backfillDone = stack.withWorker(backfill.result(), { wrapActivities: pauseOnce });
    await held;

    const file = join(dir, 'during-backfill.jsonl');
    const imported = Array.from({ length: 25 }, (_, i) => record(`conc-${i}`, `conc-${i}@conc-shop.com`));
    writeFileSync(file, imported.join('\n'));
    const env = { HCRM_STATE_DIR: stack.config.stateDir, TEMPORAL_ADDRESS: stack.env.address };
    const ingest = startHcrm(['ingest', 'manual', file], env);
    const generate = startHcrm(['generate', '--persons', '20', '--seed', '11'], env);
    const schedule = await client.schedule.create({
      scheduleId: 'concurrency-schedule',
      spec: { intervals: [{ every: '365 days' }] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      action: { type: 'startWorkflow', workflowType: 'pipelineRun', taskQueue, args: [{ landDemoData: false }] },
    });
    try {
      await schedule.trigger();
      let scheduledRunId = '';
      await until(
        async () => {
          scheduledRunId = (await schedule.describe()).info.recentActions[0]?.action.workflow.workflowId ?? '';
          return scheduledRunId !== '';
        },
        () => 'the schedule to start its run',
      );
      const scheduledRun = client.workflow.getHandle(scheduledRunId);
      // A second worker (the standalone worker process) serves the run while the first one is
      // held inside the backfill.
      const second = spawn(process.execPath, ['--import', 'tsx', 'apps/worker/src/main.ts'], {
        cwd: repoRoot,
        env: { ...process.env, ...env, HCRM_DUCKDB_PATH: '', HCRM_WAREHOUSE: '' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const secondExited = new Promise((resolve) => second.on('close', resolve));
      try {
        const waitingMessage = async () => (await scheduledRun.describe()).raw.pendingActivities?.[0]?.lastFailure?.message ?? '';
        await until(async () => /waiting for the warehouse: backfill concurrency-backfill/.test(await waitingMessage()), () => 'the scheduled run to wait');
        await until(
          () => [ingest, generate].every((p) => p.output.stderr.includes('waiting for the warehouse: backfill concurrency-backfill has held it since')),
          () => `ingest and generate to wait: ${ingest.output.stderr} | ${generate.output.stderr}`,
        );
        expect(ingest.output.code).toBeUndefined();
        expect(generate.output.code).toBeUndefined();
        release();
        await backfillDone;
        await scheduledRun.result();
        const [i, g] = await Promise.all([ingest.done, generate.done]);
        expect(i.code, i.stderr).toBe(0);
        expect(i.stdout).toContain('Imported 25 records');
        expect(g.code, g.stderr).toBe(0);
      } finally {
        second.kill('SIGTERM');
        await secondExited;
      }
    } finally {
      release();
      await schedule.delete();
    }

    // One more run builds whatever landed after the scheduled run fixed its windows.
    await stack.run('concurrency-last', { landDemoData: false });
    const [raw] = await query<{ n: number }>(`select count(distinct id) as n from raw.manual_records_raw`);
    const [core] = await query<{ n: number; ids: number }>(`select count(*) as n, count(distinct id) as ids from core.events where source = 'manual'`);
    expect(core).toEqual({ n: raw!.n, ids: raw!.n });
    expect(await query(`select count(*) as n from core.events where source = 'manual' and occurred_at = timestamp '2026-01-05 10:00:00'`)).toEqual([{ n: 25 }]);
    expect(await query(`select count(*) as n from crm.person_identifiers where identifier_value like 'conc-%@conc-shop.com'`)).toEqual([{ n: 25 }]);
    // Nobody holds the warehouse any more.
    expect(await query(`select count(*) as n from ops.warehouse_lock`)).toEqual([{ n: 0 }]);
  });
});

describe('two `hcrm run` started at the same instant on one state dir', () => {
  const config = freshConfig();
  const env = { HCRM_STATE_DIR: config.stateDir, HCRM_DEMO_SOURCES: PINNED_DEMO_SOURCES, TEMPORAL_ADDRESS: '' };
  afterAll(() => rmSync(config.stateDir, { recursive: true, force: true }));

  it('never start two servers on one history: each run completes or is refused, saying why', async () => {
    const results = await Promise.all([runHcrm(['run'], env), runHcrm(['run'], env)]);
    const completed = results.filter((r) => r.code === 0);
    const refused = results.filter((r) => r.code !== 0);
    expect(completed.length).toBeGreaterThanOrEqual(1);
    for (const r of completed) expect(r.stdout).toContain('Final tables: persons 6, groups 11, memberships 9, identity_merges 0');
    for (const r of refused) expect(r.stderr).toMatch(/another `hcrm run` \(pid \d+\) is already using the state dir .*; wait for it to finish/);

    // The history holds exactly the completed runs: no second server wrote to the same file.
    const temporal = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: config.temporal.cliPath }, dbFilename: config.temporal.dbFile },
    });
    try {
      const runs = [];
      for await (const execution of temporal.client.workflow.list({ query: "WorkflowType = 'pipelineRun'" })) runs.push(execution.status.name);
      expect(runs).toEqual(completed.map(() => 'COMPLETED'));
    } finally {
      await temporal.teardown();
    }
  });
});
