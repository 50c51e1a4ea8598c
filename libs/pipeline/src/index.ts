export { createPipelineWorker, type PipelineWorkerOptions } from './worker';
export { findSource, registeredSources } from './sources';
export { BACKFILL_WORKFLOW, latestSuccessfulRun, PIPELINE_WORKFLOW, type PreviousRun } from './runs';
