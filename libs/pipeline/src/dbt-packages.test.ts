import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { registeredSources } from './sources';

const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

// The registry is the one declaration of the sources; dbt's packages.yml must follow it.
describe('dbt packages of the registered sources', () => {
  const packages = (parse(readFileSync(repo('dbt_project/packages.yml'), 'utf8')) as { packages: Array<{ local?: string }> })
    .packages;

  it('lists exactly one local package per registered source', () => {
    const listed = packages.map((p) => p.local).sort();
    const expected = registeredSources.map((s) => `../libs/sources/${s.definition.name}/dbt`).sort();
    expect(listed).toEqual(expected);
  });

  for (const { definition } of registeredSources) {
    it(`${definition.name}: its package is named ${definition.dbtPackage} and defines every declared interface`, () => {
      const project = parse(readFileSync(repo(`libs/sources/${definition.name}/dbt/dbt_project.yml`), 'utf8')) as { name: string };
      expect(project.name).toBe(definition.dbtPackage);
      for (const iface of definition.interfaces) {
        const model = repo(`libs/sources/${definition.name}/dbt/models/source/${definition.name}_${iface}.sql`);
        expect(() => readFileSync(model)).not.toThrow();
      }
    });
  }
});
