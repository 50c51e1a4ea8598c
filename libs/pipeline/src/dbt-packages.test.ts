import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRepoRoot, sourceDbtPackages, SOURCES_FOLDER } from '@hcrm/config';
import { dbtPackagesYaml } from '@hcrm/dbt';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { registeredSources } from './sources';

const repoRoot = findRepoRoot();

// The source libs are the one declaration of the sources: the dbt packages the worker installs
// (dbt_project/packages.yml, generated) are the source libs' own.
describe('dbt packages of the discovered sources', () => {
  it('are exactly the registered sources, one local package each', () => {
    expect(sourceDbtPackages(repoRoot)).toEqual(registeredSources.map((s) => `../${SOURCES_FOLDER}/${s.definition.name}/dbt`).sort());
  });

  it('render as the packages.yml dbt deps reads', () => {
    const yaml = parse(dbtPackagesYaml(sourceDbtPackages(repoRoot))) as { packages: Array<{ local: string }> };
    expect(yaml.packages.map((p) => p.local)).toEqual(sourceDbtPackages(repoRoot));
    for (const { local } of yaml.packages) expect(existsSync(join(repoRoot, 'dbt_project', local, 'dbt_project.yml')), local).toBe(true);
  });

  for (const { definition } of registeredSources) {
    it(`${definition.name}: its package is named ${definition.dbtPackage}`, () => {
      const project = parse(readFileSync(join(repoRoot, SOURCES_FOLDER, definition.name, 'dbt', 'dbt_project.yml'), 'utf8')) as { name: string };
      expect(project.name).toBe(definition.dbtPackage);
    });
  }

  describe('in a checkout with a folder that is not a source lib', () => {
    const root = mkdtempSync(join(tmpdir(), 'hcrm-sources-'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    it('lists only folders with a dbt package', () => {
      mkdirSync(join(root, SOURCES_FOLDER, 'crm_b', 'dbt'), { recursive: true });
      writeFileSync(join(root, SOURCES_FOLDER, 'crm_b', 'dbt', 'dbt_project.yml'), 'name: hcrm_source_crm_b\n');
      mkdirSync(join(root, SOURCES_FOLDER, 'notes'), { recursive: true });
      mkdirSync(join(root, SOURCES_FOLDER, 'crm_a', 'dbt'), { recursive: true });
      writeFileSync(join(root, SOURCES_FOLDER, 'crm_a', 'dbt', 'dbt_project.yml'), 'name: hcrm_source_crm_a\n');
      expect(sourceDbtPackages(root)).toEqual([`../${SOURCES_FOLDER}/crm_a/dbt`, `../${SOURCES_FOLDER}/crm_b/dbt`]);
    });
  });
});
