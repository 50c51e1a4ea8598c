import type { RegisteredSource } from '@hcrm/contracts';
import { manualDemoRows } from './demo';
import { manualLoader } from './loader';
import { manual } from './source';
import { manualSynthetic } from './synthetic';

export * from './csv';
export * from './flatten';
export * from './read-file';
export { manualLoader } from './loader';
export * from './record';
export { DEMO_SYNCED_AT, manualDemoRows } from './demo';
export { manual, MANUAL_REJECTS_TABLE } from './source';

/** The registry discovers this export (libs/pipeline/src/sources.ts). */
export const source: RegisteredSource = { definition: manual, demoRows: manualDemoRows, loader: manualLoader, synthetic: manualSynthetic };
