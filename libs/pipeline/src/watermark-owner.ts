import { WithStartWorkflowOperation, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure, type Workflow } from '@temporalio/common';
import type { WatermarkOwnerClient } from '@hcrm/activities';
import type { HcrmConfig } from '@hcrm/config';
import {
  ADVANCE_WATERMARKS_UPDATE,
  rootCauseMessage,
  WATERMARK_OWNER_WORKFLOW,
  WATERMARKS_QUERY,
  type WatermarkAdvance,
  type WatermarkState,
} from '@hcrm/contracts';

/** The owner's state as its memo shows it, and whether its execution is still running. */
export interface DescribedWatermarkOwner extends WatermarkState {
  running: boolean;
  /** The task queue its execution polls: the queue of the worker that started it. */
  taskQueue: string;
}

/**
 * The warehouse's watermark owner workflow through a Temporal client: started on first use
 * (one execution per warehouse id: `config.temporal.watermarkWorkflowId`), read with its query,
 * advanced with its Update. A run's activities use it; `hcrm status` reads its memo instead,
 * which needs no worker.
 */
export function watermarkOwnerClient(client: Client, config: HcrmConfig): WatermarkOwnerClient {
  const workflowId = config.temporal.watermarkWorkflowId;
  /**
   * How to start the owner when none is running: from the state a closed execution left in
   * its memo (terminated by hand, say), so its watermarks and version carry on; else empty.
   */
  const startOptions = async () => {
    const previous = await describeWatermarkOwner(client, config);
    if (previous?.running && previous.taskQueue !== config.temporal.taskQueue) {
      throw ApplicationFailure.nonRetryable(
        `the watermark owner ${workflowId} of this warehouse runs on task queue "${previous.taskQueue}", not this worker's "${config.temporal.taskQueue}": ` +
          `every worker of one warehouse must share one task queue (set HCRM_TASK_QUEUE=${previous.taskQueue})`,
        'WatermarkOwnerElsewhere',
      );
    }
    const seed: WatermarkState[] = previous && !previous.running && previous.version > 0 ? [stateOf(previous)] : [];
    return { taskQueue: config.temporal.taskQueue, workflowId, args: seed, workflowIdConflictPolicy: 'USE_EXISTING' as const };
  };
  return {
    async read() {
      const handle = await client.workflow.start(WATERMARK_OWNER_WORKFLOW, await startOptions());
      return handle.query<WatermarkState>(WATERMARKS_QUERY);
    },
    async advance(advance: WatermarkAdvance, signal?: AbortSignal) {
      const operation = new WithStartWorkflowOperation(WATERMARK_OWNER_WORKFLOW, await startOptions());
      const send = () =>
        client.workflow.executeUpdateWithStart<Workflow, WatermarkState, [WatermarkAdvance]>(ADVANCE_WATERMARKS_UPDATE, {
          args: [advance],
          // One id per run: the server answers a retried attempt with the first one's outcome.
          updateId: `advance-${advance.runId}`,
          startWorkflowOperation: operation,
        });
      try {
        return await (signal ? client.withAbortSignal(signal, send) : send());
      } catch (error) {
        // The owner refused it (it moved since the run read it): retrying cannot change that.
        if (error instanceof WorkflowUpdateFailedError) {
          throw ApplicationFailure.nonRetryable(`the watermark owner refused the advance: ${rootCauseMessage(error)}`, 'WatermarksMoved');
        }
        throw error;
      }
    },
  };
}

/** What the owner's memo says (undefined when it has never run), without asking a worker. */
export async function describeWatermarkOwner(client: Client, config: HcrmConfig): Promise<DescribedWatermarkOwner | undefined> {
  try {
    const description = await client.workflow.getHandle(config.temporal.watermarkWorkflowId).describe();
    const memo = (description.memo ?? {}) as Partial<WatermarkState>;
    return {
      watermarks: memo.watermarks ?? {},
      version: memo.version ?? 0,
      ...(memo.advancedBy ? { advancedBy: memo.advancedBy } : {}),
      running: description.status.name === 'RUNNING',
      taskQueue: description.taskQueue,
    };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

function stateOf(described: DescribedWatermarkOwner): WatermarkState {
  return { watermarks: described.watermarks, version: described.version, ...(described.advancedBy ? { advancedBy: described.advancedBy } : {}) };
}
