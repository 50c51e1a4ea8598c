import type { SyntheticChunk, SyntheticRows, SyntheticSource } from '@hcrm/contracts';

/** An install, and sometimes an accepted charge, for every company that is a Shopify shop (`hcrm generate`). */
function rows(chunk: SyntheticChunk): SyntheticRows {
  const out: SyntheticRows = { tables: { shopify_partner_app_events_raw: [] }, identifiers: [], links: [] };
  for (const company of chunk.companies) {
    if (!company.shop) continue;
    for (let e = 0; e < 1 + Math.floor(chunk.random() * 2); e += 1) {
      out.tables.shopify_partner_app_events_raw?.push({
        event_id: `gen-${chunk.seed}-sp-${company.n}-${e}`,
        payload: JSON.stringify({
          type: e === 0 ? 'RELATIONSHIP_INSTALLED' : 'SUBSCRIPTION_CHARGE_ACCEPTED',
          occurredAt: chunk.occurredAt(),
          shop: { id: `gid://shopify/Shop/${company.shop.id}`, name: company.name, myshopifyDomain: company.shop.myshopifyDomain },
          app: { id: 'gid://partners/App/4242', name: 'Generated App' },
          ...(e > 0 ? { charge: { amount: '19.99', currencyCode: 'USD', name: 'Pro plan' } } : {}),
        }),
        synced_at: chunk.syncedAt(),
      });
    }
    // The source event log takes the numeric id out of the shop's gid.
    out.identifiers.push(
      { entityType: 'group', type: 'shopify_shop_id', value: company.shop.id, trueId: company.id, kind: 'real' },
      { entityType: 'group', type: 'myshopify_domain', value: company.shop.myshopifyDomain, trueId: company.id, kind: 'real' },
    );
    out.links.push({ trueId: company.id, keys: [`shopify_shop_id:${company.shop.id}`, `myshopify_domain:${company.shop.myshopifyDomain}`] });
  }
  return out;
}

export const shopifyPartnerSynthetic: SyntheticSource = { rows };
