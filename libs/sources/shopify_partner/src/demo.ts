import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DemoRows } from '@hcrm/contracts';

interface DemoEvent {
  event_id: string;
  synced_at: string;
  payload: Record<string, unknown>;
}

/** The bundled demo rows, keyed by raw table name; payloads as JSON text, as a loader lands them. */
export function shopifyPartnerDemoRows(): DemoRows {
  const file = fileURLToPath(new URL('../demo/shopify_partner_app_events_raw.json', import.meta.url));
  const events = JSON.parse(readFileSync(file, 'utf8')) as DemoEvent[];
  return {
    shopify_partner_app_events_raw: events.map((event) => ({
      event_id: event.event_id,
      payload: JSON.stringify(event.payload),
      synced_at: event.synced_at,
    })),
  };
}
