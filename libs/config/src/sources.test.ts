import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { discoverSources, SOURCES_FOLDER } from './sources';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A scratch checkout whose libs/sources/ holds the given src/index.ts files by folder. */
function checkout(libs: Record<string, string | undefined>): string {
  const root = mkdtempSync(join(tmpdir(), 'hcrm-discover-'));
  roots.push(root);
  for (const [folder, index] of Object.entries(libs)) {
    mkdirSync(join(root, SOURCES_FOLDER, folder, 'src'), { recursive: true });
    if (index !== undefined) writeFileSync(join(root, SOURCES_FOLDER, folder, 'src', 'index.ts'), index);
  }
  return root;
}

const lib = (name: string) => `export const source = { definition: { name: '${name}' }, demoRows: () => ({}) };\n`;

describe('discoverSources', () => {
  it("finds this checkout's source libs, sorted by name", async () => {
    const names = (await discoverSources()).map((s) => s.definition.name);
    expect(names).toEqual(expect.arrayContaining(['gadget', 'manual', 'shopify_partner']));
    expect(names).toEqual([...names].sort());
  });

  it('takes every folder with a src/index.ts and skips the others', async () => {
    const root = checkout({ zeta: lib('zeta'), alpha: lib('alpha'), notes: undefined });
    expect((await discoverSources(root)).map((s) => s.definition.name)).toEqual(['alpha', 'zeta']);
  });

  it('says which lib does not export `source`', async () => {
    const root = checkout({ broken: 'export const other = 1;\n' });
    await expect(discoverSources(root)).rejects.toThrow('libs/sources/broken/src/index.ts does not export `source`');
  });

  it('refuses a lib whose folder is not named as its source', async () => {
    const root = checkout({ crm: lib('hubspot') });
    await expect(discoverSources(root)).rejects.toThrow('declares the source "hubspot": a source lib\'s folder is named as its source (libs/sources/hubspot)');
  });
});
