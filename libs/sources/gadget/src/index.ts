import type { RegisteredSource } from '@hcrm/contracts';
import { gadgetDemoRows } from './demo';
import { gadget } from './source';

export { gadget, gadgetDemoRows };

export const gadgetSource: RegisteredSource = { definition: gadget, demoRows: gadgetDemoRows };
