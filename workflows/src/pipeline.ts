import {
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  proxyActivities,
  setHandler,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import {
  describeWatermarkOrigin,
  ENTITY_TYPES,
  LAYERS,
  rootCauseMessage,
  type DbtLayerResult,
  type IdentityApplied,
  type IdentityRunSummary,
  type LandResult,
  type LockOwner,
  type PipelineActivities,
  type PipelineInput,
  type PipelineProgress,
  type PipelineResult,
  type StepName,
  type SourceWindow,
  type StepProgress,
  type TableCount,
  type WatermarkMap,
  type WatermarkOrigin,
  type WatermarkState,
} from '@hcrm/contracts';

// Every activity heartbeats every 5 s while it works (libs/activities), so a worker that dies
// in the middle of one is noticed by its heartbeat timeout and the step retried on a live
// worker within seconds; the start-to-close timeouts only bound work that is alive but stuck.

// Short steps: a few quick retries cover a transient failure (a busy file, a restart).
export const { landDemoData, summarizeFinalTables, setWindows, deriveWatermarks, readWatermarks, checkSources, releaseWarehouse } = proxyActivities<PipelineActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 5 },
});

// One Update to the watermark owner: milliseconds of work, so a worker that died while sending
// it is noticed by the heartbeat timeout and the (idempotent) advance retried on another.
const { advanceWatermarks } = proxyActivities<PipelineActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 10, nonRetryableErrorTypes: ['WatermarksMoved'] },
});

// dbt runs for as long as the data needs; the heartbeat timeout notices a dead worker instead.
export const { dbtBuild } = proxyActivities<PipelineActivities>({
  startToCloseTimeout: '4 hours',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumAttempts: 3 },
});

// Identity resolution: SQL statements on the warehouse, iterated until the components converge.
const { identityReset, identityPrepare, identityApply, identityMemberships } = proxyActivities<PipelineActivities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 5 },
});
const { identityIterate } = proxyActivities<PipelineActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 5 },
});

// Waiting for the warehouse: retried until the holder finishes, the error says who holds it.
export const { acquireWarehouse } = proxyActivities<PipelineActivities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 1.5, maximumInterval: '30 seconds', nonRetryableErrorTypes: ['WarehouseUnavailable'] },
});

/** Seconds of label rounds per identityIterate call; the workflow loops until convergence. */
const ITERATE_SECONDS = 30;
/** A graph that has not converged after this many rounds points at a bug, not at big data. */
const MAX_ROUNDS = 500;

/** Answers with the state of every step; `hcrm run` polls it to print progress. */
export const progressQuery = defineQuery<PipelineProgress>('progress');

/**
 * One pipeline run: take the warehouse (one run or backfill at a time), land the demo data
 * (optional), fix each source's window from the watermarks their owner workflow holds, build
 * the raw, source and core layers with dbt, resolve identities, build the final layer, count
 * the final tables, and, with everything committed, advance the owner to the new watermarks
 * (also the run's result). A run that fails advances nothing: the next one re-reads its rows.
 */
export async function pipelineRun(input: PipelineInput = {}): Promise<PipelineResult> {
  const landDemo = input.landDemoData ?? true;
  const fullRefresh = input.fullRefresh ?? false;
  const stepNames: StepName[] = ['lock', ...(landDemo ? (['land'] as const) : []), 'windows', ...LAYERS, 'summarize', 'watermarks'];
  const steps: StepProgress[] = stepNames.map((name) => ({ name, status: 'pending' }));
  setHandler(progressQuery, () => ({ steps }));
  const result: PipelineResult = { steps, layers: [], finalTables: [] };

  const info = workflowInfo();
  const owner: LockOwner = { workflowId: info.workflowId, runId: info.runId, purpose: 'pipeline run' };
  await step(steps, 'lock', () => acquireWarehouse(owner), () => 'no other run or backfill is working on the warehouse');
  try {
    if (landDemo) result.landed = await step(steps, 'land', landDemoData, describeLanded);
    // The upper bound of every window: the time the run started (deterministic in replay).
    const upperBound = new Date(info.runStartTime ?? Date.now()).toISOString();
    let basedOn = 0;
    result.windows = await step(
      steps,
      'windows',
      async () => {
        const start = await startingWatermarks(fullRefresh);
        basedOn = start.version;
        result.watermarkOrigin = start.origin;
        if (start.from) result.watermarksFrom = start.from;
        return setWindows({ from: start.watermarks, to: upperBound, runId: info.runId });
      },
      (windows) => describeWindows(result, windows),
    );
    await buildLayers(steps, result, fullRefresh);
    result.finalTables = await step(steps, 'summarize', summarizeFinalTables, describeTables);
    // Each source moves to the latest synced_at its window held (a row committed later with a
    // later synced_at is in the next window); a source with nothing new keeps its watermark.
    const next: WatermarkMap = {};
    for (const window of result.windows) {
      const watermark = window.latest ?? window.from;
      if (watermark) next[window.source] = watermark;
    }
    result.watermarks = next;
    const advanced = await step(
      steps,
      'watermarks',
      // The data is committed: a cancellation now must not leave the owner behind it.
      () =>
        CancellationScope.nonCancellable(() =>
          advanceWatermarks({ workflowId: info.workflowId, runId: info.runId, basedOn, watermarks: next, ...(fullRefresh ? { replace: true } : {}) }),
        ),
      (state) => `owner advanced to version ${state.version}`,
    );
    result.watermarkVersion = advanced.version;
    upsertMemo({ watermarks: result.watermarks });
    return result;
  } finally {
    await CancellationScope.nonCancellable(() => releaseWarehouse(owner));
  }
}

