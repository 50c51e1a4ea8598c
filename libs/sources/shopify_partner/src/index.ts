import type { RegisteredSource } from '@hcrm/contracts';
import { shopifyPartnerDemoRows } from './demo';
import { shopifyPartner } from './source';
import { shopifyPartnerSynthetic } from './synthetic';

export { shopifyPartner, shopifyPartnerDemoRows };

/** The registry discovers this export (libs/pipeline/src/sources.ts). */
export const source: RegisteredSource = { definition: shopifyPartner, demoRows: shopifyPartnerDemoRows, synthetic: shopifyPartnerSynthetic };
