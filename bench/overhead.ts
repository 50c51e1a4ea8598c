// Benchmark: what orchestration costs. The same full build (the same activities: dbt layers in
// the worker's long-lived dbt process, identity SQL, windows, lock, summary) on copies of one
// generated warehouse, once through Temporal (a local dev server, the pipeline worker, the
// pipelineRun workflow) and once bare (this process calls the activities in the workflow's
// order, with no server and no worker).
//   node --import tsx bench/overhead.ts [persons=100000] [repeats=3]
// Each repeat runs both, alternating which goes first; the table shows every trial and the
// medians, and bench/results/overhead-<persons>-<date>.json keeps them with the machine's facts.
// Not measured here: starting the dev server and the CLI (`hcrm run` does both when no
// `hcrm up` is running); a scheduled run on a running stack pays neither.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MockActivityEnvironment, TestWorkflowEnvironment } from '@temporalio/testing';
import { createActivities } from '@hcrm/activities';
import { duckDbPath, loadConfig, type HcrmConfig } from '@hcrm/config';
import { applyWatermarkAdvance, EMPTY_WATERMARK_STATE, ENTITY_TYPES, type Layer, type PipelineActivities, type PipelineInput, type PipelineResult } from '@hcrm/contracts';
import { DbtSession } from '@hcrm/dbt';
import { createPipelineWorker, registeredSources } from '@hcrm/pipeline';
import { openDuckDbWarehouse } from '@hcrm/warehouse';
import { measure } from './processes';
import { writeResults } from './results';

const persons = Number(process.argv[2] ?? 100_000);
const repeats = Number(process.argv[3] ?? 3);
/** Time for a fresh dbt process to finish its imports, as it has in a worker that is up. */
const WARM_UP_MS = 3000;

const base = mkdtempSync(join(tmpdir(), `hcrm-bench-overhead-${persons}-`));
console.error(`generating ${persons.toLocaleString('en-US')} persons in ${base}`);
await measure(['generate', '--persons', String(persons), '--seed', '7'], { HCRM_STATE_DIR: base });

/** A state dir of its own holding a copy of the generated warehouse. */
function trialConfig(name: string): HcrmConfig {
  const stateDir = join(base, name);
  mkdirSync(stateDir, { recursive: true });
  copyFileSync(join(base, 'warehouse.duckdb'), join(stateDir, 'warehouse.duckdb'));
  return loadConfig({ ...process.env, HCRM_STATE_DIR: stateDir, HCRM_DUCKDB_PATH: '', TEMPORAL_ADDRESS: '' });
}

interface Trial {
  mode: 'temporal' | 'bare';
  seconds: number;
  steps: Record<string, number>;
  persons: number;
}

const temporal = await TestWorkflowEnvironment.createLocal({
  server: { executable: { type: 'existing-path', path: loadConfig().temporal.cliPath } },
});

async function viaTemporal(config: HcrmConfig, id: string): Promise<Trial> {
  const worker = await createPipelineWorker({ config, connection: temporal.nativeConnection, client: temporal.client });
  await sleep(WARM_UP_MS);
  const started = Date.now();
  const result = await worker.runUntil(
    temporal.client.workflow.execute<(input: PipelineInput) => Promise<PipelineResult>>('pipelineRun', { taskQueue: config.temporal.taskQueue, workflowId: id, args: [{ landDemoData: false }] }),
  );
  const seconds = (Date.now() - started) / 1000;
  const steps = Object.fromEntries(result.steps.map((s) => [s.name, ((s.finishedAt ?? 0) - (s.startedAt ?? 0)) / 1000]));
  return { mode: 'temporal', seconds, steps, persons: personsOf(result) };
}

function personsOf(result: Pick<PipelineResult, 'finalTables'>): number {
  return result.finalTables.find((t) => t.table === 'persons')?.rows ?? 0;
}

