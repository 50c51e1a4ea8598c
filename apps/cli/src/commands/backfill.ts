import type { HcrmConfig } from '@hcrm/config';
import { planBackfill, rootCauseMessage, type BackfillInput, type BackfillProgress } from '@hcrm/contracts';
import { CliError } from '../errors';
import { formatSeconds } from '../format';
import type { CliIo } from '../io';
import { BACKFILL_WORKFLOW } from '../runs';
import { openSession } from '../session';

const POLL_MS = 500;

/**
 * `hcrm backfill --source x --from ... --to ...`: starts the `backfill` workflow (the same one
 * the Temporal UI's Start Workflow form starts) and follows its progress until it ends;
 * Ctrl-C cancels it.
 */
export async function backfillCommand(config: HcrmConfig, io: CliIo, input: BackfillInput): Promise<number> {
  // The workflow checks the same rules; checking here first saves starting a server.
  const plan = planBackfill(input);
  if (plan.problems.length) throw new CliError(`Bad backfill: ${plan.problems.join('; ')}`, 2);
  const started = Date.now();
  const session = await openSession(config, 'run');
  try {
    const workflowId = `hcrm-backfill-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    const handle = await session.client.workflow.start(BACKFILL_WORKFLOW, { taskQueue: config.temporal.taskQueue, workflowId, args: [input] });
    const link = session.target.uiUrl ? `${session.target.uiUrl}/namespaces/${config.temporal.namespace}/workflows/${workflowId}` : workflowId;
    io.stdout(`Backfill ${workflowId}: ${input.sources.join(', ')} (${input.from}, ${input.to}] in ${plan.chunks.length} chunk(s)\n  ${link}\n`);
    void io.interrupted().then(async () => {
      io.stderr('\nCancelling the backfill (Ctrl-C) ...\n');
      await handle.cancel();
    });
    let finished = false;
    const result = handle.result();
    result.then(
      () => (finished = true),
      () => (finished = true),
    );
    let last = '';
    while (!finished) {
      await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, POLL_MS))]);
      if (finished) break;
      try {
        const progress = await handle.query<BackfillProgress>('backfillProgress');
        const line = `  ${progress.status} ${progress.chunksDone}/${progress.chunksTotal} chunks, ${progress.rows} rows${progress.detail ? `  ${progress.detail}` : ''}`;
        if (line !== last) io.stdout(`${line}\n`);
        last = line;
      } catch {
        // no worker has picked the workflow up yet
      }
    }
    try {
      const value = (await result) as { chunks: number; rows: number; finalTables: Array<{ table: string; rows: number }> };
      io.stdout(
        `Backfill done in ${formatSeconds(Date.now() - started)}: ${value.chunks} chunks, ${value.rows} rows rewritten. ` +
          `Final tables: ${value.finalTables.map((t) => `${t.table} ${t.rows}`).join(', ')}\n`,
      );
      return 0;
    } catch (error) {
      throw new CliError(`Backfill ${workflowId} failed: ${rootCauseMessage(error)}`);
    }
  } finally {
    await session.close();
  }
}
