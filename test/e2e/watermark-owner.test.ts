import { spawn } from 'node:child_process';
import { ScheduleOverlapPolicy, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { rootCauseMessage, WATERMARKS_QUERY, type PipelineResult, type WatermarkState } from '@hcrm/contracts';
import { createPipelineWorker, findSource } from '@hcrm/pipeline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gadgetShop as shop, landRows, queryWarehouse, recordHistory, repoRoot, runHcrm, startPipelineStack, type PipelineStack } from './helpers';

// The watermark owner (workflow `watermarkOwner`, one per warehouse) on the real stack: every
// way a run starts reads it, only successful runs advance it, and a worker killed between the
// commit and the Update loses nothing.
const [shopsTable] = findSource('gadget').definition.rawTables;

describe('watermarks have one owner (Temporal dev server + worker + dbt + DuckDB)', () => {
  let stack: PipelineStack;
  const ownerHandle = () => stack.env.client.workflow.getHandle(stack.config.temporal.watermarkWorkflowId);
  /** The owner's state as its memo shows it (no worker needed, as in the Temporal UI). */
  const ownerMemo = async () => (await ownerHandle().describe()).memo as unknown as WatermarkState;
  const land = (id: string, syncedAt: Date) => landRows(stack.config, shopsTable!, [shop(id, syncedAt.toISOString())]);
  const now = () => new Date();
  const completed = async (workflowId: string) => (await stack.env.client.workflow.getHandle(workflowId).result()) as PipelineResult;

  beforeAll(async () => {
    stack = await startPipelineStack();
  });
  afterAll(async () => {
    await stack?.teardown();
  });

  it('a scheduled run, then `hcrm run`, then a run started as the UI starts one: each continues from the previous one\'s watermarks', async () => {
    const client = stack.env.client;
    await land('4000', new Date(Date.now() - 3 * 3_600_000));

    // 1. A scheduled run: the owner was never advanced and the warehouse is empty.
    const schedule = await client.schedule.create({
      scheduleId: 'owner-test-schedule',
      spec: { intervals: [{ every: '5s' }] },
      action: { type: 'startWorkflow', workflowType: 'pipelineRun', taskQueue: stack.config.temporal.taskQueue, workflowId: 'owner-scheduled', args: [{ landDemoData: false }] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
    });
    const scheduled = await stack.withWorker(async () => {
      for (;;) {
        const [action] = (await schedule.describe()).info.recentActions;
        if (action) {
          await schedule.pause('one run is enough');
          const handle = client.workflow.getHandle(action.action.workflow.workflowId, action.action.workflow.firstExecutionRunId);
          return { workflowId: handle.workflowId, result: (await handle.result()) as PipelineResult };
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    });
    await schedule.delete();
    expect(scheduled.result.watermarkOrigin).toBe('none');
    expect(scheduled.result.watermarkVersion).toBe(1);
    const afterScheduled = await ownerMemo();
    expect(afterScheduled).toMatchObject({ version: 1, watermarks: scheduled.result.watermarks, advancedBy: { workflowId: scheduled.workflowId } });

    // 2. `hcrm run`, the real executable, against the same server and state dir.
    await land('4001', now());
    const cli = await runHcrm(['run', '--no-demo-data'], { HCRM_STATE_DIR: stack.config.stateDir, TEMPORAL_ADDRESS: stack.env.address });
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain(`Watermarks: started from the watermark owner, advanced by ${scheduled.workflowId};`);
    const afterCli = await ownerMemo();
    expect(afterCli.version).toBe(2);
    const cliRun = await completed(afterCli.advancedBy!.workflowId);
    expect(afterCli.advancedBy!.workflowId).toMatch(/^hcrm-run-/);
    expect(cliRun.windows?.find((w) => w.source === 'gadget')?.from).toBe(afterScheduled.watermarks.gadget);
    expect(afterCli.watermarks).toEqual(cliRun.watermarks);

    // 3. Started from a client with the UI's input, `{}` but for the demo data.
    await land('4002', now());
    const ui = (await stack.withWorker(
      client.workflow.execute('pipelineRun', { taskQueue: stack.config.temporal.taskQueue, workflowId: 'owner-from-ui', args: [{ landDemoData: false }] }),
    )) as PipelineResult;
    expect(ui.watermarkOrigin).toBe('owner');
    expect(ui.watermarksFrom).toBe(afterCli.advancedBy!.workflowId);
    expect(ui.windows?.find((w) => w.source === 'gadget')?.from).toBe(afterCli.watermarks.gadget);
    expect(ui.watermarkVersion).toBe(3);
    // The owner answers its query in the Temporal UI too, with the same state as its memo.
    const queried = await stack.withWorker(ownerHandle().query<WatermarkState>(WATERMARKS_QUERY));
    expect(queried).toEqual(await ownerMemo());
    expect(queried.watermarks).toEqual(ui.watermarks);
    expect(await queryWarehouse(stack.config, "select count(*) as n, count(distinct id) as ids from core.events where source = 'gadget'")).toEqual([{ n: 3, ids: 3 }]);
  });

  it('a failed run and a backfill advance nothing', async () => {
    const before = await ownerMemo();
    await land('4003', now());
    const failing = await stack.env.client.workflow.start('pipelineRun', {
      taskQueue: stack.config.temporal.taskQueue,
      workflowId: 'owner-failing',
      args: [{ landDemoData: false }],
    });
    const outcome = await stack
      .withWorker(failing.result(), {
        wrapActivities: (activities) => ({
          ...activities,
          dbtBuild: async (input) => {
            if (input.layer === 'final') throw ApplicationFailure.nonRetryable('injected: the final layer failed', 'Injected');
            return activities.dbtBuild(input);
          },
        }),
      })
      .catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(WorkflowFailedError);
    expect(await ownerMemo()).toEqual(before);

    const backfill = await stack.withWorker(
      stack.env.client.workflow.execute('backfill', {
        taskQueue: stack.config.temporal.taskQueue,
        workflowId: 'owner-backfill',
        args: [{ sources: ['gadget'], from: new Date(Date.now() - 6 * 3_600_000).toISOString(), to: now().toISOString(), chunkHours: 24 }],
      }),
    );
    expect((backfill as { rows: number }).rows).toBeGreaterThan(0);
    expect(await ownerMemo()).toEqual(before);
  });

  it('a worker killed between the commit and the Update loses nothing: the run finishes on another worker and advances once', async () => {
    const before = await ownerMemo();
    await land('4004', now());
    const handle = await stack.env.client.workflow.start('pipelineRun', {
      taskQueue: stack.config.temporal.taskQueue,
      workflowId: 'owner-killed-before-advance',
      args: [{ landDemoData: false }],
    });
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/e2e/fixtures/worker-dies-before-advance.ts'], {
      cwd: repoRoot,
      env: { ...process.env, HCRM_STATE_DIR: stack.config.stateDir, HCRM_DUCKDB_PATH: '', HCRM_WAREHOUSE: '', TEMPORAL_ADDRESS: stack.env.address },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, sig) => resolve(sig)));
    expect(signal, output).toBe('SIGKILL');
    // Everything is committed but the owner has not heard of it.
    expect(await ownerMemo()).toEqual(before);
    expect((await handle.describe()).status.name).toBe('RUNNING');

    const result = (await stack.withWorker(handle.result())) as PipelineResult;
    const after = await ownerMemo();
    expect(after.version).toBe(before.version + 1);
    expect(after.advancedBy?.workflowId).toBe('owner-killed-before-advance');
    expect(after.watermarks).toEqual(result.watermarks);
    // The started event records the attempt that finished: the first one died with its worker.
    expect(await advanceAttempts(handle)).toEqual([2]);
    // Nothing doubled, nothing lost: every landed shop is in core once.
    expect(await queryWarehouse(stack.config, "select count(*) as n, count(distinct id) as ids from core.events where source = 'gadget'")).toEqual([{ n: 5, ids: 5 }]);

    // The next run starts from that advance and re-reads only its lookback.
    const nextStart = now().toISOString().replace('T', ' ').replace('Z', '');
    const next = await stack.run('owner-after-kill', { landDemoData: false });
    expect(next.windows?.find((w) => w.source === 'gadget')?.from).toBe(after.watermarks.gadget);
    const reread = await queryWarehouse<{ synced_at: string }>(
      stack.config,
      `select cast(synced_at as varchar) as synced_at from raw.gadget_shops where _ingested_at >= '${nextStart}'`,
    );
    const lookbackStart = Date.parse(after.watermarks.gadget!) - stack.config.project.pipeline.lookbackMinutes * 60_000;
    for (const row of reread) expect(Date.parse(`${row.synced_at.replace(' ', 'T')}Z`)).toBeGreaterThan(lookbackStart);
    // Records a replay fixture of the owner (workflows/histories/): see docs/workflows.md.
    if (process.env.HCRM_RECORD_OWNER_HISTORY) recordHistory(stack, stack.config.temporal.watermarkWorkflowId, process.env.HCRM_RECORD_OWNER_HISTORY);
  });

  it('an owner terminated by hand starts again from the state its memo kept; a worker on another task queue is told where it runs', async () => {
    const before = await ownerMemo();
    await ownerHandle().terminate('testing a restart');
    const next = await stack.run('owner-after-terminate', { landDemoData: false });
    expect(next.watermarkOrigin).toBe('owner');
    expect(next.windows?.find((w) => w.source === 'gadget')?.from).toBe(before.watermarks.gadget);
    expect(next.watermarkVersion).toBe(before.version + 1);
    expect((await ownerHandle().describe()).status.name).toBe('RUNNING');

    // Every worker of one warehouse must share the owner's task queue.
    const elsewhere = { ...stack.config, temporal: { ...stack.config.temporal, taskQueue: 'another-queue' } };
    const worker = await createPipelineWorker({ config: elsewhere, connection: stack.env.nativeConnection, client: stack.env.client });
    const outcome = await worker
      .runUntil(stack.env.client.workflow.execute('pipelineRun', { taskQueue: 'another-queue', workflowId: 'owner-other-queue', args: [{ landDemoData: false }] }))
      .catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(WorkflowFailedError);
    expect(rootCauseMessage(outcome)).toContain(`runs on task queue "${stack.config.temporal.taskQueue}", not this worker's "another-queue"`);
    expect((await ownerMemo()).version).toBe(before.version + 1);
  });
});

/** The attempt each advanceWatermarks call finished on, from the run's history. */
async function advanceAttempts(handle: WorkflowHandle): Promise<number[]> {
  const events = (await handle.fetchHistory()).events ?? [];
  const advance = new Set<string>();
  const attempts: number[] = [];
  for (const event of events) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'advanceWatermarks') advance.add(String(event.eventId));
    const started = event.activityTaskStartedEventAttributes;
    if (started && advance.has(String(started.scheduledEventId))) attempts.push(started.attempt ?? 1);
  }
  return attempts;
}
