import { describe, expect, it } from 'vitest';
import { shopifyPartner, shopifyPartnerDemoRows } from './index';

describe('shopify_partner source', () => {
  it('ships demo events with JSON payloads carrying type, time and shop', () => {
    const rows = shopifyPartnerDemoRows().shopify_partner_app_events_raw ?? [];
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(Object.keys(row).sort()).toEqual(Object.keys(shopifyPartner.rawTables[0]?.columns ?? {}).sort());
      const payload = JSON.parse(String(row.payload)) as { type: string; occurredAt: string; shop: { id: string } };
      expect(payload.type).toMatch(/^[A-Z_]+$/);
      expect(Number.isNaN(Date.parse(payload.occurredAt))).toBe(false);
      expect(payload.shop.id).toMatch(/^gid:\/\/shopify\/Shop\/\d+$/);
    }
  });

  it('repeats one event id, as a loader that re-reads a page does', () => {
    const ids = (shopifyPartnerDemoRows().shopify_partner_app_events_raw ?? []).map((row) => row.event_id);
    expect(new Set(ids).size).toBeLessThan(ids.length);
  });
});