interface StartingWatermarks {
  watermarks: WatermarkMap;
  origin: WatermarkOrigin;
  /** The owner's version they were read at: the run's advance is based on it. */
  version: number;
  from?: string;
}

/** The watermarks the owner holds; an owner never advanced is seeded from the warehouse. */
async function startingWatermarks(fullRefresh: boolean): Promise<StartingWatermarks> {
  const state: WatermarkState = await readWatermarks();
  if (fullRefresh) return { watermarks: {}, origin: 'full-refresh', version: state.version };
  if (state.version > 0) return { watermarks: state.watermarks, origin: 'owner', version: state.version, from: state.advancedBy?.workflowId };
  const derived = await deriveWatermarks();
  return { watermarks: derived, origin: Object.keys(derived).length ? 'warehouse' : 'none', version: 0 };
}

function describeWindows(result: PipelineResult, windows: SourceWindow[]): string {
  const bounds = windows.map((w) => `${w.source} (${w.from ?? 'start'}, ${w.to}]${w.rows === undefined ? '' : ` ${w.rows} rows`}`).join(', ');
  return `watermarks ${describeWatermarkOrigin(result.watermarkOrigin, result.watermarksFrom)}; ${bounds}`;
}

/** The layers in order: dbt for raw, source, core and final; SQL activities for identity. */
export async function buildLayers(steps: StepProgress[], result: PipelineResult, fullRefresh: boolean): Promise<void> {
  for (const layer of LAYERS) {
    if (layer === 'identity') {
      const current = steps.find((s) => s.name === 'identity');
      result.identity = await step(steps, 'identity', () => resolveIdentities(fullRefresh, current), describeIdentity);
      continue;
    }
    result.layers.push(await step(steps, layer, () => dbtBuild({ layer, ...(fullRefresh ? { fullRefresh } : {}) }), describeLayer));
  }
}

function describeLanded(landed: LandResult): string {
  return landed.tables.map((t) => `${t.table} +${t.rowsInserted} (${t.rowsTotal} rows)`).join(', ');
}

function describeTables(tables: TableCount[]): string {
  return tables.map((t) => `${t.table}: ${t.rows}`).join(', ');
}

/**
 * Resolves the new identifiers of each entity type: stage the batch, run label rounds until
 * nothing changes, apply. Then the new membership identifiers are normalised.
 */
export async function resolveIdentities(fullRefresh: boolean, progress: StepProgress | undefined): Promise<IdentityRunSummary> {
  const runId = workflowInfo().runId;
  if (fullRefresh) await identityReset();
  const summary: IdentityRunSummary = { fullRefresh, memberships: { rows: 0 } };
  for (const entityType of ENTITY_TYPES) {
    const batch = await identityPrepare({ entityType, runId });
    if (batch.batchRows === 0 && !batch.alreadyApplied) continue;
    let iterations = 0;
    if (!batch.alreadyApplied) {
      for (;;) {
        const round = await identityIterate({ entityType, maxSeconds: ITERATE_SECONDS });
        iterations += round.rounds;
        if (progress) progress.detail = `${entityType}: ${batch.batchRows} new rows, round ${iterations}, ${round.changed} labels changed`;
        if (round.converged) break;
        if (iterations >= MAX_ROUNDS) {
          throw ApplicationFailure.nonRetryable(`${entityType} components did not converge after ${iterations} rounds`, 'IdentityNotConverged');
        }
      }
    }
    summary[entityType] = await identityApply({ entityType, runId, iterations });
  }
  summary.memberships = await identityMemberships({ runId });
  return summary;
}

export function describeIdentity(summary: IdentityRunSummary): string {
  const parts = ENTITY_TYPES.map((entityType) => {
    const applied: IdentityApplied | undefined = summary[entityType];
    if (!applied) return `${entityType}s: nothing new`;
    const extra = [
      applied.merges ? `${applied.merges} merged` : '',
      applied.quarantined ? `${applied.quarantined} edges quarantined` : '',
      applied.blocked ? `${applied.blocked} blocked` : '',
    ].filter(Boolean);
    return `${entityType}s: ${applied.batchRows} rows, ${applied.newEntities} new${extra.length ? `, ${extra.join(', ')}` : ''} (${applied.iterations} rounds)`;
  });
  const refresh = summary.fullRefresh ? 'full refresh (entity ids may be renumbered); ' : '';
  return `${refresh}${parts.join('; ')}; memberships: ${summary.memberships.rows} new rows`;
}

export async function step<T>(
  steps: StepProgress[],
  name: StepName,
  run: () => Promise<T>,
  describe: (value: T) => string,
): Promise<T> {
  const current = steps.find((s) => s.name === name);
  if (!current) throw ApplicationFailure.nonRetryable(`unknown step ${name}`);
  current.status = 'running';
  current.startedAt = Date.now();
  try {
    const value = await run();
    current.status = 'completed';
    current.detail = describe(value);
    return value;
  } catch (error) {
    current.status = 'failed';
    current.detail = rootCauseMessage(error);
    throw error;
  } finally {
    current.finishedAt = Date.now();
  }
}

export function describeLayer(layer: DbtLayerResult): string {
  const problems = layer.problems.length ? `, ${layer.problems.length} need attention` : '';
  return `${layer.models} models, ${layer.tests} tests in ${layer.seconds}s${problems}`;
}
