import type { RegisteredSource } from '@hcrm/core';
import { gadgetSource } from '@hcrm/source-gadget';

/** Every source the pipeline lands and builds. */
export const registeredSources: readonly RegisteredSource[] = [gadgetSource];
