// Benchmark: identity resolution alone, ours vs. the common dbt-package approach.
//   node --import tsx bench/identity.ts [rows=10000000] [chains=10] [chainLength=10000]
// Builds core.person_identifiers with `rows` identifier rows in a fresh DuckDB file: entities
// of 4 identifiers linked as a chain by 3 records (3 hops), plus `chains` chains of
// `chainLength` identifiers (one record per link). Values are hashed, so their order says
// nothing about the graph. Then, each in its own process (for its peak RSS):
//   ours      the identity activities' SQL (prepare, label rounds until nothing changes, apply)
//   baseline  a recursive CTE walking at most 5 hops from every identifier (the usual dbt package)
// and counts, against the construction's truth, the true entities each splits (missed merges).
// Writes bench/results/identity-<rows>-<date>.json.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_IDENTITY_CONFIG, identityTable, type IdentityConfig } from '@hcrm/contracts';
import { resolveIdentityBatch } from '@hcrm/identity/testing';
import { openDuckDbWarehouse, type Warehouse } from '@hcrm/warehouse';
import { repoRoot, writeResults } from './results';

const [mode, file] = process.argv[2] === '--mode' ? [process.argv[3], process.argv[4]] : [undefined, undefined];

/** No limits: this measures the connected components, not the guards. */
const CONFIG: IdentityConfig = {
  ...DEFAULT_IDENTITY_CONFIG,
  person: { ...DEFAULT_IDENTITY_CONFIG.person, limits: {} },
};

const peakRssMiB = () => Math.round(Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024);

async function buildGraph(warehouse: Warehouse, rows: number, chains: number, chainLength: number): Promise<void> {
  const chainRows = chains * (chainLength - 1) * 2;
  const entities = Math.max(1, Math.floor((rows - chainRows) / 6));
  await warehouse.execute('create schema core');
  await warehouse.execute(`create table core.person_identifiers as
    select 'n' || e || '-' || r || '-' || k as id, 'ev' || e || '-' || r as event_id, 'row' || e || '-' || r as row_id,
        'external_id' as identifier_type, cast(hash(e * 4 + r + k) as varchar) as identifier_value, 'bench' as source,
        timestamp '2025-01-01' + to_seconds(e % 1000000) as occurred_at, timestamp '2025-06-01' as synced_at, timestamp '2026-01-01' as _ingested_at
    from range(${entities}) as t(e), range(3) as rr(r), range(2) as kk(k)
    union all
    select 'c' || c || '-' || j || '-' || k, 'evc' || c || '-' || j, 'rowc' || c || '-' || j,
        'external_id', 'c' || cast(hash(c * ${chainLength} + j + k + 1000000000000) as varchar), 'bench',
        timestamp '2025-01-01', timestamp '2025-06-01', timestamp '2026-01-01'
    from range(${chains}) as cc(c), range(${chainLength - 1}) as jj(j), range(2) as kk(k)`);
  await warehouse.execute(`create table bench_truth as
    select cast(hash(e * 4 + i) as varchar) as identifier_value, 'n' || e as true_id from range(${entities}) as t(e), range(4) as ii(i)
    union all
    select 'c' || cast(hash(c * ${chainLength} + j + 1000000000000) as varchar), 'c' || c from range(${chains}) as cc(c), range(${chainLength}) as jj(j)`);
}

/** True entities whose identifiers got more than one label: merges the method missed. */
async function missedMerges(warehouse: Warehouse, labels: string): Promise<{ split: number; trueEntities: number }> {
  const [row] = await warehouse.query<{ split: number; true_entities: number }>(`select
      (select count(*) from (select t.true_id from bench_truth as t inner join ${labels} as l on l.identifier_value = t.identifier_value
          group by t.true_id having count(distinct l.label) > 1)) as split,
      (select count(distinct true_id) from bench_truth) as true_entities`);
  return { split: Number(row?.split ?? 0), trueEntities: Number(row?.true_entities ?? 0) };
}

async function runMode(which: string, path: string): Promise<void> {
  const warehouse = await openDuckDbWarehouse({ path });
  const started = Date.now();
  let extra: Record<string, unknown> = {};
  if (which === 'ours') {
    const applied = await resolveIdentityBatch(warehouse, CONFIG, 'person', 'bench', { lookbackMinutes: 0 }); // one batch: nothing to re-read
    extra = { rounds: applied?.iterations, entities: applied?.newEntities };
    await warehouse.execute(`create table bench_labels as select identifier_value, entity_id as label from ${identityTable('person', 'map')}`);
  } else {
    // The usual dbt-package approach: edges within a record, then a recursive walk of at most
    // 5 hops from every identifier; each identifier takes the smallest identifier it reached.
    await warehouse.execute(`create table bench_labels as
      with recursive ids as (
          select row_id, identifier_value, row_number() over (partition by row_id order by identifier_value) as position
          from core.person_identifiers
      ),
      edges as (
          select a.identifier_value as a, b.identifier_value as b from ids as a inner join ids as b on a.row_id = b.row_id and a.position < b.position
      ),
      both_ways as (select a, b from edges union select b, a from edges),
      walk(node, reached, depth) as (
          select distinct identifier_value, identifier_value, 0 from ids
          union
          select walk.node, both_ways.b, walk.depth + 1 from walk inner join both_ways on both_ways.a = walk.reached where walk.depth < 5
      )
      select node as identifier_value, min(reached) as label from walk group by node`);
  }
  const seconds = (Date.now() - started) / 1000;
  const missed = await missedMerges(warehouse, 'bench_labels');
  await warehouse.close();
  console.log(JSON.stringify({ method: which, seconds, peakRssMiB: peakRssMiB(), ...missed, ...extra }));
}

if (mode && file) {
  await runMode(mode, file);
} else {
  const rows = Number(process.argv[2] ?? 10_000_000);
  const chains = Number(process.argv[3] ?? 10);
  const chainLength = Number(process.argv[4] ?? 10_000);
  const dir = mkdtempSync(join(tmpdir(), 'hcrm-bench-identity-'));
  const base = join(dir, 'base.duckdb');
  const warehouse = await openDuckDbWarehouse({ path: base });
  const built = Date.now();
  await buildGraph(warehouse, rows, chains, chainLength);
  const [{ n } = { n: 0 }] = await warehouse.query<{ n: number }>('select count(*) as n from core.person_identifiers');
  await warehouse.close();
  console.error(`built ${n.toLocaleString('en-US')} identifier rows in ${((Date.now() - built) / 1000).toFixed(1)} s (${dir})`);
  const results = [];
  for (const method of ['ours', 'baseline']) {
    const copy = join(dir, `${method}.duckdb`);
    copyFileSync(base, copy);
    const run = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--mode', method, copy], { cwd: repoRoot, encoding: 'utf8', timeout: 3_600_000 });
    if (run.status !== 0) {
      console.error(`${method} failed:`, run.stderr.slice(-2000));
      results.push({ method, failed: run.stderr.split('\n').filter(Boolean).slice(-3).join(' ') });
    } else {
      results.push(JSON.parse(run.stdout.trim().split('\n').at(-1) as string) as Record<string, unknown>);
    }
    rmSync(copy, { force: true });
  }
  console.table(results);
  console.log(`wrote ${writeResults(`identity-${rows}`, { rows: n, chains, chainLength, results })}`);
  rmSync(dir, { recursive: true, force: true });
}
