export { createPipelineWorker, type PipelineWorkerOptions } from './worker';
export { findSource, registeredSources } from './sources';
export { BACKFILL_WORKFLOW, PIPELINE_WORKFLOW } from './runs';
export { describeWatermarkOwner, watermarkOwnerClient } from './watermark-owner';
// The warehouse lock, for the commands that write raw rows outside a run (hcrm ingest, generate).
export { describeHolder, holderIsActive, processLockOwner, releaseWarehouseLock, tryWarehouseLock, type ExecutionLiveness } from '@hcrm/activities';
