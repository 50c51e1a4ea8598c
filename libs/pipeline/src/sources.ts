import type { RegisteredSource } from '@hcrm/contracts';
import { gadgetSource } from '@hcrm/source-gadget';
import { manualSource } from '@hcrm/source-manual';
import { shopifyPartnerSource } from '@hcrm/source-shopify-partner';

/**
 * Every source the pipeline lands and builds: the one registry. dbt learns it from the
 * HCRM_SOURCES variable; dbt_project/packages.yml lists each one's dbt package (a test keeps
 * the two in step).
 */
export const registeredSources: readonly RegisteredSource[] = [gadgetSource, manualSource, shopifyPartnerSource];

/** The registered source called `name`, or an error that lists the known ones. */
export function findSource(name: string): RegisteredSource {
  const source = registeredSources.find((s) => s.definition.name === name);
  if (!source) {
    const known = registeredSources.map((s) => s.definition.name).sort().join(', ');
    throw new Error(`source "${name}" is not registered; known sources: ${known}`);
  }
  return source;
}
