import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DemoRows } from '@hcrm/contracts';

/** The bundled demo rows, keyed by raw table name. */
export function gadgetDemoRows(): DemoRows {
  const file = fileURLToPath(new URL('../demo/gadget_shops_raw.json', import.meta.url));
  return { gadget_shops_raw: JSON.parse(readFileSync(file, 'utf8')) as DemoRows[string] };
}
