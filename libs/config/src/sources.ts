import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RegisteredSource } from '@hcrm/contracts';
import { findRepoRoot } from './repo-root';

/** Where source libs live, relative to the checkout: one folder per source, named as the source. */
export const SOURCES_FOLDER = 'libs/sources';

/** How to add a source, for messages that name the known ones. */
export const ADD_SOURCE_HINT = 'add one with `npx nx g @hcrm/nx-plugin:source <name>` (docs/sources.md)';

/**
 * The source libs of a checkout, by discovery: every folder of libs/sources/ with a
 * src/index.ts is a source lib, and its `source` export is the source. Adding a source is
 * adding its folder (the generator writes one); nothing else lists the sources. Sorted by name.
 */
export async function discoverSources(repoRoot: string = findRepoRoot()): Promise<RegisteredSource[]> {
  const dir = join(repoRoot, SOURCES_FOLDER);
  const folders = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'src', 'index.ts')))
    .map((entry) => entry.name)
    .sort();
  const sources: RegisteredSource[] = [];
  for (const folder of folders) {
    const where = `${SOURCES_FOLDER}/${folder}/src/index.ts`;
    const module = (await import(pathToFileURL(join(dir, folder, 'src', 'index.ts')).href)) as { source?: RegisteredSource };
    const source = module.source;
    if (!source?.definition) throw new Error(`${where} does not export \`source\` (a RegisteredSource from @hcrm/contracts); see docs/sources.md`);
    if (source.definition.name !== folder) {
      throw new Error(`${where} declares the source "${source.definition.name}": a source lib's folder is named as its source (${SOURCES_FOLDER}/${source.definition.name})`);
    }
    sources.push(source);
  }
  return sources;
}

/**
 * The dbt packages of the checkout's source libs (every libs/sources/<name>/dbt with a
 * dbt_project.yml), relative to dbt_project/ as packages.yml lists them. The worker installs
 * all of them whichever sources a run names, so concurrent runs never fight over packages.yml.
 */
export function sourceDbtPackages(repoRoot: string = findRepoRoot()): string[] {
  const dir = join(repoRoot, SOURCES_FOLDER);
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'dbt', 'dbt_project.yml')))
    .map((entry) => `../${SOURCES_FOLDER}/${entry.name}/dbt`)
    .sort();
}
