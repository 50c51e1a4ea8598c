import { discoverSources } from '@hcrm/config';
import { describe, expect, it } from 'vitest';
import { DEFAULT_GENERATE_OPTIONS, generate as generateWith, type GenerateOptions } from './generate';

const sources = await discoverSources();
const generate = (options: GenerateOptions) => generateWith(options, sources);

const options = (overrides: Partial<GenerateOptions> = {}): GenerateOptions => ({
  ...DEFAULT_GENERATE_OPTIONS,
  persons: 300,
  syncedBefore: new Date('2026-06-01T00:00:00Z'),
  ...overrides,
});

describe('generate', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const first = [...generate(options())];
    const again = [...generate(options())];
    expect(again).toEqual(first);
    expect([...generate(options({ seed: 2 }))]).not.toEqual(first);
  });

  it('writes rows for every raw table of the sources with a synthetic part, and the truth behind every identifier', () => {
    const [chunk] = [...generate(options())];
    expect(chunk?.persons).toBe(300);
    const tables = sources.filter((s) => s.synthetic).flatMap((s) => s.definition.rawTables.map((t) => t.name));
    expect(tables).toEqual(expect.arrayContaining(['manual_records_raw', 'manual_record_entities_raw', 'manual_record_memberships_raw', 'gadget_shops_raw', 'shopify_partner_app_events_raw']));
    for (const table of tables) expect(chunk?.tables[table]?.length, table).toBeGreaterThan(0);
    const truth = chunk?.truth ?? [];
    expect(new Set(truth.filter((t) => t.entity_type === 'person' && t.kind === 'real').map((t) => t.true_id)).size).toBe(300);
    expect(new Set(truth.filter((t) => t.entity_type === 'group').map((t) => t.true_id)).size).toBe(60);
    // Noise: written variants, junk and shared generic addresses, each marked in the truth.
    expect(truth.some((t) => t.identifier_type === 'email' && t.raw_value !== t.raw_value.toLowerCase())).toBe(true);
    expect(truth.some((t) => t.kind === 'junk')).toBe(true);
    expect(truth.some((t) => t.kind === 'shared' && t.raw_value.startsWith('info@'))).toBe(true);
    expect(truth.filter((t) => t.kind === 'real').every((t) => t.linkable_id.startsWith(t.true_id))).toBe(true);
  });

  it('without noise writes canonical values only', () => {
    const truth = [...generate(options({ noise: false }))].flatMap((c) => c.truth);
    expect(truth.every((t) => t.kind === 'real')).toBe(true);
    expect(truth.filter((t) => t.identifier_type === 'email').every((t) => t.raw_value === t.raw_value.trim().toLowerCase())).toBe(true);
  });
});
