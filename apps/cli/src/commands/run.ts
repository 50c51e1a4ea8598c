import type { HcrmConfig } from '@hcrm/config';
import { describeWatermarkOrigin, ENTITY_TYPES, rootCauseMessage, type PipelineInput, type PipelineProgress, type PipelineResult, type StepProgress } from '@hcrm/contracts';
import type { WorkflowHandle } from '@temporalio/client';
import { CliError } from '../errors';
import { formatSeconds, formatTable } from '../format';
import type { CliIo } from '../io';
import { PIPELINE_WORKFLOW } from '../runs';
import { openSession } from '../session';

const POLL_MS = 400;

export interface RunOptions {
  demoData: boolean;
  fullRefresh: boolean;
}

/** `hcrm run`: one pipeline run as a Temporal workflow, with progress per step and a summary. */
export async function runCommand(config: HcrmConfig, io: CliIo, options: RunOptions): Promise<number> {
  const started = Date.now();
  const session = await openSession(config, 'run');
  try {
    const how = { env: 'TEMPORAL_ADDRESS', stack: 'the running `hcrm up`', started: 'a dev server started for this run' };
    io.stdout(`Temporal ${session.target.address} (${how[session.target.origin]})\n`);
    const workflowId = `hcrm-run-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    const input: PipelineInput = { landDemoData: options.demoData, ...(options.fullRefresh ? { fullRefresh: true } : {}) };
    if (options.fullRefresh) {
      io.stdout('Full refresh: every layer is rebuilt and identities are resolved from scratch; entity ids may be renumbered.\n');
    }
    const handle = await session.client.workflow.start(PIPELINE_WORKFLOW, {
      taskQueue: config.temporal.taskQueue,
      workflowId,
      args: [input],
    });
    const link = session.target.uiUrl
      ? `${session.target.uiUrl}/namespaces/${config.temporal.namespace}/workflows/${workflowId}`
      : workflowId;
    io.stdout(`Run ${workflowId}\n  ${link}\n`);

    const stopOnCtrlC = io.interrupted().then(async () => {
      io.stderr('\nCancelling the run (Ctrl-C) ...\n');
      await handle.cancel();
    });
    void stopOnCtrlC;

    const printer = new ProgressPrinter(io);
    const resultPromise = handle.result() as Promise<PipelineResult>;
    let finished = false;
    resultPromise.then(
      () => (finished = true),
      () => (finished = true),
    );
    while (!finished) {
      await Promise.race([resultPromise.catch(() => undefined), sleep(POLL_MS)]);
      if (finished) break;
      try {
        printer.update((await handle.query<PipelineProgress>('progress')).steps);
        printer.activity(await pendingActivity(handle));
      } catch {
        // The workflow may not have a worker yet (it is starting); the next poll asks again.
      }
    }
    let result: PipelineResult;
    try {
      result = await resultPromise;
    } catch (error) {
      try {
        printer.update((await handle.query<PipelineProgress>('progress')).steps);
      } catch {
        // a closed workflow may have no worker left to answer; the error below says enough
      }
      throw new CliError(`Run ${workflowId} failed: ${rootCauseMessage(error)}`);
    }
    printer.update(result.steps);
    io.stdout(summary(result, Date.now() - started));
    return 0;
  } finally {
    await session.close();
  }
}

/** Prints a line when a step starts and when it ends, never the same transition twice. */
class ProgressPrinter {
  private readonly seen = new Map<string, string>();
  constructor(private readonly io: CliIo) {}

  update(steps: readonly StepProgress[]): void {
    for (const step of steps) {
      const previous = this.seen.get(step.name);
      if (previous === step.status) continue;
      if (step.status !== 'pending' && previous !== 'running' && step.status !== 'running') {
        this.print({ ...step, status: 'running' });
      }
      this.seen.set(step.name, step.status);
      this.print(step);
    }
  }

  private lastActivity = '';

  /** What the running activity last reported: dbt's latest model line, or why it waits. */
  activity(line: string | undefined): void {
    if (!line || line === this.lastActivity) return;
    this.lastActivity = line;
    this.io.stdout(`        ${line}\n`);
  }

  private print(step: StepProgress): void {
    const took = step.startedAt && step.finishedAt ? ` ${formatSeconds(step.finishedAt - step.startedAt)}` : '';
    if (step.status === 'running') this.io.stdout(`  ... ${step.name}\n`);
    if (step.status === 'completed') this.io.stdout(`  ok  ${step.name}${took}  ${step.detail ?? ''}\n`);
    if (step.status === 'failed') this.io.stdout(`  FAILED ${step.name}${took}  ${step.detail ?? ''}\n`);
  }
}

function summary(result: PipelineResult, wallMs: number): string {
  const dbtSeconds = result.layers.reduce((sum, layer) => sum + layer.seconds, 0);
  const lines = [
    '',
    formatTable(
      result.steps.map((step) => ({
        step: step.name,
        status: step.status,
        seconds: step.startedAt && step.finishedAt ? ((step.finishedAt - step.startedAt) / 1000).toFixed(1) : '',
        detail: step.detail ?? '',
      })),
    ).replace(/\(\d+ rows?\)\n$/, ''),
    `Final tables: ${result.finalTables.map((t) => `${t.table} ${t.rows}`).join(', ')}`,
    ...identityLines(result),
    ...watermarkLines(result),
    `Done in ${formatSeconds(wallMs)} (dbt ${dbtSeconds.toFixed(1)}s). Query the results: npx hcrm query "select * from persons"`,
    '',
  ];
  return lines.join('\n');
}

/**
 * The running activity's latest heartbeat (dbt's latest output line: layer, model, rows) or,
 * while it is being retried, its last failure (e.g. who holds the warehouse).
 */
async function pendingActivity(handle: WorkflowHandle): Promise<string | undefined> {
  const description = await handle.describe();
  const pending = description.raw.pendingActivities?.[0];
  if (!pending) return undefined;
  if (pending.attempt && pending.attempt > 1 && pending.lastFailure?.message) return `retrying (attempt ${pending.attempt}): ${pending.lastFailure.message}`;
  const payload = pending.heartbeatDetails?.payloads?.[0]?.data;
  if (!payload) return undefined;
  try {
    const details = JSON.parse(Buffer.from(payload).toString('utf8')) as { lastLine?: string; entityType?: string; round?: number; changed?: number };
    if (details.lastLine) return details.lastLine.replace(/^\d{2}:\d{2}:\d{2}\s+/, '').trim();
    if (details.entityType && details.round) return `${details.entityType}s: round ${details.round}, ${details.changed ?? 0} labels changed`;
  } catch {
    // not JSON: nothing to show
  }
  return undefined;
}

function watermarkLines(result: PipelineResult): string[] {
  if (!result.watermarks) return [];
  const origin = describeWatermarkOrigin(result.watermarkOrigin ?? 'none', result.watermarksFrom);
  const next = Object.entries(result.watermarks)
    .map(([source, at]) => `${source} ${at}`)
    .join(', ');
  const version = result.watermarkVersion === undefined ? '' : ` (owner version ${result.watermarkVersion})`;
  return [`Watermarks: started ${origin}; next run starts after ${next}${version}`];
}

function identityLines(result: PipelineResult): string[] {
  const identity = result.identity;
  if (!identity) return [];
  const lines: string[] = [];
  for (const entityType of ENTITY_TYPES) {
    const applied = identity[entityType];
    if (!applied) continue;
    lines.push(
      `Identity ${entityType}s: ${applied.batchRows} new identifier rows, ${applied.newEntities} new entities, ${applied.merges} merges, ` +
        `${applied.blocked} blocked values, ${applied.quarantined} edges quarantined by limits (${applied.iterations} rounds)`,
    );
  }
  const quarantined = (identity.person?.quarantined ?? 0) + (identity.group?.quarantined ?? 0);
  if (quarantined) lines.push('  Refused edges and why: npx hcrm query "select * from identity.identity_quarantine where reason = \'limit\'"');
  if (identity.fullRefresh) lines.push('Identities were resolved from scratch: entity ids may have been renumbered (see crm.identity_merges for merges since).');
  return lines;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
