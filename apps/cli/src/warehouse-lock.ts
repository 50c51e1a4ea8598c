import { randomUUID } from 'node:crypto';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { describeHolder, holderIsActive, processLockOwner, releaseWarehouseLock, tryWarehouseLock, type ExecutionLiveness } from '@hcrm/pipeline';
import type { HcrmConfig } from '@hcrm/config';
import { WarehouseBusyError, openWarehouse, type Warehouse } from '@hcrm/warehouse';
import { CliError } from './errors';
import type { CliIo } from './io';
import { isReachable, readLiveStack } from './stack';

/** How often a command waiting for the warehouse looks again. */
const POLL_MS = 1000;

/** The warehouse while this process holds its lock; `release` gives both back. */
export interface HeldWarehouse {
  warehouse: Warehouse;
  release: () => Promise<void>;
}

/**
 * Opens the warehouse and takes the warehouse lock (ops.warehouse_lock) that runs and
 * backfills take, as this process, so raw rows never land in the middle of a run: a command
 * that finds a run, a backfill or another import working waits for it, saying who it waits
 * for, and a run that starts meanwhile waits for this one. A holder that no longer works (a
 * killed process, a run nobody can be running) loses the lock. On DuckDB, a file another
 * process has open (a run's step, dbt) is waited for the same way.
 */
export async function holdWarehouse(config: HcrmConfig, io: CliIo, purpose: string): Promise<HeldWarehouse> {
  const owner = processLockOwner(purpose, randomUUID());
  const liveness = runLiveness(config);
  let waitingFor = '';
  const wait = async (what: string) => {
    if (what !== waitingFor) io.stderr(`${purpose}: waiting for the warehouse: ${what} (Ctrl-C to stop)\n`);
    waitingFor = what;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  };
  try {
    for (;;) {
      let warehouse: Warehouse;
      try {
        warehouse = await openWarehouse(config.warehouse);
      } catch (error) {
        if (!(error instanceof WarehouseBusyError)) throw error;
        await wait('another process has the DuckDB file open');
        continue;
      }
      let holder;
      try {
        holder = await tryWarehouseLock(warehouse, owner, liveness.isRunning);
      } catch (error) {
        await warehouse.close();
        throw error;
      }
      if (!holder) {
        if (waitingFor) io.stderr(`${purpose}: the warehouse is free; starting\n`);
        const held = warehouse;
        return {
          warehouse: held,
          release: async () => {
            await releaseWarehouseLock(held, owner).catch(() => undefined);
            await held.close();
          },
        };
      }
      // Wait without holding the file: the holder needs it.
      await warehouse.close();
      const what = describeHolder(holder);
      while (await holderIsActive(holder, liveness.isRunning)) await wait(what);
    }
  } finally {
    await liveness.close();
  }
}

/** Runs `work` on the warehouse while this process holds its lock (holdWarehouse). */
export async function withWarehouseLock<T>(config: HcrmConfig, io: CliIo, purpose: string, work: (warehouse: Warehouse) => Promise<T>): Promise<T> {
  const held = await holdWarehouse(config, io, purpose);
  try {
    return await work(held.warehouse);
  } finally {
    await held.release();
  }
}

/**
 * Whether a run or backfill that holds the lock still runs, asked of the Temporal server that
 * serves this state dir (TEMPORAL_ADDRESS, or a running `hcrm up`). With neither, nothing can
 * be running one: its lock is left from a process that died.
 */
function runLiveness(config: HcrmConfig): { isRunning: ExecutionLiveness; close: () => Promise<void> } {
  let client: Client | undefined;
  return {
    isRunning: async (workflowId, runId) => {
      const address = config.temporal.address ?? readLiveStack(config)?.address;
      if (!address) return false;
      if (!client) {
        if (!(await isReachable(address))) {
          throw new CliError(
            `The warehouse is held by workflow ${workflowId}, and the Temporal server at ${address} that would run it does not answer, ` +
              'so hcrm cannot tell whether it still works. Start the server (`hcrm up`) or check TEMPORAL_ADDRESS, then try again.',
          );
        }
        client = new Client({ connection: await Connection.connect({ address }), namespace: config.temporal.namespace });
      }
      try {
        return (await client.workflow.getHandle(workflowId, runId).describe()).status.name === 'RUNNING';
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return false;
        throw error;
      }
    },
    close: async () => {
      await client?.connection.close();
    },
  };
}
