// Benchmark: generate N persons, full build through Temporal, then an incremental run, then
// resolution quality against the ground truth.
//   node --import tsx bench/scale.ts 10000 100000 [1000000]
// For each size: generation time, full build wall time and peak RSS of all processes (hcrm,
// the Temporal dev server, dbt), per-layer times, the incremental run (1,000 new events), and
// pairwise precision / recall. Writes bench/results/scale-<date>.json; prints tables and the
// growth exponent of the full build.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureQuality, type ResolutionQuality } from '@hcrm/generator';
import { openDuckDbWarehouse } from '@hcrm/warehouse';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const hcrm = join(repoRoot, 'apps/cli/bin/hcrm.js');
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
if (!sizes.length) sizes.push(10_000, 100_000);

/** Sum of VmRSS over a process and all its descendants, from /proc. */
function treeRssKiB(root: number): number {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const ppid = Number(/PPid:\s+(\d+)/.exec(status)?.[1]);
      const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      rss.set(Number(entry), kib);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  const queue = [root];
  while (queue.length) {
    const pid = queue.pop() as number;
    total += rss.get(pid) ?? 0;
    queue.push(...(children.get(pid) ?? []));
  }
  return total;
}

interface Measured {
  seconds: number;
  peakRssMiB: number;
  stdout: string;
}

function measure(args: string[], env: Record<string, string>): Promise<Measured> {
  return new Promise((done, fail) => {
    const started = Date.now();
    const child = spawn(process.execPath, [hcrm, ...args], { cwd: repoRoot, env: { ...process.env, TEMPORAL_ADDRESS: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    let peak = 0;
    const timer = setInterval(() => (peak = Math.max(peak, treeRssKiB(child.pid as number))), 200);
    child.on('close', (code) => {
      clearInterval(timer);
      if (code !== 0) fail(new Error(`hcrm ${args.join(' ')} failed (${code}):\n${stdout}\n${stderr}`));
      else done({ seconds: (Date.now() - started) / 1000, peakRssMiB: Math.round(peak / 1024), stdout });
    });
  });
}

/** Seconds per step from `hcrm run`'s summary table. */
function stepSeconds(stdout: string): Record<string, number> {
  const steps: Record<string, number> = {};
  for (const line of stdout.split('\n')) {
    const match = /^(\w+)\s+\| completed \| ([\d.]+)/.exec(line);
    if (match) steps[match[1] as string] = Number(match[2]);
  }
  return steps;
}

const results = [];
for (const persons of sizes) {
  const stateDir = mkdtempSync(join(tmpdir(), `hcrm-bench-scale-${persons}-`));
  const env = { HCRM_STATE_DIR: stateDir };
  console.error(`\n== ${persons.toLocaleString('en-US')} persons (state ${stateDir})`);
  // The base was synced over the day that ended two hours ago, so the increment's window
  // (latest base row minus the 10-minute lookback, now] holds the new rows and the base's last
  // ten minutes, as in a pipeline that runs regularly.
  const baseSyncedBefore = new Date(Date.now() - 2 * 3_600_000).toISOString();
  const generated = await measure(
    ['generate', '--persons', String(persons), '--seed', '7', '--synced-before', baseSyncedBefore, '--synced-spread', '1440'],
    env,
  );
  console.error(generated.stdout.trim());
  const full = await measure(['run', '--no-demo-data'], env);
  const fullSteps = stepSeconds(full.stdout);
  console.error(`full build ${full.seconds.toFixed(1)} s, peak RSS ${full.peakRssMiB} MiB`, fullSteps);
  // 1,000 new events: 500 new persons (2 records each) on top of the base.
  const appended = await measure(['generate', '--persons', '500', '--seed', '8', '--append', '--existing-persons', '1'], env);
  const incremental = await measure(['run', '--no-demo-data'], env);
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
    full: { seconds: full.seconds, peakRssMiB: full.peakRssMiB, steps: fullSteps },
    incremental: { seconds: incremental.seconds, peakRssMiB: incremental.peakRssMiB, steps: incrementalSteps },
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
    'person P': +(r.quality[0]?.precision ?? 0).toFixed(4),
    'person R': +(r.quality[0]?.recall ?? 0).toFixed(4),
    'person R linkable': +(r.quality[0]?.recallLinkable ?? 0).toFixed(4),
    'group P': +(r.quality[1]?.precision ?? 0).toFixed(4),
    'group R': +(r.quality[1]?.recall ?? 0).toFixed(4),
  })),
);
console.table(results.map((r) => ({ persons: r.persons, ...r.full.steps })));
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
const dbt = spawnSync(join(repoRoot, '.venv/bin/dbt'), ['--version'], { encoding: 'utf8' }).stdout.split('\n')[1]?.trim();
const machine = { cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, dbt, date: new Date().toISOString() };
mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
const file = join(repoRoot, 'bench/results', `scale-${sizes.join('-')}-${machine.date.slice(0, 10)}.json`);
writeFileSync(file, `${JSON.stringify({ benchmark: 'scale', results, growthExponent: exponent, machine }, null, 2)}\n`);
console.log(`wrote ${file}`);
