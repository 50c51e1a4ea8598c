import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { DEFAULT_TEMPORAL_PORT, DEFAULT_TEMPORAL_UI_PORT, type HcrmConfig } from '@hcrm/config';
import { CliError } from './errors';

/** What `stack.json` in the state dir records about the process that owns the local stack. */
export interface StackRecord {
  pid: number;
  address: string;
  uiUrl?: string;
  /** `up` keeps running with a worker; `run` lives only for one pipeline run. */
  owner: 'up' | 'run';
  startedAt: string;
}

/** A Temporal server this command talks to, and how it got it. */
export interface TemporalTarget {
  address: string;
  uiUrl?: string;
  /** `env`: TEMPORAL_ADDRESS; `stack`: a running `hcrm up`; `started`: started by this command. */
  origin: 'env' | 'stack' | 'started';
  /** Stops what this command started (nothing otherwise). */
  stop: () => Promise<void>;
}

const LOCALHOST = '127.0.0.1';

/** What `stack.json` holds while its owner is still starting the stack (no address yet). */
interface StackClaim {
  pid: number;
  owner: 'up' | 'run';
  startedAt: string;
  starting: true;
}

/** The record or claim in the state dir, if its owner process is still alive. */
function readLiveEntry(config: HcrmConfig): StackRecord | StackClaim | undefined {
  const file = config.temporal.stackFile;
  if (!existsSync(file)) return undefined;
  try {
    const entry = JSON.parse(readFileSync(file, 'utf8')) as StackRecord | StackClaim;
    process.kill(entry.pid, 0);
    return entry;
  } catch {
    return undefined; // unreadable, or its owner died without cleaning up
  }
}

/** The stack recorded for this state dir, if its owner process is alive and has started it. */
export function readLiveStack(config: HcrmConfig): StackRecord | undefined {
  const entry = readLiveEntry(config);
  return entry && 'address' in entry ? entry : undefined;
}

/**
 * The live stack of this state dir once it has started: waits while its owner is still
 * starting it (a claim without an address), so a command started a moment after `hcrm up`
 * uses its server instead of starting a second one.
 */
export async function settledStack(config: HcrmConfig): Promise<StackRecord | undefined> {
  for (;;) {
    const entry = readLiveEntry(config);
    if (!entry || 'address' in entry) return entry;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Claims the state dir's stack record before starting anything, by creating `stack.json`
 * exclusively (O_EXCL): of two commands started at the same instant, one starts the stack and
 * the other finds it, so two Temporal servers never share one SQLite file. Returns true when
 * claimed; false when a live process holds the record (call settledStack to see it). A record
 * left by a dead process is removed first.
 */
export function claimStackRecord(config: HcrmConfig, owner: 'up' | 'run'): boolean {
  mkdirSync(config.stateDir, { recursive: true });
  const claim: StackClaim = { pid: process.pid, owner, startedAt: new Date().toISOString(), starting: true };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      writeFileSync(config.temporal.stackFile, `${JSON.stringify(claim, null, 2)}\n`, { flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (readLiveEntry(config)) return false;
      rmSync(config.temporal.stackFile, { force: true });
    }
  }
  return false;
}

/** Replaces this process's claim with the started stack's record. */
export function writeStackRecord(config: HcrmConfig, record: StackRecord): void {
  mkdirSync(config.stateDir, { recursive: true });
  writeFileSync(config.temporal.stackFile, `${JSON.stringify(record, null, 2)}\n`);
}

/** Removes the record, if it is this process's. */
export function removeStackRecord(config: HcrmConfig): void {
  const entry = readLiveEntry(config);
  if (!entry || entry.pid === process.pid) rmSync(config.temporal.stackFile, { force: true });
}

/** Ensures a Temporal server at TEMPORAL_ADDRESS answers; the error says what to do if not. */
export async function connectToConfiguredAddress(address: string): Promise<void> {
  if (await isReachable(address)) return;
  throw new CliError(
    `Cannot reach Temporal at ${address} (from TEMPORAL_ADDRESS). Check that the server is running and the address is right, ` +
      'or unset TEMPORAL_ADDRESS to let hcrm start a local dev server (`hcrm up`).',
  );
}

/** True when a Temporal frontend answers at `address` within `timeoutMs`. */
export async function isReachable(address: string, timeoutMs = 3000): Promise<boolean> {
  const { host, port } = splitAddress(address);
  const open = await new Promise<boolean>((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
  if (!open) return false;
  try {
    const connection = await Connection.connect({ address, connectTimeout: timeoutMs });
    await connection.close();
    return true;
  } catch {
    return false;
  }
}

export function splitAddress(address: string): { host: string; port: number } {
  const match = /^(.*):(\d+)$/.exec(address);
  if (!match?.[1] || !match[2]) throw new CliError(`"${address}" is not a host:port Temporal address (e.g. 127.0.0.1:7233).`);
  return { host: match[1], port: Number(match[2]) };
}

/**
 * Starts `temporal server start-dev` from the venv with its SQLite file in the state dir,
 * so workflow history survives restarts. Uses ports 7233/8233 when free, free ports otherwise.
 */
export async function startDevServer(config: HcrmConfig): Promise<TemporalTarget> {
  const cli = config.temporal.cliPath;
  if (!existsSync(cli)) {
    throw new CliError(
      `The Temporal CLI is not installed at ${cli} (the project's Python venv is missing or incomplete): run \`npm run setup\`.`,
    );
  }
  mkdirSync(config.logDir, { recursive: true });
  const logFile = join(config.logDir, 'temporal.log');
  // A port found free can be taken before the server binds it (another command, another
  // program): the server then exits at start-up, and it is started again on other ports.
  for (let attempt = 1; ; attempt++) {
    const port = await pickPort(DEFAULT_TEMPORAL_PORT);
    const uiPort = await pickPort(DEFAULT_TEMPORAL_UI_PORT, port);
    const log = openSync(logFile, 'a');
    const child = spawn(
      cli,
      [
        'server', 'start-dev',
        '--db-filename', config.temporal.dbFile,
        '--ip', LOCALHOST,
        '--port', String(port),
        '--ui-port', String(uiPort),
        '--namespace', config.temporal.namespace,
        '--log-level', 'warn',
      ],
      { stdio: ['ignore', log, log] },
    );
    closeSync(log);
    const address = `${LOCALHOST}:${port}`;
    const stop = () => stopChild(child);
    try {
      await waitUntilReachable(address, child, logFile);
      return { address, uiUrl: `http://localhost:${uiPort}`, origin: 'started', stop };
    } catch (error) {
      await stop();
      if (attempt < 3 && /address already in use/i.test(tail(logFile, 20))) continue;
      throw error;
    }
  }
}

async function waitUntilReachable(address: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  while (Date.now() < deadline) {
    if (exited) {
      throw new CliError(`The Temporal dev server exited at start-up; its log is ${logFile}:\n${tail(logFile)}`);
    }
    if (await isReachable(address, 1000)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new CliError(`The Temporal dev server did not answer at ${address} within 60 s; its log is ${logFile}.`);
}

function tail(file: string, lines = 10): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** SIGTERM lets the dev server flush its SQLite file; SIGKILL only if it hangs. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function pickPort(preferred: number, avoid?: number): Promise<number> {
  if (preferred !== avoid && (await portIsFree(preferred))) return preferred;
  for (;;) {
    const port = await freePort();
    if (port !== avoid) return port;
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, LOCALHOST, () => server.close(() => resolve(true)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, LOCALHOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
