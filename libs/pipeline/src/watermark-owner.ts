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

/**
 * The warehouse's watermark owner workflow through a Temporal client: started on first use
 * (one execution per warehouse id: `config.temporal.watermarkWorkflowId`), read with its query,
 * advanced with its Update. A run's activities use it; `hcrm status` reads its memo instead,
 * which needs no worker.
 */
export function watermarkOwnerClient(client: Client, config: HcrmConfig): WatermarkOwnerClient {
  const startOptions = {
    taskQueue: config.temporal.taskQueue,
    workflowId: config.temporal.watermarkWorkflowId,
    args: [] as [],
    workflowIdConflictPolicy: 'USE_EXISTING' as const,
  };
  return {
    async read() {
      const handle = await client.workflow.start(WATERMARK_OWNER_WORKFLOW, startOptions);
      return handle.query<WatermarkState>(WATERMARKS_QUERY);
    },
    async advance(advance: WatermarkAdvance) {
      try {
        return await client.workflow.executeUpdateWithStart<Workflow, WatermarkState, [WatermarkAdvance]>(ADVANCE_WATERMARKS_UPDATE, {
          args: [advance],
          startWorkflowOperation: new WithStartWorkflowOperation(WATERMARK_OWNER_WORKFLOW, startOptions),
        });
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
export async function describeWatermarkOwner(client: Client, config: HcrmConfig): Promise<WatermarkState | undefined> {
  try {
    const description = await client.workflow.getHandle(config.temporal.watermarkWorkflowId).describe();
    const memo = (description.memo ?? {}) as Partial<WatermarkState>;
    return { watermarks: memo.watermarks ?? {}, version: memo.version ?? 0, ...(memo.advancedBy ? { advancedBy: memo.advancedBy } : {}) };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}
