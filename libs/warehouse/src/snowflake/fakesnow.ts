import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findRepoRoot } from '@hcrm/config';

/** A running fakesnow server (Snowflake SQL on DuckDB) that snowflake-sdk and dbt can log in to. */
export interface FakesnowServer {
  host: string;
  port: number;
  /** Stops the server; its in-memory databases go with it. */
  stop(): Promise<void>;
}

export interface FakesnowOptions {
  /** The Python that has fakesnow[server], e.g. `<repo>/.venv/bin/python`. */
  python: string;
  /** Refuse password logins with another password, as Snowflake would; any password otherwise. */
  password?: string;
}

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;
/** The last stderr kept for error messages. */
const STDERR_TAIL = 8_000;

/** True when `python` can run the shim: fakesnow and its server's packages are installed. */
export function fakesnowAvailable(python: string): boolean {
  if (!existsSync(python)) return false;
  return spawnSync(python, ['-c', 'import fakesnow, starlette, uvicorn'], { stdio: 'ignore', timeout: 30_000 }).status === 0;
}

/**
 * Starts infra/testing/fakesnow_server.py on a free port of 127.0.0.1 and waits until it
 * accepts connections. All its sessions share one in-memory database. It stops with `stop()`,
 * or when this process exits (the shim watches its stdin).
 *
 * @example
 * const server = await startFakesnow({ python: join(findRepoRoot(), '.venv/bin/python') });
 * const warehouse = await openSnowflakeWarehouse(
 *   { account: 'fake', user: 'fake', database: 'HCRM', host: server.host, port: server.port, protocol: 'http' },
 *   { SNOWFLAKE_PASSWORD: 'fake' },
 * );
 */
export function startFakesnow(options: FakesnowOptions): Promise<FakesnowServer> {
  const script = join(findRepoRoot(), 'infra', 'testing', 'fakesnow_server.py');
  const child = spawn(options.python, ['-u', script, '0', '--stop-on-stdin-eof'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...(options.password ? { FAKESNOW_SERVER_PASSWORD: options.password } : {}) },
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-STDERR_TAIL);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const killer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.kill('SIGTERM');
    await exited;
    clearTimeout(killer);
  };

  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stop();
      reject(new Error(`fakesnow_server.py (${script}) ${why}${stderr ? `; its stderr:\n${stderr}` : ''}`));
    };
    const timer = setTimeout(() => fail(`was not ready within ${READY_TIMEOUT_MS / 1000} s`), READY_TIMEOUT_MS);
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const ready = /^listening ([\d.]+):(\d+)$/m.exec(stdout);
      if (!ready || settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ host: ready[1] ?? '127.0.0.1', port: Number(ready[2]), stop });
    });
    child.once('error', (error) => fail(`could not start with ${options.python}: ${error.message}`));
    child.once('exit', (code, signal) => fail(`exited (${signal ?? `code ${code}`}) before it was ready`));
  });
}
