export const PIPELINE_WORKFLOW = 'pipelineRun';
export const BACKFILL_WORKFLOW = 'backfill';
