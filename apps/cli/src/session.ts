import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type LogEntry, type Worker } from '@temporalio/worker';
import type { HcrmConfig } from '@hcrm/config';
import { createPipelineWorker } from '@hcrm/pipeline';
import { CliError } from './errors';
import {
  claimStackRecord,
  connectToConfiguredAddress,
  isReachable,
  removeStackRecord,
  settledStack,
  startDevServer,
  writeStackRecord,
  type StackRecord,
  type TemporalTarget,
} from './stack';

/** A Temporal server, a client on it, and, when nobody else serves the task queue, a worker. */
export interface Session {
  target: TemporalTarget;
  client: Client;
  /** True when this process runs the worker (otherwise a running `hcrm up` does). */
  ownsWorker: boolean;
  close: () => Promise<void>;
}

/**
 * Finds or starts what a command needs. `up` always runs a worker and records itself in the
 * state dir; `run` reuses a running `hcrm up` of the same state dir, or TEMPORAL_ADDRESS, or
 * starts a dev server on the same SQLite file for its own duration.
 */
export async function openSession(config: HcrmConfig, owner: 'up' | 'run'): Promise<Session> {
  // The command that will record the stack (`up`, or a `run` that starts a server) claims the
  // record first; losing the claim means another command of this state dir is starting a
  // stack at this instant: decide again once its record is there.
  let live: StackRecord | undefined;
  let ownsRecord: boolean;
  for (;;) {
    live = await settledStack(config);
    if (live && (owner === 'up' || live.owner === 'run')) throw inUse(config, live, owner);
    ownsRecord = owner === 'up' || (!config.temporal.address && !live);
    if (!ownsRecord || claimStackRecord(config, owner)) break;
  }

  let target: TemporalTarget;
  let ownsWorker = true;
  try {
    const envAddress = config.temporal.address;
    if (envAddress) {
      await connectToConfiguredAddress(envAddress);
      target = { address: envAddress, origin: 'env', stop: async () => {} };
      ownsWorker = !(live?.owner === 'up' && live.address === envAddress);
    } else if (live) {
      if (!(await isReachable(live.address))) {
        throw new CliError(`\`hcrm up\` (pid ${live.pid}) is running but its Temporal server at ${live.address} does not answer; restart it.`);
      }
      target = { address: live.address, uiUrl: live.uiUrl, origin: 'stack', stop: async () => {} };
      ownsWorker = false;
    } else {
      if (!existsSync(config.dbt.executable)) throw missingVenv(config);
      target = await startDevServer(config);
    }
    if (ownsWorker && !existsSync(config.dbt.executable)) {
      await target.stop();
      throw missingVenv(config);
    }
  } catch (error) {
    if (ownsRecord) removeStackRecord(config);
    throw error;
  }
  if (ownsRecord) {
    writeStackRecord(config, {
      pid: process.pid,
      address: target.address,
      uiUrl: target.uiUrl,
      owner,
      startedAt: new Date().toISOString(),
    });
  }

  const connection = await Connection.connect({ address: target.address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  let worker: Worker | undefined;
  let workerRun: Promise<void> | undefined;
  let nativeConnection: NativeConnection | undefined;
  try {
    if (ownsWorker) {
      installRuntime(config);
      nativeConnection = await NativeConnection.connect({ address: target.address });
      worker = await createPipelineWorker({ config, connection: nativeConnection, client });
      workerRun = worker.run();
    }
  } catch (error) {
    await connection.close();
    await nativeConnection?.close();
    await target.stop();
    if (ownsRecord) removeStackRecord(config);
    throw error;
  }

  return {
    target,
    client,
    ownsWorker,
    close: async () => {
      if (worker && workerRun) {
        worker.shutdown();
        await workerRun;
      }
      await nativeConnection?.close();
      await connection.close();
      await target.stop();
      if (ownsRecord) removeStackRecord(config);
    },
  };
}

function inUse(config: HcrmConfig, live: StackRecord, owner: 'up' | 'run'): CliError {
  const what = live.owner === 'up' ? '`hcrm up`' : 'another `hcrm run`';
  return new CliError(
    `${what} (pid ${live.pid}) is already using the state dir ${config.stateDir}` +
      (owner === 'run' ? '; wait for it to finish' : `; its Temporal UI is ${live.uiUrl ?? 'not local'}`) +
      `, or set HCRM_STATE_DIR to use another one. (If that process is gone, delete ${config.temporal.stackFile}.)`,
  );
}

function missingVenv(config: HcrmConfig): CliError {
  return new CliError(
    `The project's Python venv (dbt, temporal) is missing or incomplete at ${config.venvDir}: run \`npm run setup\`.`,
  );
}

let runtimeInstalled = false;

/**
 * Sends the worker's logs to <state>/logs/worker.log (warnings also to stderr), and leaves
 * Ctrl-C to the commands, which stop the worker themselves.
 */
function installRuntime(config: HcrmConfig): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  mkdirSync(config.logDir, { recursive: true });
  const file = join(config.logDir, 'worker.log');
  const write = (entry: LogEntry) => {
    const line = `${new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString()} ${entry.level} ${entry.message} ${
      entry.meta ? JSON.stringify(entry.meta) : ''
    }\n`;
    appendFileSync(file, line);
    if (entry.level === 'WARN' || entry.level === 'ERROR') process.stderr.write(`[worker] ${entry.message}\n`);
  };
  Runtime.install({ logger: new DefaultLogger('INFO', write), shutdownSignals: [] });
}
