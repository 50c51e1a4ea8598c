import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import {
  EMPTY_WATERMARK_STATE,
  type DbtLayerResult,
  type EntityType,
  type IdentityApplied,
  type Layer,
  type PipelineActivities,
  type PipelineProgress,
  type PipelineResult,
  type WatermarkAdvance,
  type WatermarkState,
} from '@hcrm/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A real Temporal dev server (the venv's `temporal` binary) with chosen activities: this
// checks the workflow's sequencing and failure handling, not the activities themselves.
const temporalCli = process.env.HCRM_VENV
  ? `${process.env.HCRM_VENV}/bin/temporal`
  : fileURLToPath(new URL('../../.venv/bin/temporal', import.meta.url));
const workflowsPath = createRequire(import.meta.url).resolve('./index.ts');

function layerResult(layer: Layer): DbtLayerResult {
  return { layer, models: 1, tests: 2, problems: [], seconds: 0.1, nodes: [] };
}

function applied(entityType: EntityType, iterations: number): IdentityApplied {
  return { entityType, batchRows: 3, blocked: 0, newIdentifiers: 3, newEdges: 2, newEntities: 1, merges: 0, quarantined: 0, iterations };
}

/** Identity activities that record their calls; each entity type converges on the third round. */
function identityActivities(calls: string[], owner: WatermarkState = EMPTY_WATERMARK_STATE) {
  const rounds = new Map<EntityType, number>();
  return {
    identityReset: async () => {
      calls.push('reset');
    },
    identityPrepare: async ({ entityType }: { entityType: EntityType }) => {
      calls.push(`prepare ${entityType}`);
      return { entityType, batchRows: entityType === 'person' ? 3 : 0, blocked: 0, newEdges: 2, nodes: 3 };
    },
    identityIterate: async ({ entityType }: { entityType: EntityType }) => {
      const round = (rounds.get(entityType) ?? 0) + 1;
      rounds.set(entityType, round);
      calls.push(`iterate ${entityType}`);
      return { entityType, rounds: 1, changed: round < 3 ? 5 : 0, converged: round >= 3 };
    },
    identityApply: async ({ entityType, iterations }: { entityType: EntityType; iterations: number }) => {
      calls.push(`apply ${entityType}`);
      return applied(entityType, iterations);
    },
    identityMemberships: async () => {
      calls.push('memberships');
      return { rows: 2 };
    },
    acquireWarehouse: async () => {
      calls.push('lock');
    },
    releaseWarehouse: async () => {
      calls.push('release');
    },
    readWatermarks: async () => {
      calls.push('read watermarks');
      return owner;
    },
    advanceWatermarks: async (advance: WatermarkAdvance) => {
      calls.push(`advance from version ${advance.basedOn}`);
      return { watermarks: { ...owner.watermarks, ...advance.watermarks }, version: owner.version + 1 };
    },
    deriveWatermarks: async () => {
      calls.push('derive');
      return { manual: '2026-01-01T00:00:00.000Z' };
    },
    setWindows: async ({ from, to }: { from: Record<string, string>; to: string }) => {
      calls.push('windows');
      return [{ source: 'manual', ...(from.manual ? { from: from.manual } : {}), to, rows: 2, latest: '2026-02-01T00:00:00.000Z' }];
    },
    checkSources: async () => undefined,
  };
}

