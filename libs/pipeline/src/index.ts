export { createPipelineWorker, type PipelineWorkerOptions } from './worker';
export { findSource, registeredSources } from './sources';
