#!/usr/bin/env node
// Benchmark: `hcrm ingest manual` on a generated JSON Lines file.
//   node bench/ingest-manual.mjs [lines=200000]
// Prints lines/s, file size and peak RSS of the import process, and writes
// bench/results/ingest-manual-<date>.json with the machine's facts.
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const lines = Number(process.argv[2] ?? 200_000);
const dir = mkdtempSync(join(tmpdir(), 'hcrm-bench-ingest-'));
const file = join(dir, 'records.jsonl');

const out = createWriteStream(file);
for (let i = 0; i < lines; i += 1) {
  const record = {
    id: `rec-${i}`,
    occurred_at: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString(),
    event_name: 'form_submitted',
    persons: [{ identifiers: { email: `person${i % 50_000}@example.com`, phone: `+1 555 ${String(i).padStart(7, '0')}` }, traits: { name: `Person ${i}` } }],
    groups: [{ identifiers: { domain: `company${i % 5_000}.com` }, traits: { name: `Company ${i % 5_000}` } }],
    memberships: [{ person: { email: `person${i % 50_000}@example.com` }, group: { domain: `company${i % 5_000}.com` }, role: 'member' }],
  };
  if (!out.write(`${i % 1000 === 999 ? 'not json' : JSON.stringify(record)}\n`)) await new Promise((r) => out.once('drain', r));
}
await new Promise((r) => out.end(r));

const started = Date.now();
const run = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, join(repoRoot, 'apps/cli/bin/hcrm.js'), 'ingest', 'manual', file], {
  env: { ...process.env, HCRM_STATE_DIR: join(dir, 'state') },
  encoding: 'utf8',
});
const seconds = (Date.now() - started) / 1000;
if (run.status !== 0) {
  console.error(run.stdout, run.stderr);
  process.exit(1);
}
const peakRssMiB = Number(run.stderr.trim().split('\n').at(-1)) / 1024;
const result = {
  benchmark: 'ingest-manual',
  lines,
  fileMiB: +(statSync(file).size / 2 ** 20).toFixed(1),
  seconds: +seconds.toFixed(1),
  linesPerSecond: Math.round(lines / seconds),
  peakRssMiB: Math.round(peakRssMiB),
  summary: run.stdout.split('\n').slice(0, 2).join(' / '),
  machine: { cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, date: new Date().toISOString() },
};
console.table([{ lines, 'file MiB': result.fileMiB, seconds: result.seconds, 'lines/s': result.linesPerSecond, 'peak RSS MiB': result.peakRssMiB }]);
mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
writeFileSync(join(repoRoot, 'bench/results', `ingest-manual-${result.machine.date.slice(0, 10)}.json`), `${JSON.stringify(result, null, 2)}\n`);
rmSync(dir, { recursive: true, force: true });
