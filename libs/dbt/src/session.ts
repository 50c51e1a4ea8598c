import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { DBT_SIGNAL_EXIT } from './run-dbt';

/** The Python program that keeps dbt imported between commands. */
export const DBT_SESSION_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'python', 'dbt_session.py');

/** One dbt command for a process: the full argument list, its extra environment and directory. */
export interface DbtCommand {
  args: readonly string[];
  env: Record<string, string>;
  cwd: string;
  onLine: (line: string) => void;
  signal?: AbortSignal;
  killGraceMs: number;
}

export interface DbtSessionOptions {
  /** The venv's Python (next to the dbt executable). */
  python: string;
  /** The process ends after this long without a command (it starts again on the next one). */
  idleMs?: number;
}

interface Running {
  child: ChildProcess;
  /** Settles the command in flight with its exit code. */
  settle?: (exitCode: number) => void;
}

/**
 * A long-lived dbt process that runs one command at a time (dbt is not safe for concurrent
 * commands in one process). It saves the 1-2 s that every `dbt` start spends on imports and
 * set-up; the pipeline issues four or more commands per run. A cancelled command kills the
 * process (the next command starts a fresh one); so does a crash.
 */
export class DbtSession {
  private running: Running | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private inFlight = false;

  constructor(private readonly options: DbtSessionOptions) {}

  /** Whether a command is running; the caller starts a one-off process instead of waiting. */
  get busy(): boolean {
    return this.inFlight;
  }

  /** The process id of the current process, if one runs (for tests and diagnostics). */
  get pid(): number | undefined {
    return this.running?.child.pid;
  }

  async execute(command: DbtCommand): Promise<number> {
    if (this.inFlight) throw new Error('the dbt session is already running a command');
    this.inFlight = true;
    clearTimeout(this.idleTimer);
    const running = this.running ?? this.start();
    hold(running.child, true);
    const onAbort = () => this.kill(running, command.killGraceMs);
    try {
      return await new Promise<number>((resolve) => {
        running.settle = resolve;
        this.lineHandler = command.onLine;
        command.signal?.addEventListener('abort', onAbort, { once: true });
        running.child.stdin?.write(`${JSON.stringify({ args: command.args, env: command.env, cwd: command.cwd })}\n`);
      });
    } finally {
      command.signal?.removeEventListener('abort', onAbort);
      running.settle = undefined;
      this.lineHandler = undefined;
      this.inFlight = false;
      hold(running.child, false);
      this.scheduleIdleEnd();
    }
  }

  /**
   * Starts the process ahead of the first command, so its imports overlap other work. It
   * ends after the idle time like any other.
   */
  warm(): void {
    if (this.running || this.inFlight) return;
    const running = this.start();
    hold(running.child, false);
    this.scheduleIdleEnd();
  }

  /**
   * Ends the process (it also ends by itself when idle or when this process exits); resolves
   * once it has exited, so its directories can be removed.
   */
  close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const running = this.running;
    if (!running) return Promise.resolve();
    const { child } = running;
    const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once('close', () => resolve()));
    // An idle process does not keep this one alive; while it is being waited for, it must.
    hold(child, true);
    this.kill(running, 2000);
    return exited;
  }

  private scheduleIdleEnd(): void {
    clearTimeout(this.idleTimer);
    if (!this.running) return;
    this.idleTimer = setTimeout(() => void this.close(), this.options.idleMs ?? 60_000);
    this.idleTimer.unref();
  }

  private lineHandler: ((line: string) => void) | undefined;

  private start(): Running {
    const child = spawn(this.options.python, [DBT_SESSION_SCRIPT], {
      env: { ...process.env, DBT_USE_COLORS: 'false', DBT_SEND_ANONYMOUS_USAGE_STATS: 'false', PYTHONUNBUFFERED: '1' },
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
      // Own process group, so a kill also stops anything dbt started.
      detached: true,
    });
    const running: Running = { child };
    this.running = running;
    const forward = (stream: Readable | null) => {
      if (!stream) return;
      createInterface({ input: stream }).on('line', (line) => {
        if (line.trim() !== '') this.lineHandler?.(line);
      });
    };
    forward(child.stdout);
    forward(child.stderr);
    createInterface({ input: child.stdio[3] as Readable }).on('line', (line) => {
      const reply = JSON.parse(line) as { ready?: boolean; exitCode?: number; error?: string | null };
      if (reply.exitCode === undefined) return;
      if (reply.error) this.lineHandler?.(reply.error);
      running.settle?.(reply.exitCode);
    });
    const ended = (code: number | null, signal: NodeJS.Signals | null) => {
      if (this.running === running) this.running = undefined;
      running.settle?.(code ?? (signal ? DBT_SIGNAL_EXIT : 1));
    };
    child.on('close', ended);
    child.on('error', (error) => {
      this.lineHandler?.(`dbt could not start: ${error.message}`);
      ended(127, null);
    });
    return running;
  }

  private kill(running: Running, graceMs: number): void {
    if (this.running === running) this.running = undefined;
    const signalGroup = (sig: NodeJS.Signals) => {
      try {
        if (running.child.pid !== undefined) process.kill(-running.child.pid, sig);
      } catch {
        // already gone
      }
    };
    signalGroup('SIGTERM');
    setTimeout(() => running.child.exitCode === null && signalGroup('SIGKILL'), graceMs).unref();
  }
}

/**
 * Whether the process and its pipes keep this Node process alive: while a command runs they
 * do; an idle session does not (closing stdin, as this process exits, ends it).
 */
function hold(child: ChildProcess, alive: boolean): void {
  for (const handle of [child, ...child.stdio]) {
    const refable = handle as unknown as { ref?: () => void; unref?: () => void } | null;
    if (alive) refable?.ref?.();
    else refable?.unref?.();
  }
}
