import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { ADVANCE_WATERMARKS_UPDATE, WATERMARKS_QUERY, type WatermarkAdvance, type WatermarkState } from '@hcrm/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADVANCES_PER_EXECUTION } from './watermarks';

// The watermark owner on a real Temporal dev server: its state lives in its history.
const temporalCli = process.env.HCRM_VENV
  ? `${process.env.HCRM_VENV}/bin/temporal`
  : fileURLToPath(new URL('../../.venv/bin/temporal', import.meta.url));
const workflowsPath = createRequire(import.meta.url).resolve('./index.ts');

describe('watermarkOwner workflow', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    if (!existsSync(temporalCli)) throw new Error(`${temporalCli} is missing: run \`npm run setup\``);
    env = await TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path: temporalCli } } });
  });
  afterAll(async () => {
    await env?.teardown();
  });

  const advance = (runId: string, basedOn: number, watermarks: Record<string, string>): WatermarkAdvance => ({ workflowId: `wf-${runId}`, runId, basedOn, watermarks });

  async function withOwner<T>(taskQueue: string, work: (send: (a: WatermarkAdvance) => Promise<WatermarkState>, read: () => Promise<WatermarkState>) => Promise<T>): Promise<T> {
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath });
    return worker.runUntil(async () => {
      const handle = await env.client.workflow.start('watermarkOwner', { taskQueue, workflowId: `owner-${taskQueue}`, args: [] });
      return work(
        (a) => handle.executeUpdate<WatermarkState, [WatermarkAdvance]>(ADVANCE_WATERMARKS_UPDATE, { args: [a] }),
        () => handle.query<WatermarkState>(WATERMARKS_QUERY),
      );
    });
  }

  it('advances per source, answers the same run twice without moving, and refuses a stale run', async () => {
    await withOwner('owner-basics', async (send, read) => {
      expect(await read()).toEqual({ watermarks: {}, version: 0 });
      const first = await send(advance('r1', 0, { manual: '2026-01-01T00:00:00.000Z', gadget: '2026-01-02T00:00:00.000Z' }));
      expect(first.version).toBe(1);
      expect(first.advancedBy).toMatchObject({ workflowId: 'wf-r1', runId: 'r1' });
      // A retried activity sends the same advance again: nothing moves.
      expect(await send(advance('r1', 0, { manual: '2026-01-01T00:00:00.000Z' }))).toEqual(first);
      // A source the run did not process keeps its watermark.
      const second = await send(advance('r2', 1, { manual: '2026-01-03T00:00:00.000Z' }));
      expect(second).toMatchObject({ version: 2, watermarks: { manual: '2026-01-03T00:00:00.000Z', gadget: '2026-01-02T00:00:00.000Z' } });
      // A run that read version 1 cannot advance an owner at version 2.
      const stale = await send(advance('r3', 1, { manual: '2026-02-01T00:00:00.000Z' })).catch((error: unknown) => error);
      expect(stale).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(String((stale as WorkflowUpdateFailedError).cause?.message)).toMatch(/started from watermark version 1, but the owner is at version 2/);
      expect(await read()).toEqual(second);
    });
  });

  it(`continues as new after ${ADVANCES_PER_EXECUTION} advances with its state, and shows it in its memo`, async () => {
    await withOwner('owner-continue', async (send, read) => {
      const handle = env.client.workflow.getHandle('owner-owner-continue');
      const firstRun = (await handle.describe()).runId;
      for (let n = 0; n <= ADVANCES_PER_EXECUTION; n += 1) {
        await send(advance(`r${n}`, n, { manual: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString() }));
      }
      const state = await read();
      expect(state.version).toBe(ADVANCES_PER_EXECUTION + 1);
      expect(state.watermarks.manual).toBe(new Date(Date.UTC(2026, 0, 1, 0, ADVANCES_PER_EXECUTION)).toISOString());
      const description = await handle.describe();
      expect(description.runId).not.toBe(firstRun);
      expect(description.memo).toMatchObject({ version: ADVANCES_PER_EXECUTION + 1, watermarks: state.watermarks });
    });
  });
});
