import type { RegisteredSource } from '@hcrm/contracts';
import { gadgetDemoRows } from './demo';
import { gadget } from './source';
import { gadgetSynthetic } from './synthetic';

export { gadget, gadgetDemoRows };

/** The registry discovers this export (libs/pipeline/src/sources.ts). */
export const source: RegisteredSource = { definition: gadget, demoRows: gadgetDemoRows, synthetic: gadgetSynthetic };
