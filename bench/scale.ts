// Benchmark: generate N persons, full build through Temporal, then an incremental run, then
// resolution quality against the ground truth.
//   node --import tsx bench/scale.ts 10000 100000 [1000000]
// For each size: generation time, full build wall time and peak RSS of all processes (hcrm,
// the Temporal dev server, dbt), per-layer times, two incremental runs (1,000 new events
// each): the first with `hcrm run` (which starts a dev server and a worker) right after the
// full build, the second on a running `hcrm up` as a schedule runs it; the slowest final-layer
// nodes, and pairwise precision / recall. Writes bench/results/scale-<sizes>-<date>.json;
// prints tables and the growth exponent of the full build.
//
// The lookback is 2 minutes (hcrm.yml pipeline.lookback_minutes; default 10), and the first
// increment runs when the base is older than that: identity resolution re-reads the rows
// ingested within the lookback before its last batch, so the first run after a full build
// re-reads the whole base (it was all ingested within seconds), and a later one only what the
// runs of the last lookback brought, as in a schedule. The second increment measures that.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureQuality, type ResolutionQuality } from '@hcrm/synthetic';
import { openDuckDbWarehouse } from '@hcrm/warehouse';
import { measure, startStack } from './processes';
import { repoRoot, writeResults } from './results';

const LOOKBACK_MINUTES = 2;

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
if (!sizes.length) sizes.push(10_000, 100_000);

/** Seconds per step from `hcrm run`'s summary table. */
function stepSeconds(stdout: string): Record<string, number> {
  const steps: Record<string, number> = {};
  for (const line of stdout.split('\n')) {
    const match = /^(\w+)\s+\| completed \| ([\d.]+)/.exec(line);
    if (match) steps[match[1] as string] = Number(match[2]);
  }
  return steps;
}

/** The slowest nodes (models, tests) of the last dbt command of a run (the final layer), in seconds. */
function slowestNodes(stateDir: string): Record<string, number> {
  const runResults = JSON.parse(readFileSync(join(stateDir, 'dbt/target/run_results.json'), 'utf8')) as {
    results: Array<{ unique_id: string; execution_time: number }>;
  };
  return Object.fromEntries(
    runResults.results
      .sort((a, b) => b.execution_time - a.execution_time)
      .slice(0, 8)
      .map((r) => [r.unique_id.split('.').slice(2).join('.'), Math.round(r.execution_time * 100) / 100]),
  );
}

