import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DemoRows } from '@hcrm/contracts';
import { salesforce } from './source';

/** The bundled demo rows, keyed by raw table name: one file per raw table in demo/. */
export function salesforceDemoRows(): DemoRows {
  const rows: DemoRows = {};
  for (const table of salesforce.rawTables) {
    const file = fileURLToPath(new URL(`../demo/${table.name}.json`, import.meta.url));
    rows[table.name] = JSON.parse(readFileSync(file, 'utf8')) as DemoRows[string];
  }
  return rows;
}
