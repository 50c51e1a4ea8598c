import { findSource } from '@hcrm/pipeline';
import { Context } from '@temporalio/activity';
import { CancelledFailure, ScheduleOverlapPolicy, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { rootCauseMessage, type BackfillProgress, type PipelineActivities, type PipelineResult } from '@hcrm/contracts';
import { WarehouseBusyError } from '@hcrm/warehouse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeWarehouse, gadgetShop as shop, landRows, queryWarehouse, recordHistory, startPipelineStack, type PipelineStack } from './helpers';

// Orchestration on the real Temporal dev server with the real worker, dbt and DuckDB:
// schedules and their watermark chain, retries, backfills, cancellation, bad input.

const [shopsTable] = findSource('gadget').definition.rawTables;

/** Lands rows like a loader that retries while a pipeline step holds the DuckDB file. */
async function landWhenFree(stack: PipelineStack, rows: Array<ReturnType<typeof shop>>): Promise<void> {
  for (;;) {
    try {
      await landRows(stack.config, shopsTable!, rows);
      return;
    } catch (error) {
      if (!(error instanceof WarehouseBusyError)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
}

/** The activities a run scheduled (by type, in order) and the attempt each one finished on. */
async function activityEvents(handle: WorkflowHandle) {
  const events = (await handle.fetchHistory()).events ?? [];
  const typeOf = new Map<string, string>();
  const scheduled: string[] = [];
  const attempts: Array<{ type: string; attempt: number }> = [];
  for (const event of events) {
    const s = event.activityTaskScheduledEventAttributes;
    if (s) {
      typeOf.set(String(event.eventId), s.activityType?.name ?? '');
      scheduled.push(s.activityType?.name ?? '');
    }
    const started = event.activityTaskStartedEventAttributes;
    if (started) attempts.push({ type: typeOf.get(String(started.scheduledEventId)) ?? '', attempt: started.attempt ?? 1 });
  }
  return { scheduled, attempts };
}

describe('orchestration (Temporal dev server + worker + dbt + DuckDB)', () => {
  let stack: PipelineStack;
  const query = <T extends Record<string, unknown>>(sql: string) => queryWarehouse(stack.config, sql) as Promise<T[]>;

  beforeAll(async () => {
    stack = await startPipelineStack();
  });
  afterAll(async () => {
    await stack?.teardown();
  });

  it('two scheduled runs in a row: the second processes only the new rows, starting from the watermarks the first one advanced', async () => {
    const client = stack.env.client;
    await landRows(stack.config, shopsTable!, [
      shop('3000', new Date(Date.now() - 3 * 3_600_000).toISOString()),
      shop('3001', new Date(Date.now() - 3_600_000).toISOString()),
    ]);
    const schedule = await client.schedule.create({
      scheduleId: 'orchestration-test-schedule',
      spec: { intervals: [{ every: '5s' }] },
      action: { type: 'startWorkflow', workflowType: 'pipelineRun', taskQueue: stack.config.temporal.taskQueue, workflowId: 'scheduled', args: [{ landDemoData: false }] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
    });
    const completedRun = async (n: number): Promise<{ result: PipelineResult; handle: WorkflowHandle }> => {
      for (;;) {
        const actions = (await schedule.describe()).info.recentActions;
        if (actions.length >= n) {
          const action = actions[n - 1]!.action.workflow;
          const handle = client.workflow.getHandle(action.workflowId, action.firstExecutionRunId);
          return { result: (await handle.result()) as PipelineResult, handle };
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };
    await stack.withWorker(async () => {
      const first = await completedRun(1);
      await schedule.pause('landing new rows');
      expect(first.result.watermarkOrigin).toBe('none');
      expect(first.result.watermarks?.gadget).toBeDefined();
      const newSyncedAt = new Date().toISOString();
      await landRows(stack.config, shopsTable!, [shop('3002', newSyncedAt)]);
      const secondStart = new Date().toISOString().replace('T', ' ').replace('Z', '');
      const taken = (await schedule.describe()).info.recentActions.length;
      await schedule.unpause('go on');
      const second = await completedRun(taken + 1);
      await schedule.pause('test done');
      expect(second.result.watermarkOrigin).toBe('owner');
      expect(second.result.watermarksFrom).toBe(first.handle.workflowId);
      const gadgetWindow = second.result.windows?.find((w) => w.source === 'gadget');
      expect(gadgetWindow?.from).toBe(first.result.watermarks?.gadget);
      // The next watermark is the latest synced_at the window held: the new shop's.
      expect(second.result.watermarks?.gadget).toBe(newSyncedAt);
      expect(gadgetWindow?.rows).toBe(2);
      // The second run processed the new shop and re-read the edge of the previous window (the
      // lookback: 3001 is the first run's latest row), nothing older.
      expect(await query(`select shop_id from raw.gadget_shops where _ingested_at >= '${secondStart}' order by shop_id`)).toEqual([
        { shop_id: '3001' },
        { shop_id: '3002' },
      ]);
      expect(await query(`select count(*) as n, count(distinct id) as ids from core.events where source = 'gadget'`)).toEqual([{ n: 3, ids: 3 }]);
      // The watermark map is in the run's history (its result) and in its memo, for the UI.
      expect((await second.handle.describe()).memo?.watermarks).toEqual(second.result.watermarks);
    });
    await schedule.delete();
  });

  it('a run started from a client (the UI, a schedule trigger) continues from the owner too', async () => {
    const handle = await stack.env.client.workflow.start('pipelineRun', {
      taskQueue: stack.config.temporal.taskQueue,
      workflowId: 'started-from-ui',
      args: [{ landDemoData: false }],
    });
    const result = (await stack.withWorker(handle.result())) as PipelineResult;
    expect(result.watermarkOrigin).toBe('owner');
    expect(result.watermarksFrom).toMatch(/^scheduled/);
  });

  it('a run whose identity step fails once retries that step only: no earlier model runs again', async () => {
    await landRows(stack.config, shopsTable!, [shop('3003', new Date().toISOString())]);
    const injected = (activities: PipelineActivities): PipelineActivities => ({
      ...activities,
      identityApply: async (input) => {
        if (Context.current().info.attempt === 1) throw ApplicationFailure.retryable('injected: the warehouse connection dropped', 'Injected');
        return activities.identityApply(input);
      },
    });
    const handle = await stack.env.client.workflow.start('pipelineRun', {
      taskQueue: stack.config.temporal.taskQueue,
      workflowId: 'fault-in-identity',
      args: [{ landDemoData: false }],
    });
    const result = (await stack.withWorker(handle.result(), { wrapActivities: injected })) as PipelineResult;
    expect(result.identity?.group?.newEntities).toBeGreaterThan(0);
    const { scheduled, attempts } = await activityEvents(handle);
    expect(scheduled.filter((name) => name === 'dbtBuild')).toHaveLength(4); // raw, source, core, final: once each
    expect(attempts.filter((a) => a.type === 'dbtBuild').every((a) => a.attempt === 1)).toBe(true);
    expect(attempts.filter((a) => a.type === 'identityApply').map((a) => a.attempt)).toContain(2);
  });

  it('rejects bad backfill input at once, non-retryably, without touching the warehouse', async () => {
    const start = (workflowId: string, input: unknown) =>
      stack.env.client.workflow.start('backfill', { taskQueue: stack.config.temporal.taskQueue, workflowId, args: [input] });
    const bad = await start('backfill-bad-dates', { sources: ['gadget'], from: '2026-02-01T00:00:00Z', to: 'soon' });
    const unknown = await start('backfill-unknown-source', { sources: ['nope'], from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' });
    await stack.withWorker(async () => {
      const badError = await bad.result().catch((error: unknown) => error);
      expect(badError).toBeInstanceOf(WorkflowFailedError);
      expect((badError as WorkflowFailedError).cause?.message).toBe(
        'bad backfill input: "to" must be an ISO 8601 time such as 2026-01-31T00:00:00Z (got "soon")',
      );
      const unknownError = await unknown.result().catch((error: unknown) => error);
      expect(rootCauseMessage(unknownError)).toMatch(/^unknown source "nope"; registered: .*gadget, manual.*; add one with `npx nx g @hcrm\/nx-plugin:source <name>`/);
    });
    for (const handle of [bad, unknown]) {
      const { scheduled } = await activityEvents(handle);
      expect(scheduled).not.toContain('acquireWarehouse');
      expect(scheduled).not.toContain('dbtBuild');
    }
  });

  it('a backfill while new data keeps arriving doubles and loses nothing', async () => {
    await landRows(stack.config, shopsTable!, [shop('3101', '2026-02-01T06:00:00Z'), shop('3102', '2026-02-02T06:00:00Z'), shop('3103', '2026-02-03T06:00:00Z')]);
    // The March rows are older than the previous run's watermark: only a backfill brings them in.
    const handle = await stack.env.client.workflow.start('backfill', {
      taskQueue: stack.config.temporal.taskQueue,
      workflowId: 'backfill-while-loading',
      args: [{ sources: ['gadget'], from: '2026-01-31T00:00:00Z', to: '2026-02-04T00:00:00Z', chunkHours: 24 }],
    });
    const arriving: string[] = [];
    let seen: BackfillProgress | undefined;
    const result = (await stack.withWorker(async () => {
      const done = handle.result();
      let finished = false;
      void done.finally(() => (finished = true)).catch(() => undefined);
      for (let i = 0; !finished && i < 3; i += 1) {
        const id = `32${String(i).padStart(2, '0')}`;
        await landWhenFree(stack, [shop(id, new Date().toISOString())]);
        arriving.push(id);
        seen = (await handle.query<BackfillProgress>('backfillProgress').catch(() => undefined)) ?? seen;
        await new Promise((resolve) => setTimeout(resolve, 4000));
      }
      return done;
    })) as { chunks: number; rows: number };
    expect(result.chunks).toBe(4);
    expect(result.rows).toBeGreaterThan(0);
    expect(seen?.chunksTotal).toBe(4);
    // The next run brings in what arrived meanwhile.
    await stack.run('after-backfill', { landDemoData: false });
    const ids = (await query<{ id: string }>(`select shop_id as id from raw.gadget_shops where shop_id like '3%' order by shop_id`)).map((r) => r.id);
    expect(ids).toEqual(['3000', '3001', '3002', '3003', '3101', '3102', '3103', ...arriving].sort());
    expect(await query(`select count(*) as n, count(distinct id) as ids from core.events where source = 'gadget'`)).toEqual([
      { n: ids.length, ids: ids.length },
    ]);
    expect(await query(`select count(*) as n from crm.group_identifiers where identifier_type = 'shopify_shop_id'`)).toEqual([{ n: ids.length }]);
    // Running the same backfill again changes no row of the core and final tables.
    const snapshot = () => query(`select id, event_name, occurred_at, source from core.events order by id`);
    const before = await snapshot();
    const again = await stack.env.client.workflow.start('backfill', {
      taskQueue: stack.config.temporal.taskQueue,
      workflowId: 'backfill-again',
      args: [{ sources: ['gadget'], from: '2026-01-31T00:00:00Z', to: '2026-02-04T00:00:00Z', chunkHours: 48 }],
    });
    await stack.withWorker(again.result());
    expect(await snapshot()).toEqual(before);
    // Records a replay fixture of the backfill workflow (workflows/histories/): see docs/workflows.md.
    if (process.env.HCRM_RECORD_BACKFILL_HISTORY) recordHistory(stack, 'backfill-again', process.env.HCRM_RECORD_BACKFILL_HISTORY);
  });

  it('a cancelled backfill stops, gives the warehouse back and leaves consistent tables', async () => {
    const handle = await stack.env.client.workflow.start('backfill', {
      taskQueue: stack.config.temporal.taskQueue,
      workflowId: 'backfill-cancelled',
      args: [{ sources: ['gadget'], from: '2026-01-01T00:00:00Z', to: '2026-03-01T00:00:00Z', chunkHours: 24 }],
    });
    let progress: BackfillProgress | undefined;
    const outcome = await stack.withWorker(async () => {
      for (;;) {
        progress = await handle.query<BackfillProgress>('backfillProgress').catch(() => undefined);
        if (progress && progress.chunksDone >= 1) break;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      await handle.cancel();
      return handle.result().catch((error: unknown) => error);
    });
    expect(outcome).toBeInstanceOf(WorkflowFailedError);
    expect((outcome as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    expect(progress!.chunksDone).toBeLessThan(progress!.chunksTotal);
    // No chunk after the cancellation: the history ends without another setWindows.
    const { scheduled } = await activityEvents(handle);
    expect(scheduled.filter((name) => name === 'setWindows').length).toBeLessThanOrEqual(progress!.chunksDone + 1);
    expect(await query('select * from ops.warehouse_lock')).toEqual([]);
    expect(await query(`select count(*) as n, count(distinct id) as ids from core.events`)).toEqual(
      await query(`select count(distinct id) as n, count(distinct id) as ids from core.events`),
    );
    // The next run takes the warehouse at once and its dbt tests pass.
    const next = await stack.run('after-cancel', { landDemoData: false });
    expect(next.layers.every((layer) => layer.problems.length === 0)).toBe(true);
  });

  it('an incremental run checks the rows it wrote: a bad row outside its windows is not re-checked; a new row colliding with an old key is', async () => {
    await landRows(stack.config, shopsTable!, [shop('3997', new Date().toISOString())]);
    await stack.run('before-planting', { landDemoData: false });
    // A row no window of a later run covers (synced_at in 2000), written behind the pipeline's back.
    await executeWarehouse(stack.config, `insert into raw.gadget_shops (shop_id, synced_at, _ingested_at) values ('planted', timestamp '2000-01-01', timestamp '2000-01-01')`);
    const planted = await stack.run('planted-old-row', { landDemoData: false });
    expect(planted.layers.every((layer) => layer.problems.length === 0)).toBe(true);
    const checks = await query<{ status: string }>(
      `select status from ops.materializations where workflow_id = 'planted-old-row' and check_name = 'not_null_gadget_shops_updated_at'`,
    );
    expect(checks).toEqual([{ status: 'pass' }]);
    // The same check over the whole table (a full check, as `dbt test` by hand runs it) sees the row.
    expect(await query(`select count(*) as n from raw.gadget_shops where updated_at is null`)).toEqual([{ n: 1 }]);
    await executeWarehouse(stack.config, `delete from raw.gadget_shops where shop_id = 'planted'`);
    // A unique check still compares the rows a run writes with the old ones: an old crm row of
    // another group holding the identifier this run maps makes the run's check fail.
    await executeWarehouse(
      stack.config,
      `insert into crm.group_identifiers (group_id, identifier_type, identifier_value, updated_at) values ('planted', 'shopify_shop_id', '3998', timestamp '2000-01-01')`,
    );
    await landRows(stack.config, shopsTable!, [shop('3998', new Date().toISOString())]);
    const handle = await stack.env.client.workflow.start('pipelineRun', {
      taskQueue: stack.config.temporal.taskQueue,
      workflowId: 'colliding-key',
      args: [{ landDemoData: false }],
    });
    const error = await stack.withWorker(handle.result().catch((e: unknown) => e));
    expect(rootCauseMessage(error)).toMatch(/unique_combination_crm_group_identifiers_identifier_type__identifier_value[^:]*: Got 1 result/);
    await executeWarehouse(stack.config, `delete from crm.group_identifiers where group_id = 'planted'`);
  });

  it('a failed check (dbt test) fails the run naming the test and its failing rows, which are kept for inspection', async () => {
    // A shop version without updated_at breaks raw.gadget_shops' not_null test. (Last test: the row stays.)
    await landRows(stack.config, shopsTable!, [{ ...shop('3999', new Date().toISOString()), updated_at: null }]);
    const handle = await stack.env.client.workflow.start('pipelineRun', {
      taskQueue: stack.config.temporal.taskQueue,
      workflowId: 'failing-check',
      args: [{ landDemoData: false }],
    });
    const error = await stack.withWorker(handle.result().catch((e: unknown) => e));
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const message = rootCauseMessage(error);
    expect(message).toMatch(/dbt build of layer "raw" failed/);
    expect(message).toMatch(/test\.hcrm_source_gadget\.not_null_gadget_shops_updated_at[^:]*: Got 1 result.*\(1 failing rows\)/);
    expect(message).toContain('dbt_test__audit');
    expect(await query(`select shop_id from dbt_test__audit.not_null_gadget_shops_updated_at`)).toEqual([{ shop_id: '3999' }]);
    expect(
      await query(`select asset, status, rows_written from ops.materializations where workflow_id = 'failing-check' and check_name = 'not_null_gadget_shops_updated_at'`),
    ).toEqual([{ asset: 'raw.gadget_shops', status: 'fail', rows_written: 1 }]);
    // The run gave the warehouse back.
    expect(await query('select * from ops.warehouse_lock')).toEqual([]);
  });
});
