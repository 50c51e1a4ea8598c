import { Client, Connection } from '@temporalio/client';
import type { HcrmConfig } from '@hcrm/config';
import { CliError } from './errors';
import { readLiveStack } from './stack';

export { BACKFILL_WORKFLOW, PIPELINE_WORKFLOW } from '@hcrm/pipeline';

/** The schedule of this state dir's pipeline (one per task queue). */
export function scheduleId(config: HcrmConfig): string {
  return `${config.temporal.taskQueue}-schedule`;
}

/**
 * A client on the Temporal server that outlives this command: TEMPORAL_ADDRESS, or the
 * running `hcrm up` of this state dir. Schedules and status need one; a dev server started
 * for one command would take them down with it.
 */
export async function connectToLongLivedServer(config: HcrmConfig): Promise<{ client: Client; address: string; uiUrl?: string; close: () => Promise<void> }> {
  const live = readLiveStack(config);
  const address = config.temporal.address ?? (live?.owner === 'up' ? live.address : undefined);
  if (!address) {
    throw new CliError(
      'No Temporal server to talk to: start the local stack with `npx hcrm up` (its worker runs scheduled runs), or set TEMPORAL_ADDRESS.',
    );
  }
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, connectTimeout: '5s' });
  } catch (error) {
    throw new CliError(`Cannot reach Temporal at ${address}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return {
    client: new Client({ connection, namespace: config.temporal.namespace }),
    address,
    uiUrl: config.temporal.address ? undefined : live?.uiUrl,
    close: () => connection.close(),
  };
}

