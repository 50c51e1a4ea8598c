export { createPipelineWorker, type PipelineWorkerOptions } from './worker';
export { findSource, registeredSources } from './sources';
export { BACKFILL_WORKFLOW, PIPELINE_WORKFLOW } from './runs';
export { describeWatermarkOwner, watermarkOwnerClient } from './watermark-owner';
