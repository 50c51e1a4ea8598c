import { describeWarehouse, type HcrmConfig } from '@hcrm/config';
import type { CliIo } from '../io';
import { openSession } from '../session';

/** `hcrm up`: Temporal dev server (or TEMPORAL_ADDRESS) plus the worker, until Ctrl-C. */
export async function upCommand(config: HcrmConfig, io: CliIo): Promise<number> {
  const session = await openSession(config, 'up');
  try {
    io.stdout(
      [
        `Temporal   ${session.target.address}${session.target.origin === 'env' ? ' (TEMPORAL_ADDRESS)' : ''}`,
        session.target.uiUrl ? `Web UI     ${session.target.uiUrl}` : undefined,
        `Worker     task queue "${config.temporal.taskQueue}", namespace "${config.temporal.namespace}"`,
        `Warehouse  ${describeWarehouse(config.warehouse)}`,
        `Logs       ${config.logDir}`,
        'Ready. Start a pipeline run with `npx hcrm run` in another terminal; Ctrl-C stops everything.',
        '',
      ]
        .filter((line) => line !== undefined)
        .join('\n'),
    );
    await io.interrupted();
    io.stdout('Stopping the worker and the Temporal server ...\n');
  } finally {
    await session.close();
  }
  io.stdout('Stopped.\n');
  return 0;
}
