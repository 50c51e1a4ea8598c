import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEMO_SYNCED_AT, manualDemoRows } from './demo';
import { source } from './index';
import { parseJsonLine } from './record';
import { manual } from './source';

const DEMO_FILE = fileURLToPath(new URL('../demo/manual_demo.jsonl', import.meta.url));

describe('the demo file', () => {
  const lines = readFileSync(DEMO_FILE, 'utf8')
    .split('\n')
    .map((text, index) => ({ text, lineNumber: index + 1 }))
    .filter(({ text }) => text.trim() !== '');

  it('has records', () => {
    expect(lines.length).toBeGreaterThan(0);
  });

  it('parses every line without a reject', () => {
    for (const { text, lineNumber } of lines) {
      const result = parseJsonLine(text);
      expect(result.ok ? 'ok' : `line ${lineNumber}: ${result.reason}`).toBe('ok');
    }
  });

  it('uses each id once', () => {
    const ids = lines.map(({ text }) => {
      const result = parseJsonLine(text);
      return result.ok ? result.record.id : undefined;
    });
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('manualDemoRows', () => {
  it('builds rows without throwing', () => {
    expect(() => manualDemoRows()).not.toThrow();
  });

  it('fills every raw table with rows keyed exactly by its declared columns', () => {
    const rows = manualDemoRows();
    expect(Object.keys(rows).sort()).toEqual(manual.rawTables.map((t) => t.name).sort());
    for (const table of manual.rawTables) {
      const tableRows = rows[table.name] ?? [];
      expect(tableRows.length, table.name).toBeGreaterThan(0);
      for (const row of tableRows) expect(Object.keys(row).sort()).toEqual(Object.keys(table.columns).sort());
    }
  });

  it('writes one record row per demo line, with its line number, the demo file name and the fixed import time', () => {
    const rows = manualDemoRows();
    expect(rows.manual_records_raw?.map((r) => [r.id, r.line_number, r.source_file])).toEqual([
      ['crm-0001', 1, 'manual_demo.jsonl'],
      ['crm-0002', 2, 'manual_demo.jsonl'],
      ['crm-0003', 3, 'manual_demo.jsonl'],
      ['crm-0004', 4, 'manual_demo.jsonl'],
    ]);
    for (const table of manual.rawTables) {
      for (const row of rows[table.name] ?? []) expect(row.synced_at).toBe(DEMO_SYNCED_AT);
    }
  });

  it('normalises timestamps and links child rows to their record', () => {
    const rows = manualDemoRows();
    for (const record of rows.manual_records_raw ?? []) expect(String(record.occurred_at)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const lineOf = new Map((rows.manual_records_raw ?? []).map((r) => [r.id, r.line_number]));
    for (const row of [...(rows.manual_record_entities_raw ?? []), ...(rows.manual_record_memberships_raw ?? [])]) {
      expect(lineOf.get(row.event_id)).toBe(row.line_number);
    }
  });

  it('keeps identifier lists, trims identifier values and keeps memberships', () => {
    const rows = manualDemoRows();
    const entities = rows.manual_record_entities_raw ?? [];
    const emails = (eventId: string) =>
      entities.filter((e) => e.event_id === eventId && e.attribute === 'identifier' && e.name === 'email').map((e) => [e.value_index, e.value]);
    expect(emails('crm-0002')).toEqual([
      [0, 'omar@bluebird.coffee'],
      [1, 'omar.haddad@gmail.com'],
    ]);
    expect(emails('crm-0003')).toEqual([[0, 'li.wei@northwind.example']]);
    expect((rows.manual_record_memberships_raw ?? []).map((m) => [m.event_id, m.role])).toEqual([
      ['crm-0001', 'founder'],
      ['crm-0003', 'executive'],
      ['crm-0004', 'owner'],
    ]);
  });

  it('is reproducible', () => {
    expect(manualDemoRows()).toEqual(manualDemoRows());
  });

  it('is what the registered source serves as its demo rows', () => {
    expect(source.definition).toBe(manual);
    expect(source.demoRows()).toEqual(manualDemoRows());
  });
});
