import { ScheduleNotFoundError, ScheduleOverlapPolicy, type ScheduleDescription, type ScheduleOptions } from '@temporalio/client';
import type { HcrmConfig } from '@hcrm/config';
import type { PipelineInput } from '@hcrm/contracts';
import { CliError } from '../errors';
import type { CliIo } from '../io';
import { connectToLongLivedServer, PIPELINE_WORKFLOW, scheduleId } from '../runs';

export type ScheduleAction = 'create' | 'update' | 'describe' | 'pause' | 'unpause' | 'trigger' | 'delete';

export interface ScheduleSpecOptions {
  every?: string;
  cron?: string;
  /** Default 10m on create; update keeps the schedule's own unless given. */
  catchupWindow?: string;
  note?: string;
}

const DEFAULT_CATCHUP_WINDOW = '10m';

/**
 * `hcrm schedule <action>`: the Temporal Schedule that runs the pipeline of this state dir.
 * Overlap policy SKIP: a tick while a run is still going is skipped, and the warehouse lock
 * keeps scheduled runs, `hcrm run` and backfills from ever working on the warehouse at once.
 */
export async function scheduleCommand(config: HcrmConfig, io: CliIo, action: ScheduleAction, options: ScheduleSpecOptions): Promise<number> {
  const server = await connectToLongLivedServer(config);
  const id = scheduleId(config);
  const handle = server.client.schedule.getHandle(id);
  try {
    switch (action) {
      case 'create':
      case 'update': {
        const spec = specFrom(options);
        if (options.cron && !/^(\S+\s+){4,6}\S+$|^@\w+$/.test(options.cron.trim())) {
          throw new CliError(`--cron must be a cron expression of 5 to 7 fields, e.g. "0 * * * *" (got "${options.cron}")`, 2);
        }
        const existing = await handle.describe().catch((error: unknown) => {
          if (error instanceof ScheduleNotFoundError) return undefined;
          throw error;
        });
        if (!existing && action === 'update') throw new CliError(`There is no schedule ${id} yet: create it with \`hcrm schedule create --every 1h\`.`);
        if (existing) {
          await handle.update((previous) => ({
            ...previous,
            spec,
            policies: { ...previous.policies, overlap: ScheduleOverlapPolicy.SKIP, ...(options.catchupWindow ? { catchupWindow: options.catchupWindow } : {}) },
          }));
          io.stdout(`Updated schedule ${id}: ${describeSpec(options)}${options.catchupWindow ? `, catch-up window ${options.catchupWindow}` : ''}.\n`);
        } else {
          const input: PipelineInput = { landDemoData: false };
          const create: ScheduleOptions = {
            scheduleId: id,
            spec,
            action: { type: 'startWorkflow', workflowType: PIPELINE_WORKFLOW, taskQueue: config.temporal.taskQueue, workflowId: `${id}-run`, args: [input] },
            policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: options.catchupWindow ?? DEFAULT_CATCHUP_WINDOW },
            state: { note: options.note ?? 'created by hcrm schedule create' },
          };
          await server.client.schedule.create(create);
          io.stdout(`Created schedule ${id}: ${describeSpec(options)}, catch-up window ${options.catchupWindow ?? DEFAULT_CATCHUP_WINDOW}.\n`);
        }
        io.stdout('Scheduled runs need a worker on the task queue: keep `npx hcrm up` (or the standalone worker) running.\n');
        break;
      }
      case 'describe':
        io.stdout(render(id, await describeOrFail(handle.describe(), id), server.uiUrl, config.temporal.namespace));
        break;
      case 'pause':
        await describeOrFail(handle.describe(), id);
        await handle.pause(options.note ?? 'paused by hcrm schedule pause');
        io.stdout(`Paused schedule ${id}.\n`);
        break;
      case 'unpause':
        await describeOrFail(handle.describe(), id);
        await handle.unpause(options.note ?? 'unpaused by hcrm schedule unpause');
        io.stdout(`Unpaused schedule ${id}.\n`);
        break;
      case 'trigger':
        await describeOrFail(handle.describe(), id);
        await handle.trigger(ScheduleOverlapPolicy.SKIP);
        io.stdout(`Triggered schedule ${id}: a run starts now unless one is already running. Follow it with \`hcrm status\`.\n`);
        break;
      case 'delete':
        await describeOrFail(handle.describe(), id);
        await handle.delete();
        io.stdout(`Deleted schedule ${id}. A schedule created again continues from the watermarks their owner workflow holds.\n`);
        break;
    }
    return 0;
  } finally {
    await server.close();
  }
}

async function describeOrFail(description: Promise<ScheduleDescription>, id: string): Promise<ScheduleDescription> {
  try {
    return await description;
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) throw new CliError(`There is no schedule ${id}: create it with \`hcrm schedule create --every 1h\`.`);
    throw error;
  }
}

function specFrom(options: ScheduleSpecOptions): ScheduleOptions['spec'] {
  if (Boolean(options.every) === Boolean(options.cron)) throw new CliError('Say when to run: exactly one of --every <interval> (e.g. 15m, 1h) or --cron "<expression>".', 2);
  if (options.every) {
    if (!/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/.test(options.every.trim())) {
      throw new CliError(`--every must be a duration such as 30s, 15m, 1h or 1d (got "${options.every}")`, 2);
    }
    return { intervals: [{ every: options.every.trim() as `${number}${'s' | 'm' | 'h' | 'd'}` }] };
  }
  return { cronExpressions: [options.cron as string] };
}

function describeSpec(options: ScheduleSpecOptions): string {
  return options.every ? `every ${options.every}` : `cron "${options.cron}"`;
}

function render(id: string, d: ScheduleDescription, uiUrl: string | undefined, namespace: string): string {
  const every = d.spec.intervals?.map((i) => `every ${humanDuration(i.every)}`) ?? [];
  // The server keeps a cron expression as calendar specs.
  const calendars = d.spec.calendars?.length ? [`cron (${d.spec.calendars.length} calendar spec${d.spec.calendars.length > 1 ? 's' : ''})`] : [];
  const recent = d.info.recentActions.slice(-5).map((a) => `  ${a.takenAt.toISOString()}  ${a.action.workflow.workflowId}`);
  const last = d.info.recentActions.at(-1);
  const lines = [
    `Schedule ${id}${uiUrl ? `  ${uiUrl}/namespaces/${namespace}/schedules/${id}` : ''}`,
    `  when:           ${[...every, ...calendars].join(', ') || 'never (no spec)'}`,
    `  state:          ${d.state.paused ? 'PAUSED' : 'active'}${d.state.note ? ` (${d.state.note})` : ''}`,
    `  overlap:        ${d.policies.overlap}, catch-up window ${Math.round(d.policies.catchupWindow / 1000)}s`,
    `  next runs:      ${d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()).join(', ') || '-'}`,
    `  runs started:   ${d.info.numActionsTaken}, skipped (overlap): ${d.info.numActionsSkippedOverlap}, running now: ${d.info.runningActions.length}`,
    last ? `  last started:   ${last.takenAt.toISOString()} ${last.action.workflow.workflowId}` : '  last started:   never',
    ...(recent.length ? ['  recent runs:', ...recent] : []),
    '',
  ];
  return lines.join('\n');
}


/** 7200000 (ms) -> "2h"; strings are printed as they are. */
function humanDuration(value: unknown): string {
  if (typeof value !== 'number') return String(value);
  for (const [unit, ms] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (value >= ms && value % ms === 0) return `${value / ms}${unit}`;
  }
  return `${value}ms`;
}
