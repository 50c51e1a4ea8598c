import { ApplicationFailure, defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import {
  LAYERS,
  rootCauseMessage,
  type DbtLayerResult,
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

/** Answers with the state of every step; `hcrm run` polls it to print progress. */
export const progressQuery = defineQuery<PipelineProgress>('progress');

/**
 * One pipeline run: land the demo data (optional), then build the layers in order
 * (raw, source, core, identity, final) with dbt, then count the final tables.
 */
export async function pipelineRun(input: PipelineInput = {}): Promise<PipelineResult> {
  const landDemo = input.landDemoData ?? true;
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
    result.layers.push(await step(steps, layer, () => dbtBuild({ layer }), describeLayer));
  }
  result.finalTables = await step(steps, 'summarize', summarizeFinalTables, (tables) =>
    tables.map((t) => `${t.table}: ${t.rows}`).join(', '),
  );
  return result;
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
