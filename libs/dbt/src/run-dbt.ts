import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DbtNodeSummary } from '@hcrm/contracts';
import { parseRunResults } from './run-results';
import type { DbtCommand, DbtSession } from './session';

export interface DbtInvocation {
  /** Path of the dbt executable in the project's venv. */
  executable: string;
  projectDir: string;
  profilesDir: string;
  /** Per state dir, so checkouts and tests never share artifacts or partial-parse state. */
  targetPath: string;
  logPath: string;
  /** The dbt command and its own arguments, e.g. `['build', '--select', 'tag:raw']`. */
  args: readonly string[];
  /** Extra environment for dbt (e.g. `HCRM_DUCKDB_PATH`), on top of the process environment. */
  env?: Record<string, string>;
  /** Aborting kills dbt (SIGTERM, then SIGKILL after `killGraceMs`). */
  signal?: AbortSignal;
  killGraceMs?: number;
  /** Called with each line dbt prints, e.g. to heartbeat the latest one. */
  onLine?: (line: string) => void;
  /** Keep the previous run_results.json: `dbt retry` reads it to re-run what failed or was skipped. */
  keepPreviousResults?: boolean;
  /**
   * A long-lived dbt process to run the command in (no start-up cost). Without one, or when
   * it is busy, the command runs in a process of its own.
   */
  session?: DbtSession;
}

export interface DbtOutcome {
  exitCode: number;
  nodes: DbtNodeSummary[];
  seconds: number;
  /** The last lines dbt printed, for error messages. */
  tail: string[];
}

/** dbt could not be started or was cancelled; `kind` tells callers whether a retry can help. */
export class DbtError extends Error {
  override name = 'DbtError';
  constructor(
    message: string,
    readonly kind: 'not-installed' | 'cancelled' | 'crashed',
  ) {
    super(message);
  }
}

const TAIL_LINES = 20;

/** The exit code runDbt reports for a dbt process that a signal ended (killed, out of memory). */
export const DBT_SIGNAL_EXIT = 128;

/** Whether dbt was ended from outside rather than finishing: a retry may well succeed. */
export function endedBySignal(exitCode: number): boolean {
  return exitCode >= DBT_SIGNAL_EXIT;
}

/** Throws the not-installed DbtError, with what to run, when the venv has no dbt. */
export function assertDbtInstalled(executable: string): void {
  if (!existsSync(executable)) {
    throw new DbtError(`dbt is not installed at ${executable}: run \`npm run setup\` to create the venv.`, 'not-installed');
  }
}

/**
 * Runs one dbt command as a child process and reads its run_results.json. Exit codes 1 (a
 * model or test failed) and 2 (dbt itself failed) are returned, not thrown: the caller
 * decides what a failure means for the run.
 */
export async function runDbt(invocation: DbtInvocation): Promise<DbtOutcome> {
  const { executable, targetPath, logPath, signal, killGraceMs = 5000 } = invocation;
  assertDbtInstalled(executable);
  if (signal?.aborted) throw new DbtError('dbt was cancelled before it started', 'cancelled');
  mkdirSync(targetPath, { recursive: true });
  mkdirSync(logPath, { recursive: true });
  const runResults = join(targetPath, 'run_results.json');
  if (!invocation.keepPreviousResults) rmSync(runResults, { force: true });

  const args = [
    ...invocation.args,
    '--project-dir', invocation.projectDir,
    '--profiles-dir', invocation.profilesDir,
    '--target-path', targetPath,
    '--log-path', logPath,
  ];
  const started = Date.now();
  const tail: string[] = [];
  const command: DbtCommand = {
    args,
    env: { ...invocation.env },
    cwd: invocation.projectDir,
    signal,
    killGraceMs,
    onLine: (line) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      invocation.onLine?.(line);
    },
  };
  const session = invocation.session;
  const exitCode = session && !session.busy ? await session.execute(command) : await spawnDbt(executable, command);
  const cancelled = signal?.aborted ?? false;
  if (cancelled) throw new DbtError(`dbt ${invocation.args.join(' ')} was cancelled`, 'cancelled');
  const nodes = existsSync(runResults) ? parseRunResults(readFileSync(runResults, 'utf8')) : [];
  return { exitCode, nodes, seconds: (Date.now() - started) / 1000, tail };
}

/** Runs one dbt command in a process of its own and returns its exit code. */
async function spawnDbt(executable: string, command: DbtCommand): Promise<number> {
  const child = spawn(executable, command.args, {
    cwd: command.cwd,
    env: { ...process.env, DBT_USE_COLORS: 'false', DBT_SEND_ANONYMOUS_USAGE_STATS: 'false', ...command.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group, so cancelling also stops anything dbt started.
    detached: true,
  });
  const killGroup = (sig: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (line.trim() !== '') command.onLine(line);
    }
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const onAbort = () => {
    killGroup('SIGTERM');
    setTimeout(() => child.exitCode === null && killGroup('SIGKILL'), command.killGraceMs).unref();
  };
  command.signal?.addEventListener('abort', onAbort, { once: true });
  return new Promise<number>((resolve, reject) => {
    child.on('error', (error) => reject(new DbtError(`dbt could not start: ${error.message}`, 'crashed')));
    child.on('close', (code, sig) => resolve(code ?? (sig ? DBT_SIGNAL_EXIT : 1)));
  }).finally(() => command.signal?.removeEventListener('abort', onAbort));
}