const results = [];
for (const persons of sizes) {
  const stateDir = mkdtempSync(join(tmpdir(), `hcrm-bench-scale-${persons}-`));
  const config = join(stateDir, 'hcrm.yml');
  // The project's hcrm.yml with its pipeline section replaced by the benchmark's lookback.
  const project = readFileSync(join(repoRoot, 'hcrm.yml'), 'utf8').replace(/^pipeline:\n(?:[ #].*\n|\n)*/m, `pipeline:\n  lookback_minutes: ${LOOKBACK_MINUTES}\n\n`);
  if (!project.includes(`lookback_minutes: ${LOOKBACK_MINUTES}`)) throw new Error('hcrm.yml has no pipeline section for the benchmark to set');
  writeFileSync(config, project);
  const env = { HCRM_STATE_DIR: stateDir, HCRM_CONFIG: config };
  console.error(`\n== ${persons.toLocaleString('en-US')} persons (state ${stateDir})`);
  // The base was synced over the day that ended two hours ago, so the increment's window
  // (latest base row minus the lookback, now] holds the new rows and the base's last
  // minutes, as in a pipeline that runs regularly.
  const baseSyncedBefore = new Date(Date.now() - 2 * 3_600_000).toISOString();
  const generated = await measure(
    ['generate', '--persons', String(persons), '--seed', '7', '--synced-before', baseSyncedBefore, '--synced-spread', '1440'],
    env,
  );
  console.error(generated.stdout.trim());
  const full = await measure(['run', '--no-demo-data'], env);
  const fullFinalNodes = slowestNodes(stateDir);
  const fullSteps = stepSeconds(full.stdout);
  console.error(`full build ${full.seconds.toFixed(1)} s, peak RSS ${full.peakRssMiB} MiB`, fullSteps);
  // 1,000 new events: 500 new persons (2 records each) on top of the base, synced in the last
  // minute (inside the lookback), once the base is older than the lookback.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, LOOKBACK_MINUTES * 60_000 + 5000 - (Date.now() - full.endedAt))));
  const increment = (seed: string) => ['generate', '--persons', '500', '--seed', seed, '--append', '--existing-persons', '1', '--synced-spread', '1'];
  const appended = await measure(increment('8'), env);
  const incremental = await measure(['run', '--no-demo-data'], env);
  const incrementalFinalNodes = slowestNodes(stateDir);
  // The same again on a running stack (`hcrm up`: server, worker and its dbt process already
  // up), as a schedule runs it; `hcrm run` above started a dev server and a worker first.
  await measure(increment('9'), env);
  const stack = await startStack(env);
  let onStack: Awaited<ReturnType<typeof measure>>;
  try {
    await new Promise((resolve) => setTimeout(resolve, 3000));
    onStack = await measure(['run', '--no-demo-data'], env);
  } finally {
    await stack.stop();
  }
  const onStackSteps = stepSeconds(onStack.stdout);
  const onStackFinalNodes = slowestNodes(stateDir);
  console.error(`incremental on a running stack ${onStack.seconds.toFixed(1)} s`, onStackSteps);
  const incrementalSteps = stepSeconds(incremental.stdout);
  console.error(`incremental ${incremental.seconds.toFixed(1)} s`, incrementalSteps, appended.stdout.split('\n')[0]);
  const warehouse = await openDuckDbWarehouse({ path: join(stateDir, 'warehouse.duckdb') });
  const quality: ResolutionQuality[] = [await measureQuality(warehouse, 'person'), await measureQuality(warehouse, 'group')];
  const [{ rows } = { rows: 0 }] = await warehouse.query<{ rows: number }>('select count(*) as rows from core.person_identifiers');
  await warehouse.close();
  results.push({
    persons,
    generateSeconds: generated.seconds,
    personIdentifierRows: rows,
    full: { seconds: full.seconds, peakRssMiB: full.peakRssMiB, steps: fullSteps, finalNodes: fullFinalNodes },
    incremental: { seconds: incremental.seconds, peakRssMiB: incremental.peakRssMiB, steps: incrementalSteps, finalNodes: incrementalFinalNodes },
    lookbackMinutes: LOOKBACK_MINUTES,
    // peak RSS here is the `hcrm run` client's alone: the server and worker belong to `hcrm up`.
    incrementalOnRunningStack: { seconds: onStack.seconds, steps: onStackSteps, finalNodes: onStackFinalNodes },
    quality,
  });
  rmSync(stateDir, { recursive: true, force: true });
}

console.table(
  results.map((r) => ({
    persons: r.persons,
    'identifier rows': r.personIdentifierRows,
    'generate s': +r.generateSeconds.toFixed(1),
    'full build s': +r.full.seconds.toFixed(1),
    'peak RSS MiB': r.full.peakRssMiB,
    'incremental s': +r.incremental.seconds.toFixed(1),
    'incremental on stack s': +r.incrementalOnRunningStack.seconds.toFixed(1),
    'person P': +(r.quality[0]?.precision ?? 0).toFixed(4),
    'person R': +(r.quality[0]?.recall ?? 0).toFixed(4),
    'person R linkable': +(r.quality[0]?.recallLinkable ?? 0).toFixed(4),
    'group P': +(r.quality[1]?.precision ?? 0).toFixed(4),
    'group R': +(r.quality[1]?.recall ?? 0).toFixed(4),
  })),
);
console.table(results.map((r) => ({ persons: r.persons, ...r.full.steps })));
console.table(results.map((r) => ({ persons: r.persons, ...r.incremental.steps })));
for (const r of results) console.log(`${r.persons} persons, slowest final-layer nodes: full`, r.full.finalNodes, 'incremental', r.incremental.finalNodes);
let exponent: number | undefined;
if (results.length >= 2) {
  // Least-squares slope of log(time) over log(persons).
  const xs = results.map((r) => Math.log(r.persons));
  const ys = results.map((r) => Math.log(r.full.seconds));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  exponent = xs.reduce((s, x, i) => s + (x - mx) * ((ys[i] as number) - my), 0) / xs.reduce((s, x) => s + (x - mx) ** 2, 0);
  console.log(`growth exponent of the full build: ${exponent.toFixed(2)} (1 = linear)`);
}
console.log(`wrote ${writeResults(`scale-${sizes.join('-')}`, { results, growthExponent: exponent })}`);
