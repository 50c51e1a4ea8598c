export { createPipelineWorker, type PipelineWorkerOptions } from './worker';
export { registeredSources } from './sources';
