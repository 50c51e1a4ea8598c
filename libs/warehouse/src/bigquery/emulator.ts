import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freeLocalPorts } from '../local-ports';

/** Where infra/bigquery-emulator.mjs (run by `npm test`) builds the emulator. */
const BUILT_BINARY = fileURLToPath(new URL('../../../../.tools/bigquery-emulator-v0.8.1/bigquery-emulator', import.meta.url));
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

export interface RunningBigQueryEmulator {
  /** For BigQueryWarehouseOptions.apiEndpoint, e.g. http://127.0.0.1:41234. */
  apiEndpoint: string;
  stop(): Promise<void>;
}

/**
 * The bigquery-emulator binary for tests: the one set-up built, else the one
 * `HCRM_BIGQUERY_EMULATOR` names; undefined when there is neither.
 */
export function bigQueryEmulatorBinary(env: Record<string, string | undefined> = process.env): string | undefined {
  if (existsSync(BUILT_BINARY)) return BUILT_BINARY;
  const fromEnv = env.HCRM_BIGQUERY_EMULATOR?.trim();
  return fromEnv && existsSync(fromEnv) ? fromEnv : undefined;
}

/**
 * Starts bigquery-emulator on free local ports, in memory, and resolves once its REST API
 * answers. The emulator keeps everything in memory: stopping it drops every dataset.
 */
export async function startBigQueryEmulator(options: { binary: string; projectId: string }): Promise<RunningBigQueryEmulator> {
  const [port, grpcPort] = await freeLocalPorts(2);
  const child = spawn(
    options.binary,
    [`--project=${options.projectId}`, '--host=127.0.0.1', `--port=${port}`, `--grpc-port=${grpcPort}`, '--log-level=error'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  // A test run that dies without stopping it must not leave the emulator running.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.off('exit', killOnExit);
    await stopProcess(child);
  };
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  const gone = () => {
    if (spawnError) return `could not start ${options.binary}: ${spawnError.message}`;
    if (child.exitCode !== null) return `bigquery-emulator exited with ${child.exitCode} before answering: ${stderr}`;
    return undefined;
  };
  const apiEndpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilAnswering(`${apiEndpoint}/bigquery/v2/projects/${options.projectId}/datasets`, gone, () => stderr);
  } catch (error) {
    await stop();
    throw error;
  }
  return { apiEndpoint, stop };
}

async function waitUntilAnswering(url: string, gone: () => string | undefined, stderr: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const reason = gone();
    if (reason) throw new Error(reason);
    const answered = await fetch(url).then((response) => response.ok, () => false);
    if (answered) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`bigquery-emulator did not answer ${url} within ${READY_TIMEOUT_MS / 1000} s: ${stderr()}`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(killer);
}