/** The workflow's sequence for a first run, each activity called directly. */
async function bare(config: HcrmConfig, id: string): Promise<Trial> {
  const dbtSession = config.dbt.session ? new DbtSession({ python: config.dbt.python }) : undefined;
  dbtSession?.warm();
  let ownerState = EMPTY_WATERMARK_STATE;
  const activities = createActivities({
    config,
    openWarehouse: () => openDuckDbWarehouse({ path: duckDbPath(config.warehouse) }),
    sources: registeredSources,
    isRunning: async () => false,
    // No Temporal here: the owner's state lives in memory, with the owner workflow's own rules.
    watermarkOwner: {
      read: async () => ownerState,
      advance: async (advance) => (ownerState = applyWatermarkAdvance(ownerState, advance, new Date().toISOString())),
    },
    ...(dbtSession ? { dbtSession } : {}),
  });
  const context = new MockActivityEnvironment();
  const call = <K extends keyof PipelineActivities>(name: K, ...args: Parameters<PipelineActivities[K]>) =>
    context.run(activities[name] as (...a: unknown[]) => Promise<never>, ...args) as ReturnType<PipelineActivities[K]>;
  await sleep(WARM_UP_MS);
  const steps: Record<string, number> = {};
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    const value = await work();
    steps[name] = (Date.now() - started) / 1000;
    return value;
  };
  const owner = { workflowId: id, runId: id, purpose: 'pipeline run' };
  const started = Date.now();
  await timed('lock', () => call('acquireWarehouse', owner));
  const read = await call('readWatermarks');
  // As the workflow does: the owner's watermarks, seeded from the warehouse while it was never advanced.
  const from = read.version > 0 ? read.watermarks : await call('deriveWatermarks');
  const windows = await timed('windows', async () => call('setWindows', { from, to: new Date(started).toISOString(), runId: id }));
  const build = (layer: Layer) => timed(layer, () => call('dbtBuild', { layer }));
  for (const layer of ['raw', 'source', 'core'] as const) await build(layer);
  await timed('identity', async () => {
    for (const entityType of ENTITY_TYPES) {
      const batch = await call('identityPrepare', { entityType, runId: id });
      if (batch.batchRows === 0) continue;
      let iterations = 0;
      for (;;) {
        const round = await call('identityIterate', { entityType, maxSeconds: 30 });
        iterations += round.rounds;
        if (round.converged) break;
      }
      await call('identityApply', { entityType, runId: id, iterations });
    }
    await call('identityMemberships', { runId: id });
  });
  await build('final');
  const finalTables = await timed('summarize', () => call('summarizeFinalTables'));
  const next = Object.fromEntries(windows.flatMap((w) => (w.latest ?? w.from ? [[w.source, (w.latest ?? w.from)!]] : [])));
  await timed('watermarks', () => call('advanceWatermarks', { workflowId: id, runId: id, basedOn: read.version, watermarks: next }));
  await call('releaseWarehouse', owner);
  await dbtSession?.close();
  return { mode: 'bare', seconds: (Date.now() - started) / 1000, steps, persons: personsOf({ finalTables }) };
}

const trials: Trial[] = [];
try {
  for (let repeat = 0; repeat < repeats; repeat++) {
    const order = repeat % 2 === 0 ? (['temporal', 'bare'] as const) : (['bare', 'temporal'] as const);
    for (const mode of order) {
      const id = `overhead-${mode}-${repeat}`;
      const trial = mode === 'temporal' ? await viaTemporal(trialConfig(id), id) : await bare(trialConfig(id), id);
      console.error(`${id}: ${trial.seconds.toFixed(1)} s, ${trial.persons} persons`, trial.steps);
      trials.push(trial);
      rmSync(join(base, id), { recursive: true, force: true });
    }
  }
} finally {
  await temporal.teardown();
  rmSync(base, { recursive: true, force: true });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const medianOf = (mode: Trial['mode']) => median(trials.filter((t) => t.mode === mode).map((t) => t.seconds));
const [viaServer, direct] = [medianOf('temporal'), medianOf('bare')];
const overhead = (viaServer - direct) / direct;
console.table(trials.map((t) => ({ mode: t.mode, seconds: +t.seconds.toFixed(1), persons: t.persons, ...t.steps })));
console.log(
  `median full build of ${persons.toLocaleString('en-US')} persons: temporal ${viaServer.toFixed(1)} s, bare ${direct.toFixed(1)} s, ` +
    `overhead ${(viaServer - direct).toFixed(1)} s (${(overhead * 100).toFixed(1)} %; target <= 10 %)`,
);
console.log(`wrote ${writeResults(`overhead-${persons}`, { persons, repeats, trials, medians: { temporal: viaServer, bare: direct }, overhead })}`);
