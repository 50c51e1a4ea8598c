import { ApplicationFailure, defineQuery, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  ENTITY_TYPES,
  LAYERS,
  rootCauseMessage,
  type DbtLayerResult,
  type IdentityApplied,
  type IdentityRunSummary,
  type PipelineActivities,
  type PipelineInput,
  type PipelineProgress,
  type PipelineResult,
  type StepName,
  type StepProgress,
} from '@hcrm/core';

// Short steps: a few quick retries cover a transient failure (a busy file, a restart).
const { landDemoData, summarizeFinalTables } = proxyActivities<PipelineActivities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 5 },
});

// dbt runs for as long as the data needs; the heartbeat timeout notices a dead worker instead.
const { dbtBuild } = proxyActivities<PipelineActivities>({
  startToCloseTimeout: '4 hours',
  heartbeatTimeout: '2 minutes',
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

/** Seconds of label rounds per identityIterate call; the workflow loops until convergence. */
const ITERATE_SECONDS = 30;
/** A graph that has not converged after this many rounds points at a bug, not at big data. */
const MAX_ROUNDS = 500;

/** Answers with the state of every step; `hcrm run` polls it to print progress. */
export const progressQuery = defineQuery<PipelineProgress>('progress');

/**
 * One pipeline run: land the demo data (optional), then build the layers in order
 * (raw, source, core, identity, final) with dbt, then count the final tables.
 */
export async function pipelineRun(input: PipelineInput = {}): Promise<PipelineResult> {
  const landDemo = input.landDemoData ?? true;
  const fullRefresh = input.fullRefresh ?? false;
  const stepNames: StepName[] = [...(landDemo ? (['land'] as const) : []), ...LAYERS, 'summarize'];
  const steps: StepProgress[] = stepNames.map((name) => ({ name, status: 'pending' }));
  setHandler(progressQuery, () => ({ steps }));

  const result: PipelineResult = { steps, layers: [], finalTables: [] };

  if (landDemo) {
    result.landed = await step(steps, 'land', landDemoData, (landed) =>
      landed.tables.map((t) => `${t.table} +${t.rowsInserted} (${t.rowsTotal} rows)`).join(', '),
    );
  }
  for (const layer of LAYERS) {
    // Runs recorded before identity moved to SQL activities built it with dbt; replaying
    // them must take the same path.
    if (layer === 'identity' && patched('identity-sql-activities')) {
      const current = steps.find((s) => s.name === 'identity');
      result.identity = await step(steps, 'identity', () => resolveIdentities(fullRefresh, current), describeIdentity);
      continue;
    }
    result.layers.push(await step(steps, layer, () => dbtBuild({ layer, ...(fullRefresh ? { fullRefresh } : {}) }), describeLayer));
  }
  result.finalTables = await step(steps, 'summarize', summarizeFinalTables, (tables) =>
    tables.map((t) => `${t.table}: ${t.rows}`).join(', '),
  );
  return result;
}

/**
 * Resolves the new identifiers of each entity type: stage the batch, run label rounds until
 * nothing changes, apply. Then the new membership identifiers are normalised.
 */
async function resolveIdentities(fullRefresh: boolean, progress: StepProgress | undefined): Promise<IdentityRunSummary> {
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

function describeIdentity(summary: IdentityRunSummary): string {
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

async function step<T>(
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

function describeLayer(layer: DbtLayerResult): string {
  const problems = layer.problems.length ? `, ${layer.problems.length} need attention` : '';
  return `${layer.models} models, ${layer.tests} tests in ${layer.seconds}s${problems}`;
}
