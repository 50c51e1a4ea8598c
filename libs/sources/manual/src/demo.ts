import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DemoRows } from '@hcrm/contracts';
import { flattenRecord } from './flatten';
import { parseJsonLine } from './record';

/** When the demo file was "imported": fixed, so demo runs are reproducible. */
export const DEMO_SYNCED_AT = '2026-04-10T12:00:00.000Z';

/** The demo records (demo/manual_demo.jsonl), flattened exactly as `hcrm ingest` would land them. */
export function manualDemoRows(): DemoRows {
  const file = fileURLToPath(new URL('../demo/manual_demo.jsonl', import.meta.url));
  const rows: DemoRows = { manual_records_raw: [], manual_record_entities_raw: [], manual_record_memberships_raw: [] };
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, index) => {
      if (line.trim() === '') return;
      const parsed = parseJsonLine(line);
      if (!parsed.ok) throw new Error(`demo/manual_demo.jsonl line ${index + 1}: ${parsed.reason}`);
      const flat = flattenRecord(parsed.record, DEMO_SYNCED_AT, 'manual_demo.jsonl', index + 1);
      rows.manual_records_raw?.push(flat.manual_records_raw);
      rows.manual_record_entities_raw?.push(...flat.manual_record_entities_raw);
      rows.manual_record_memberships_raw?.push(...flat.manual_record_memberships_raw);
    });
  return rows;
}
