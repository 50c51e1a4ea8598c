import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RegisteredSource } from './source';
import { sourceContractProblems } from './source-contract';

/**
 * The generic source contract as a vitest suite, for a source lib's own test:
 * `describeSourceContract(source, import.meta.url)` from a file in the lib's src/.
 */
export function describeSourceContract(source: RegisteredSource, testFileUrl: string): void {
  const read = (path: string): string | undefined => {
    try {
      return readFileSync(new URL(`../${path}`, testFileUrl), 'utf8');
    } catch {
      return undefined;
    }
  };
  describe(`${source.definition.name} source`, () => {
    it('meets the source contract', () => {
      expect(sourceContractProblems(source, read)).toEqual([]);
    });
  });
}
