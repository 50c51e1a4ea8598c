import { describe, expect, it } from 'vitest';
import { registeredSources } from './sources';

describe('registered sources', () => {
  it('have unique names', () => {
    const names = registeredSources.map((s) => s.definition.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('prefix every raw table with the source name and suffix it with _raw', () => {
    for (const { definition } of registeredSources) {
      for (const table of definition.rawTables) expect(table.name).toMatch(new RegExp(`^${definition.name}_\\w+_raw$`));
    }
  });
});
