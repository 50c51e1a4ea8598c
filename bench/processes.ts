// Running the real `hcrm` from a benchmark: wall time and the peak RSS of the whole process
// tree (hcrm, the Temporal dev server it starts, dbt), sampled from /proc.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './results';

const hcrm = join(repoRoot, 'apps/cli/bin/hcrm.js');

/** Sum of VmRSS over a process and all its descendants, from /proc. */
export function treeRssKiB(root: number): number {
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

export interface Measured {
  seconds: number;
  /** When the process exited (ms since the epoch). */
  endedAt: number;
  peakRssMiB: number;
  stdout: string;
}

/** Runs `hcrm <args>` with extra environment; fails with its output when it fails. */
export function measure(args: string[], env: Record<string, string>): Promise<Measured> {
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
      else done({ seconds: (Date.now() - started) / 1000, endedAt: Date.now(), peakRssMiB: Math.round(peak / 1024), stdout });
    });
  });
}

/** A running `hcrm up` (dev server and worker) for a state dir, as a deployment keeps one. */
export interface RunningStack {
  stop: () => Promise<void>;
}

export function startStack(env: Record<string, string>): Promise<RunningStack> {
  return new Promise((ready, fail) => {
    const child = spawn(process.execPath, [hcrm, 'up'], { cwd: repoRoot, env: { ...process.env, TEMPORAL_ADDRESS: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready.')) {
        ready({
          stop: async () => {
            child.kill('SIGINT');
            await exited;
          },
        });
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => fail(new Error(`hcrm up exited (${code}) before it was ready:\n${output}`)));
  });
}
