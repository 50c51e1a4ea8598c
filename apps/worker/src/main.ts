// The standalone worker process: `node --import tsx apps/worker/src/main.ts`. `hcrm up` runs
// the same worker inside its own process; use this one to run workers on other machines.
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '@hcrm/config';
import { createPipelineWorker } from './worker';

const config = loadConfig();
const address = config.temporal.address ?? '127.0.0.1:7233';
const connection = await NativeConnection.connect({ address });
const worker = await createPipelineWorker({ config, connection });
console.log(`hcrm worker polling task queue "${config.temporal.taskQueue}" on ${address} (namespace ${config.temporal.namespace})`);
await worker.run();
await connection.close();
