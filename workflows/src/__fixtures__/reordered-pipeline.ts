// A deliberately incompatible pipelineRun (it skips landing and builds the layers in reverse)
// used to prove that the replay test fails on a change that breaks recorded histories.
import { proxyActivities } from '@temporalio/workflow';
import type { Layer, PipelineActivities } from '@hcrm/contracts';

const { dbtBuild } = proxyActivities<PipelineActivities>({ startToCloseTimeout: '1 minute' });

export async function pipelineRun(): Promise<void> {
  const reversed: Layer[] = ['final', 'identity', 'core', 'source', 'raw'];
  for (const layer of reversed) await dbtBuild({ layer });
}

// An incompatible backfill: it builds before checking its input.
export async function backfill(): Promise<void> {
  await dbtBuild({ layer: 'final' });
}

// An incompatible watermark owner: it builds instead of recording its state.
export async function watermarkOwner(): Promise<void> {
  await dbtBuild({ layer: 'final' });
}
