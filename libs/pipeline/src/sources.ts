import { ADD_SOURCE_HINT, discoverSources } from '@hcrm/config';
import type { RegisteredSource } from '@hcrm/contracts';

/**
 * Every source the pipeline lands and builds: the source libs of libs/sources/, discovered
 * when this module loads (@hcrm/config discoverSources). dbt learns them from the
 * HCRM_SOURCES variable, and the worker writes dbt_project/packages.yml from them.
 */
export const registeredSources: readonly RegisteredSource[] = await discoverSources();

/** The registered source called `name`, or an error that lists the known ones and says how to add one. */
export function findSource(name: string): RegisteredSource {
  const source = registeredSources.find((s) => s.definition.name === name);
  if (!source) {
    const known = registeredSources.map((s) => s.definition.name).join(', ');
    throw new Error(`source "${name}" is not registered; known sources: ${known}; ${ADD_SOURCE_HINT}`);
  }
  return source;
}
