import { createRequire } from 'node:module';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createActivities } from '@hcrm/activities';
import type { HcrmConfig } from '@hcrm/config';
import type { PipelineActivities } from '@hcrm/contracts';
import { DbtSession } from '@hcrm/dbt';
import { openWarehouse, type Warehouse } from '@hcrm/warehouse';
import { registeredSources } from './sources';
import { watermarkOwnerClient } from './watermark-owner';

export interface PipelineWorkerOptions {
  config: HcrmConfig;
  connection: NativeConnection;
  /** A client of the same server: the warehouse lock asks it whether its holder still runs, and the watermark owner is reached through it. */
  client: Client;
  /** Wraps the real activities, e.g. to inject a fault in a test; the identity by default. */
  wrapActivities?: (activities: PipelineActivities) => PipelineActivities;
  /** Opens the warehouse for the activities; the configured one by default (a test may wrap it to see each statement). */
  openWarehouse?: () => Promise<Warehouse>;
}

/**
 * The worker of one checkout: the pipeline workflows plus real activities on the configured
 * DuckDB file. It runs one activity at a time, because DuckDB allows one writer process and
 * dbt (a separate process) needs the file while a dbt activity runs.
 */
export async function createPipelineWorker({ config, connection, client, wrapActivities, openWarehouse: open }: PipelineWorkerOptions): Promise<Worker> {
  // One dbt process for the worker's dbt commands (it runs one activity at a time), started
  // now so its imports overlap the first steps; it ends after a minute without work and
  // starts again with the next command.
  const dbtSession = config.dbt.session ? new DbtSession({ python: config.dbt.python }) : undefined;
  dbtSession?.warm();
  const activities = createActivities({
    config,
    ...(dbtSession ? { dbtSession } : {}),
    openWarehouse: open ?? (() => openWarehouse(config.warehouse)),
    sources: registeredSources,
    watermarkOwner: watermarkOwnerClient(client, config),
    isRunning: async (workflowId, runId) => {
      try {
        const description = await client.workflow.getHandle(workflowId, runId).describe();
        return description.status.name === 'RUNNING';
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return false;
        throw error;
      }
    },
  });
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowsPath: createRequire(import.meta.url).resolve('@hcrm/workflows'),
    activities: wrapActivities ? wrapActivities(activities) : activities,
    maxConcurrentActivityTaskExecutions: 1,
    // Heartbeats (dbt's progress) reach the server every few seconds, so a cancellation
    // reaches a running dbt within seconds (the default throttle is up to 60 s).
    maxHeartbeatThrottleInterval: '3 seconds',
  });
  if (dbtSession) {
    // The dbt process ends with the worker (runUntil runs through run), before the caller
    // goes on to remove the state dir it writes logs and artifacts into.
    const run = worker.run.bind(worker);
    worker.run = () => run().finally(() => dbtSession.close());
  }
  return worker;
}
