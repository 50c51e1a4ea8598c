import { describe, expect, it } from 'vitest';
import { flattenRecord } from './flatten';
import type { FlatRecord } from './flatten';
import { parseJsonLine } from './record';
import type { ManualRecord } from './record';
import { manual } from './source';

const SYNCED_AT = '2024-06-01T00:00:00.000Z';

function record(value: Record<string, unknown>): ManualRecord {
  const result = parseJsonLine(JSON.stringify(value));
  if (!result.ok) throw new Error(result.reason);
  return result.record;
}

function declaredColumns(table: keyof FlatRecord): string[] {
  const declared = manual.rawTables.find((t) => t.name === table);
  if (!declared) throw new Error(`manual declares no table ${table}`);
  return Object.keys(declared.columns).sort();
}

const FULL = record({
  id: 'rec-1',
  occurred_at: '2024-01-01T10:00:00',
  event_name: 'deal_won',
  event_type: 'deal',
  event_description: 'Annual plan',
  value: 1200,
  value_unit: 'USD',
  persons: [
    { identifiers: { email: ['ann@x.com', 'ann@home.org'], phone: '555' }, traits: { name: 'Ann', age: 42, title: null } },
    { identifiers: { email: 'bob@x.com' } },
  ],
  groups: [{ identifiers: { domain: 'x.com' }, traits: { name: 'X Inc' } }],
  memberships: [
    { person: { email: 'ann@x.com' }, group: { domain: 'x.com' }, role: 'owner' },
    { person: { email: 'bob@x.com' }, group: { domain: 'x.com' } },
  ],
});

describe('flattenRecord', () => {
  it('declares the three tables it fills', () => {
    expect(manual.rawTables.map((t) => t.name)).toEqual(['manual_records_raw', 'manual_record_entities_raw', 'manual_record_memberships_raw']);
  });

  it('keys every row exactly by the declared columns of its table', () => {
    const flat = flattenRecord(FULL, SYNCED_AT, 'import.jsonl', 3);
    expect(Object.keys(flat.manual_records_raw).sort()).toEqual(declaredColumns('manual_records_raw'));
    expect(flat.manual_record_entities_raw.length).toBeGreaterThan(0);
    for (const row of flat.manual_record_entities_raw) expect(Object.keys(row).sort()).toEqual(declaredColumns('manual_record_entities_raw'));
    expect(flat.manual_record_memberships_raw.length).toBeGreaterThan(0);
    for (const row of flat.manual_record_memberships_raw) {
      expect(Object.keys(row).sort()).toEqual(declaredColumns('manual_record_memberships_raw'));
    }
  });

  it('keeps the declared columns when optional fields are absent', () => {
    const flat = flattenRecord(record({ id: 'bare', occurred_at: '2024-01-01T10:00:00Z' }), SYNCED_AT, 'f.jsonl', 1);
    expect(Object.keys(flat.manual_records_raw).sort()).toEqual(declaredColumns('manual_records_raw'));
    expect(flat.manual_records_raw).toEqual({
      id: 'bare',
      occurred_at: '2024-01-01T10:00:00.000Z',
      event_name: 'record_imported',
      event_type: null,
      event_description: null,
      value: null,
      value_unit: null,
      source_file: 'f.jsonl',
      line_number: 1,
      synced_at: SYNCED_AT,
    });
    expect(flat.manual_record_entities_raw).toEqual([]);
    expect(flat.manual_record_memberships_raw).toEqual([]);
  });

  it('writes the record row with the file, line and import time', () => {
    expect(flattenRecord(FULL, SYNCED_AT, '/data/import.jsonl', 7).manual_records_raw).toEqual({
      id: 'rec-1',
      occurred_at: '2024-01-01T10:00:00.000Z',
      event_name: 'deal_won',
      event_type: 'deal',
      event_description: 'Annual plan',
      value: 1200,
      value_unit: 'USD',
      source_file: '/data/import.jsonl',
      line_number: 7,
      synced_at: SYNCED_AT,
    });
  });

  it('writes one entity row per identifier value and per trait, persons before groups', () => {
    const common = { event_id: 'rec-1', line_number: 7, synced_at: SYNCED_AT };
    expect(flattenRecord(FULL, SYNCED_AT, 'import.jsonl', 7).manual_record_entities_raw).toEqual([
      { ...common, entity: 'person', entity_index: 0, attribute: 'identifier', name: 'email', value_index: 0, value: 'ann@x.com' },
      { ...common, entity: 'person', entity_index: 0, attribute: 'identifier', name: 'email', value_index: 1, value: 'ann@home.org' },
      { ...common, entity: 'person', entity_index: 0, attribute: 'identifier', name: 'phone', value_index: 0, value: '555' },
      { ...common, entity: 'person', entity_index: 0, attribute: 'trait', name: 'name', value_index: 0, value: 'Ann' },
      { ...common, entity: 'person', entity_index: 0, attribute: 'trait', name: 'age', value_index: 0, value: '42' },
      { ...common, entity: 'person', entity_index: 0, attribute: 'trait', name: 'title', value_index: 0, value: null },
      { ...common, entity: 'person', entity_index: 1, attribute: 'identifier', name: 'email', value_index: 0, value: 'bob@x.com' },
      { ...common, entity: 'group', entity_index: 0, attribute: 'identifier', name: 'domain', value_index: 0, value: 'x.com' },
      { ...common, entity: 'group', entity_index: 0, attribute: 'trait', name: 'name', value_index: 0, value: 'X Inc' },
    ]);
  });

  it('writes one membership row per membership, indexed in order', () => {
    const common = { event_id: 'rec-1', line_number: 7, synced_at: SYNCED_AT, group_identifier_type: 'domain', group_identifier: 'x.com' };
    expect(flattenRecord(FULL, SYNCED_AT, 'import.jsonl', 7).manual_record_memberships_raw).toEqual([
      { ...common, membership_index: 0, person_identifier_type: 'email', person_identifier: 'ann@x.com', role: 'owner' },
      { ...common, membership_index: 1, person_identifier_type: 'email', person_identifier: 'bob@x.com', role: null },
    ]);
  });

  it('gives every entity row a distinct declared key', () => {
    const table = manual.rawTables.find((t) => t.name === 'manual_record_entities_raw');
    if (!table) throw new Error('no entities table');
    const keys = flattenRecord(FULL, SYNCED_AT, 'import.jsonl', 7).manual_record_entities_raw.map((row) =>
      JSON.stringify(table.key.map((column) => row[column])),
    );
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('counts group entity indexes separately from persons', () => {
    const flat = flattenRecord(
      record({ id: 'g', occurred_at: '2024-01-01T10:00:00Z', groups: [{ identifiers: { domain: 'a.com' } }, { identifiers: { domain: 'b.com' } }] }),
      SYNCED_AT,
      'f.jsonl',
      2,
    );
    expect(flat.manual_record_entities_raw.map((row) => [row.entity, row.entity_index, row.value])).toEqual([
      ['group', 0, 'a.com'],
      ['group', 1, 'b.com'],
    ]);
  });

  it('writes no rows for an entity without identifiers or traits', () => {
    const flat = flattenRecord(record({ id: 'e', occurred_at: '2024-01-01T10:00:00Z', persons: [{}, { identifiers: { email: ' ' } }] }), SYNCED_AT, 'f', 1);
    expect(flat.manual_record_entities_raw).toEqual([]);
  });

  it('does not modify the record', () => {
    const copy = structuredClone(FULL);
    flattenRecord(FULL, SYNCED_AT, 'import.jsonl', 1);
    expect(FULL).toEqual(copy);
  });
});
