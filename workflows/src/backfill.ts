import { ApplicationFailure, CancellationScope, defineQuery, isCancellation, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  planBackfill,
  rootCauseMessage,
  type BackfillInput,
  type BackfillProgress,
  type DbtLayerResult,
  type IdentityRunSummary,
  type Layer,
  type LockOwner,
  type TableCount,
} from '@hcrm/contracts';
import { acquireWarehouse, checkSources, dbtBuild, releaseWarehouse, resolveIdentities, setWindows, summarizeFinalTables } from './pipeline';

/** Answers with chunks done / total and rows written; `hcrm backfill` polls it. */
export const backfillProgressQuery = defineQuery<BackfillProgress>('backfillProgress');

export interface BackfillResult {
  chunks: number;
  /** Landed rows the chunks reprocessed through every layer. */
  rows: number;
  layers: DbtLayerResult[];
  identity: IdentityRunSummary;
  finalTables: TableCount[];
}

/** The layers a chunk rebuilds from its window; identity and final run once, after all chunks. */
const CHUNK_LAYERS: Layer[] = ['raw', 'source', 'core'];

/**
 * Reprocesses the raw rows of some sources whose synced_at is in (from, to], chunk by chunk,
 * through every downstream layer. It holds the warehouse like a pipeline run (one at a time)
 * and never advances the pipeline runs' watermarks (their owner workflow). Chunks run
 * one after another: DuckDB has one writer, and every chunk shares the windows table.
 */
export async function backfill(input: BackfillInput): Promise<BackfillResult> {
  const progress: BackfillProgress = { status: 'validating', chunksDone: 0, chunksTotal: 0, rows: 0 };
  setHandler(backfillProgressQuery, () => progress);

  const plan = planBackfill(input);
  if (plan.problems.length) {
    progress.status = 'failed';
    progress.detail = plan.problems.join('; ');
    throw ApplicationFailure.nonRetryable(`bad backfill input: ${progress.detail}`, 'BadBackfillInput');
  }
  try {
    await checkSources({ sources: input.sources });
  } catch (error) {
    progress.status = 'failed';
    progress.detail = rootCauseMessage(error);
    throw error;
  }
  progress.chunksTotal = plan.chunks.length;

  const info = workflowInfo();
  const owner: LockOwner = { workflowId: info.workflowId, runId: info.runId, purpose: 'backfill' };
  progress.status = 'waiting-for-warehouse';
  await acquireWarehouse(owner);
  const result: BackfillResult = { chunks: plan.chunks.length, rows: 0, layers: [], identity: { fullRefresh: false, memberships: { rows: 0 } }, finalTables: [] };
  try {
    progress.status = 'running';
    for (const [index, chunk] of plan.chunks.entries()) {
      progress.detail = `chunk ${index + 1}/${plan.chunks.length}: ${input.sources.join(', ')} (${chunk.from}, ${chunk.to}]`;
      const from = Object.fromEntries(input.sources.map((source) => [source, chunk.from]));
      const windows = await setWindows({ sources: input.sources, from, to: chunk.to, lookbackMinutes: 0, runId: info.runId });
      for (const layer of CHUNK_LAYERS) result.layers.push(await dbtBuild({ layer }));
      const rows = windows.reduce((sum, window) => sum + (window.rows ?? 0), 0);
      result.rows += rows;
      progress.rows += rows;
      progress.chunksDone += 1;
    }
    progress.detail = 'identity resolution';
    result.identity = await resolveIdentities(false, undefined);
    progress.detail = 'final tables';
    result.layers.push(await dbtBuild({ layer: 'final' }));
    result.finalTables = await summarizeFinalTables();
    progress.status = 'completed';
    progress.detail = `${progress.chunksDone} chunks, ${progress.rows} rows`;
    return result;
  } catch (error) {
    progress.status = isCancellation(error) ? 'cancelled' : 'failed';
    progress.detail = rootCauseMessage(error);
    throw error;
  } finally {
    await CancellationScope.nonCancellable(() => releaseWarehouse(owner));
  }
}
