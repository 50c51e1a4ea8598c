import type { RegisteredSource } from '@hcrm/contracts';
import { shopifyPartnerDemoRows } from './demo';
import { shopifyPartner } from './source';

export { shopifyPartner, shopifyPartnerDemoRows };

export const shopifyPartnerSource: RegisteredSource = { definition: shopifyPartner, demoRows: shopifyPartnerDemoRows };
