import { describe, expect, it } from 'vitest';
import { gadget, gadgetDemoRows } from './index';

describe('gadget source', () => {
  it('declares synced_at and its key columns on every raw table', () => {
    for (const table of gadget.rawTables) {
      expect(table.columns.synced_at).toBe('timestamp');
      for (const key of table.key) expect(Object.keys(table.columns)).toContain(key);
    }
  });

  it('ships demo rows that match the declared columns', () => {
    const rows = gadgetDemoRows();
    for (const table of gadget.rawTables) {
      const tableRows = rows[table.name] ?? [];
      expect(tableRows.length).toBeGreaterThan(0);
      for (const row of tableRows) expect(Object.keys(row).sort()).toEqual(Object.keys(table.columns).sort());
    }
  });
});
