// The standalone worker process: `node --import tsx apps/worker/src/main.ts`. `hcrm up` and
// `hcrm run` run the same worker inside their own process; use this one to run workers on
// other machines, against TEMPORAL_ADDRESS.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '@hcrm/config';
import { createPipelineWorker } from '@hcrm/pipeline';

const config = loadConfig();
const address = config.temporal.address ?? '127.0.0.1:7233';
let connection: NativeConnection;
try {
  connection = await NativeConnection.connect({ address });
} catch (error) {
  console.error(
    `hcrm worker: cannot reach Temporal at ${address}${config.temporal.address ? ' (TEMPORAL_ADDRESS)' : ''}: ${
      error instanceof Error ? error.message : String(error)
    }. Start a local one with \`npx hcrm up\`, or set TEMPORAL_ADDRESS.`,
  );
  process.exit(1);
}
const client = new Client({ connection: await Connection.connect({ address }), namespace: config.temporal.namespace });
const worker = await createPipelineWorker({ config, connection, client });
console.log(`hcrm worker polling task queue "${config.temporal.taskQueue}" on ${address} (namespace ${config.temporal.namespace})`);
await worker.run();
await connection.close();
