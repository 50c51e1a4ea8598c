// What every benchmark records next to its figures: the machine's facts, and the JSON file in
// bench/results/ named after the benchmark, its parameters and the date.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface Machine {
  cores: number;
  memoryGiB: number;
  node: string;
  dbt: string | undefined;
  date: string;
}

export function machineFacts(): Machine {
  const dbt = spawnSync(join(repoRoot, '.venv/bin/dbt'), ['--version'], { encoding: 'utf8' }).stdout?.split('\n')[1]?.trim();
  return { cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, dbt, date: new Date().toISOString() };
}

/** Writes `bench/results/<name>-<date>.json` with the results and the machine; returns the path. */
export function writeResults(name: string, results: Record<string, unknown>): string {
  const machine = machineFacts();
  mkdirSync(join(repoRoot, 'bench/results'), { recursive: true });
  const file = join(repoRoot, 'bench/results', `${name}-${machine.date.slice(0, 10)}.json`);
  writeFileSync(file, `${JSON.stringify({ benchmark: name.split('-')[0], ...results, machine }, null, 2)}\n`);
  return file;
}
