// The worker bundles this file: it must export workflows only, and import nothing with I/O.
export { pipelineRun, progressQuery } from './pipeline';
export { backfill, backfillProgressQuery } from './backfill';
export { watermarkOwner, watermarksQuery, advanceWatermarksUpdate } from './watermarks';