describe('pipelineRun workflow', () => {
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    if (!existsSync(temporalCli)) throw new Error(`${temporalCli} is missing: run \`npm run setup\``);
    env = await TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path: temporalCli } } });
  });
  afterAll(async () => {
    await env?.teardown();
  });

  async function runWith(activities: PipelineActivities, taskQueue: string, input = {}) {
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, activities });
    return worker.runUntil(async () => {
      const handle = await env.client.workflow.start('pipelineRun', { taskQueue, workflowId: `${taskQueue}-wf`, args: [input] });
      const result = await handle.result().catch((error: unknown) => error);
      const progress = await handle.query<PipelineProgress>('progress');
      return { result, progress };
    });
  }

  it('lands, builds the layers in order, then summarizes', async () => {
    const calls: string[] = [];
    const { result, progress } = await runWith(
      {
        landDemoData: async () => {
          calls.push('land');
          return { tables: [{ table: 'x_raw', rowsInserted: 3, rowsTotal: 3 }] };
        },
        dbtBuild: async ({ layer }) => {
          calls.push(layer);
          return layerResult(layer);
        },
        summarizeFinalTables: async () => {
          calls.push('summarize');
          return [{ table: 'persons', rows: 4 }];
        },
        ...identityActivities(calls),
      },
      'order',
    );
    // Identity is SQL activities, not dbt: iterate until converged, skip a type with nothing new.
    expect(calls).toEqual([
      'lock',
      'land',
      'read watermarks',
      'derive',
      'windows',
      'raw',
      'source',
      'core',
      'prepare person',
      'iterate person',
      'iterate person',
      'iterate person',
      'apply person',
      'prepare group',
      'memberships',
      'final',
      'summarize',
      'advance from version 0',
      'release',
    ]);
    const value = result as PipelineResult;
    // The owner was never advanced: the warehouse seeds it; the new watermark is the latest row seen.
    expect(value.watermarkOrigin).toBe('warehouse');
    expect(value.windows?.[0]?.from).toBe('2026-01-01T00:00:00.000Z');
    expect(value.watermarks?.manual).toBe('2026-02-01T00:00:00.000Z');
    expect(value.watermarkVersion).toBe(1);
    expect(value.layers.map((l) => l.layer)).toEqual(['raw', 'source', 'core', 'final']);
    expect(value.identity?.person?.iterations).toBe(3);
    expect(value.identity?.group).toBeUndefined();
    expect(progress.steps.find((s) => s.name === 'identity')?.detail).toContain('persons: 3 rows, 1 new (3 rounds)');
    expect(value.finalTables).toEqual([{ table: 'persons', rows: 4 }]);
    expect(progress.steps.every((s) => s.status === 'completed')).toBe(true);
    expect(progress.steps.find((s) => s.name === 'land')?.detail).toBe('x_raw +3 (3 rows)');
  });

  it('skips landing when asked', async () => {
    const calls: string[] = [];
    await runWith(
      {
        landDemoData: async () => {
          calls.push('land');
          return { tables: [] };
        },
        dbtBuild: async ({ layer }) => layerResult(layer),
        summarizeFinalTables: async () => [],
        ...identityActivities([]),
      },
      'no-land',
      { landDemoData: false },
    );
    expect(calls).toEqual([]);
  });

  it('on a full refresh, rebuilds dbt models from scratch and resets identity first', async () => {
    const calls: string[] = [];
    await runWith(
      {
        landDemoData: async () => ({ tables: [] }),
        dbtBuild: async ({ layer, fullRefresh }) => {
          calls.push(`${layer}${fullRefresh ? ' --full-refresh' : ''}`);
          return layerResult(layer);
        },
        summarizeFinalTables: async () => [],
        ...identityActivities(calls),
      },
      'full-refresh',
      { landDemoData: false, fullRefresh: true },
    );
    expect(calls.slice(0, 8)).toEqual(['lock', 'read watermarks', 'windows', 'raw --full-refresh', 'source --full-refresh', 'core --full-refresh', 'reset', 'prepare person']);
    expect(calls.at(-1)).toBe('release');
  });

  it('starts from the watermarks their owner holds, says who advanced them, and advances from that version', async () => {
    const calls: string[] = [];
    const owner: WatermarkState = {
      watermarks: { manual: '2026-05-01T00:00:00.000Z' },
      version: 3,
      advancedBy: { workflowId: 'hcrm-run-1', runId: 'r1', at: '2026-05-01T00:01:00.000Z' },
    };
    const { result } = await runWith(
      {
        landDemoData: async () => ({ tables: [] }),
        dbtBuild: async ({ layer }) => layerResult(layer),
        summarizeFinalTables: async () => [],
        ...identityActivities(calls, owner),
      },
      'owner-watermarks',
      { landDemoData: false },
    );
    expect(calls).not.toContain('derive');
    expect(calls).toContain('advance from version 3');
    const value = result as PipelineResult;
    expect(value.watermarkOrigin).toBe('owner');
    expect(value.watermarksFrom).toBe('hcrm-run-1');
    expect(value.watermarkVersion).toBe(4);
    expect(value.windows?.[0]?.from).toBe('2026-05-01T00:00:00.000Z');
    expect(value.steps.find((s) => s.name === 'windows')?.detail).toMatch(/^watermarks from the watermark owner, advanced by hcrm-run-1; manual \(2026-05-01/);
  });

  it('stops at a failing layer, reports which one and why, and gives the warehouse back', async () => {
    const built: Layer[] = [];
    const calls: string[] = [];
    const { result, progress } = await runWith(
      {
        landDemoData: async () => ({ tables: [] }),
        dbtBuild: async ({ layer }) => {
          if (layer === 'core') throw ApplicationFailure.nonRetryable('model.hcrm.events: syntax error', 'DbtBuildFailed');
          built.push(layer);
          return layerResult(layer);
        },
        summarizeFinalTables: async () => [],
        ...identityActivities(calls),
      },
      'failing',
    );
    expect(result).toBeInstanceOf(WorkflowFailedError);
    expect(built).toEqual(['raw', 'source']);
    expect(calls.at(-1)).toBe('release');
    // A failed run advances nothing.
    expect(calls.filter((call) => call.startsWith('advance'))).toEqual([]);
    const byName = Object.fromEntries(progress.steps.map((s) => [s.name, s]));
    expect(byName.core?.status).toBe('failed');
    expect(byName.core?.detail).toContain('syntax error');
    expect(byName.identity?.status).toBe('pending');
  });
});
