import type { RegisteredSource } from '@hcrm/contracts';
import { manualDemoRows } from './demo';
import { manual } from './source';

export * from './csv';
export * from './flatten';
export * from './read-file';
export * from './record';
export { DEMO_SYNCED_AT, manualDemoRows } from './demo';
export { manual, MANUAL_REJECTS_TABLE } from './source';

export const manualSource: RegisteredSource = { definition: manual, demoRows: manualDemoRows };
