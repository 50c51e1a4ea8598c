import type { Client } from '@temporalio/client';
import type { PipelineResult } from '@hcrm/core';

export const PIPELINE_WORKFLOW = 'pipelineRun';
export const BACKFILL_WORKFLOW = 'backfill';

export interface PreviousRun {
  workflowId: string;
  runId: string;
  closeTime?: Date;
  result: PipelineResult;
}

/**
 * The latest successful pipeline run on a task queue (scheduled, triggered, from `hcrm run`
 * or the UI) whose result carries watermarks: the run the next one continues from. Reads the
 * newest executions the server lists; visibility can lag a run that closed a moment ago, in
 * which case an older run's watermarks are used and its window re-read (never skipped).
 */
export async function latestSuccessfulRun(client: Client, taskQueue: string): Promise<PreviousRun | undefined> {
  const query = `WorkflowType = '${PIPELINE_WORKFLOW}' AND ExecutionStatus = 'Completed' AND TaskQueue = '${taskQueue}'`;
  const candidates: Array<{ workflowId: string; runId: string; closeTime?: Date }> = [];
  for await (const execution of client.workflow.list({ query, pageSize: 50 })) {
    candidates.push({ workflowId: execution.workflowId, runId: execution.runId, closeTime: execution.closeTime });
    if (candidates.length >= 50) break;
  }
  candidates.sort((a, b) => (b.closeTime?.getTime() ?? 0) - (a.closeTime?.getTime() ?? 0));
  for (const candidate of candidates.slice(0, 5)) {
    const result = (await client.workflow.getHandle(candidate.workflowId, candidate.runId).result()) as PipelineResult;
    if (result?.watermarks) return { ...candidate, result };
  }
  return undefined;
}
