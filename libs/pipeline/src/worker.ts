import { createRequire } from 'node:module';
import { Worker, type NativeConnection } from '@temporalio/worker';
import { createActivities } from '@hcrm/activities';
import type { HcrmConfig } from '@hcrm/config';
import { openDuckDbWarehouse } from '@hcrm/warehouse';
import { registeredSources } from './sources';

export interface PipelineWorkerOptions {
  config: HcrmConfig;
  connection: NativeConnection;
}

/**
 * The worker of one checkout: the pipeline workflows plus real activities on the configured
 * DuckDB file. It runs one activity at a time, because DuckDB allows one writer process and
 * dbt (a separate process) needs the file while a dbt activity runs.
 */
export async function createPipelineWorker({ config, connection }: PipelineWorkerOptions): Promise<Worker> {
  const activities = createActivities({
    config,
    openWarehouse: () => openDuckDbWarehouse({ path: config.warehouse.path }),
    sources: registeredSources,
  });
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowsPath: createRequire(import.meta.url).resolve('@hcrm/workflows'),
    activities,
    maxConcurrentActivityTaskExecutions: 1,
  });
}
