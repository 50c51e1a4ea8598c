import {
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  patched,
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
} from '@hcrm/core';

// Short steps: a few quick retries cover a transient failure (a busy file, a restart).
export const { landDemoData, summarizeFinalTables, setWindows, deriveWatermarks, previousRunWatermarks, checkSources, releaseWarehouse } = proxyActivities<PipelineActivities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 5 },
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
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 5 },
});
const { identityIterate } = proxyActivities<PipelineActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 5 },
});

// Waiting for the warehouse: retried until the holder finishes, the error says who holds it.
export const { acquireWarehouse } = proxyActivities<PipelineActivities>({
  startToCloseTimeout: '1 minute',
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
 * (optional), fix each source's window from the previous run's watermarks, build the raw,
 * source and core layers with dbt, resolve identities, build the final layer, count the
 * final tables, and return the new watermarks (the next run starts from them).
 */
export async function pipelineRun(input: PipelineInput = {}): Promise<PipelineResult> {
  const landDemo = input.landDemoData ?? true;
  const fullRefresh = input.fullRefresh ?? false;
  // Runs recorded before the warehouse lock and windows existed replay their own sequence.
  const exclusive = patched('warehouse-lock-and-windows');
  const stepNames: StepName[] = [
    ...(exclusive ? (['lock'] as const) : []),
    ...(landDemo ? (['land'] as const) : []),
    ...(exclusive ? (['windows'] as const) : []),
    ...LAYERS,
    'summarize',
  ];
  const steps: StepProgress[] = stepNames.map((name) => ({ name, status: 'pending' }));
  setHandler(progressQuery, () => ({ steps }));
  const result: PipelineResult = { steps, layers: [], finalTables: [] };

  if (!exclusive) {
    if (landDemo) result.landed = await step(steps, 'land', landDemoData, describeLanded);
    await buildLayers(steps, result, fullRefresh);
    result.finalTables = await step(steps, 'summarize', summarizeFinalTables, describeTables);
    return result;
  }

  const info = workflowInfo();
  const owner: LockOwner = { workflowId: info.workflowId, runId: info.runId, purpose: 'pipeline run' };
  await step(steps, 'lock', () => acquireWarehouse(owner), () => 'no other run or backfill is working on the warehouse');
  try {
    if (landDemo) result.landed = await step(steps, 'land', landDemoData, describeLanded);
    // The upper bound of every window: the time the run started (deterministic in replay).
    const upperBound = new Date(info.runStartTime ?? Date.now()).toISOString();
    result.windows = await step(
      steps,
      'windows',
      async () => {
        const start = await startingWatermarks(input, fullRefresh);
        result.watermarkOrigin = start.origin;
        if (start.from) result.watermarksFrom = start.from;
        return setWindows({ from: start.watermarks, to: upperBound, runId: info.runId });
      },
      (windows) => describeWindows(result, windows),
    );
    await buildLayers(steps, result, fullRefresh, true);
    result.finalTables = await step(steps, 'summarize', summarizeFinalTables, describeTables);
    // Each source moves to the latest synced_at its window held (a row committed later with a
    // later synced_at is in the next window); a source with nothing new keeps its watermark.
    const next: WatermarkMap = {};
    for (const window of result.windows) {
      const watermark = window.latest ?? window.from;
      if (watermark) next[window.source] = watermark;
    }
    result.watermarks = next;
    upsertMemo({ watermarks: result.watermarks });
    return result;
  } finally {
    await CancellationScope.nonCancellable(() => releaseWarehouse(owner));
  }
}

interface StartingWatermarks {
  watermarks: WatermarkMap;
  origin: WatermarkOrigin;
  from?: string;
}

/** The previous successful run's watermarks: from the input, the schedule, or the warehouse. */
async function startingWatermarks(input: PipelineInput, fullRefresh: boolean): Promise<StartingWatermarks> {
  if (fullRefresh) return { watermarks: {}, origin: 'full-refresh' };
  if (input.watermarks) return { watermarks: input.watermarks, origin: 'previous-run', from: input.watermarksFrom };
  const last = workflowInfo().lastResult as Partial<PipelineResult> | undefined;
  if (last?.watermarks) return { watermarks: last.watermarks, origin: 'schedule' };
  // Started without them (a schedule's manual trigger, the UI): the latest successful run's.
  const previous = await previousRunWatermarks();
  if (previous) return { watermarks: previous.watermarks, origin: 'previous-run', from: previous.workflowId };
  const derived = await deriveWatermarks();
  return { watermarks: derived, origin: Object.keys(derived).length ? 'warehouse' : 'none' };
}

function describeWindows(result: PipelineResult, windows: SourceWindow[]): string {
  const bounds = windows.map((w) => `${w.source} (${w.from ?? 'start'}, ${w.to}]${w.rows === undefined ? '' : ` ${w.rows} rows`}`).join(', ');
  return `watermarks ${describeWatermarkOrigin(result.watermarkOrigin, result.watermarksFrom)}; ${bounds}`;
}

/** The layers in order: dbt for raw, source, core and final; SQL activities for identity. */
export async function buildLayers(steps: StepProgress[], result: PipelineResult, fullRefresh: boolean, windows = false): Promise<void> {
  for (const layer of LAYERS) {
    // Runs recorded before identity moved to SQL activities built it with dbt; replaying
    // them must take the same path.
    if (layer === 'identity' && patched('identity-sql-activities')) {
      const current = steps.find((s) => s.name === 'identity');
      result.identity = await step(steps, 'identity', () => resolveIdentities(fullRefresh, current), describeIdentity);
      continue;
    }
    result.layers.push(
      await step(steps, layer, () => dbtBuild({ layer, ...(fullRefresh ? { fullRefresh } : {}), ...(windows ? { windows } : {}) }), describeLayer),
    );
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
