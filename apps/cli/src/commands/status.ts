import { ScheduleNotFoundError } from '@temporalio/client';
import type { HcrmConfig } from '@hcrm/config';
import { OPS_TABLES, schemaAndTable } from '@hcrm/contracts';
import { formatTable } from '../format';
import type { CliIo } from '../io';
import { describeWatermarkOwner } from '@hcrm/pipeline';
import { BACKFILL_WORKFLOW, connectToLongLivedServer, PIPELINE_WORKFLOW, scheduleId } from '../runs';
import { openReadOnlyWarehouse } from './query';

/**
 * `hcrm status`: the schedule, who holds the warehouse, the latest runs and backfills, and the
 * watermark map the next run starts from.
 */
export async function statusCommand(config: HcrmConfig, io: CliIo, options: { json: boolean }): Promise<number> {
  const server = await connectToLongLivedServer(config);
  try {
    const { client } = server;
    const id = scheduleId(config);
    const schedule = await client.schedule
      .getHandle(id)
      .describe()
      .catch((error: unknown) => {
        if (error instanceof ScheduleNotFoundError) return undefined;
        throw error;
      });
    const query = `WorkflowType IN ('${PIPELINE_WORKFLOW}', '${BACKFILL_WORKFLOW}') AND TaskQueue = '${config.temporal.taskQueue}'`;
    const runs: Array<Record<string, string>> = [];
    for await (const execution of client.workflow.list({ query, pageSize: 20 })) {
      runs.push({
        workflow_id: execution.workflowId,
        type: execution.type,
        status: execution.status.name,
        started: execution.startTime.toISOString(),
        seconds: execution.closeTime ? ((execution.closeTime.getTime() - execution.startTime.getTime()) / 1000).toFixed(1) : '',
      });
      if (runs.length >= 10) break;
    }
    runs.sort((a, b) => (b.started ?? '').localeCompare(a.started ?? ''));
    const owner = await describeWatermarkOwner(client, config);
    const lock = await lockHolder(config);

    const status = {
      temporal: server.address,
      schedule: schedule
        ? {
            id,
            paused: schedule.state.paused,
            note: schedule.state.note,
            nextRuns: schedule.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()),
            runningNow: schedule.info.runningActions.length,
          }
        : undefined,
      warehouse: lock,
      watermarkOwner: config.temporal.watermarkWorkflowId,
      watermarkVersion: owner?.version ?? 0,
      watermarkOwnerRunning: owner?.running ?? false,
      advancedBy: owner?.advancedBy,
      watermarks: owner?.watermarks ?? {},
      runs,
    };
    if (options.json) {
      io.stdout(`${JSON.stringify(status, null, 2)}\n`);
      return 0;
    }
    const lines = [
      `Temporal   ${server.address}${server.uiUrl ? `  (UI ${server.uiUrl})` : ''}`,
      `Schedule   ${
        status.schedule
          ? `${id}: ${status.schedule.paused ? 'PAUSED' : 'active'}${status.schedule.note ? ` (${status.schedule.note})` : ''}, next ${status.schedule.nextRuns[0] ?? '-'}, running now ${status.schedule.runningNow}`
          : 'none (create one with `hcrm schedule create --every 1h`)'
      }`,
      `Warehouse  ${lock}`,
      '',
      owner?.advancedBy
        ? `Watermarks (owner ${config.temporal.watermarkWorkflowId}${owner.running ? '' : ', closed: the next run starts it again from these'}, version ${owner.version}, advanced by ${owner.advancedBy.workflowId} at ${owner.advancedBy.at}); every run starts after them:`
        : `Watermarks: the owner ${config.temporal.watermarkWorkflowId} has not been advanced yet; the next run derives them from the warehouse.`,
      ...(owner?.advancedBy ? [formatTable(Object.entries(owner.watermarks).map(([source, watermark]) => ({ source, watermark }))).trimEnd()] : []),
      '',
      'Latest runs and backfills:',
      formatTable(runs, ['workflow_id', 'type', 'status', 'started', 'seconds']).trimEnd(),
      '',
    ];
    io.stdout(lines.join('\n'));
    return 0;
  } finally {
    await server.close();
  }
}

async function lockHolder(config: HcrmConfig): Promise<string> {
  let warehouse;
  try {
    warehouse = await openReadOnlyWarehouse(config);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return /in use/.test(message) ? 'busy: a pipeline step is writing to it right now' : `not available: ${message}`;
  }
  try {
    if (!(await warehouse.tableExists(...schemaAndTable(OPS_TABLES.lock)))) return 'free (no run has taken it yet)';
    const [holder] = await warehouse.query<{ purpose: string; owner_workflow_id: string; acquired_at: string }>(
      `select purpose, owner_workflow_id, cast(acquired_at as varchar) as acquired_at from ${OPS_TABLES.lock}`,
    );
    return holder ? `held by ${holder.purpose} ${holder.owner_workflow_id} since ${holder.acquired_at} UTC` : 'free';
  } finally {
    await warehouse.close();
  }
}
