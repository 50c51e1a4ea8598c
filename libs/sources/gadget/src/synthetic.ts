import type { SyntheticChunk, SyntheticRows, SyntheticSource } from '@hcrm/contracts';

/** One shop row per company that is a Shopify shop, owned by its first person (`hcrm generate`). */
function rows(chunk: SyntheticChunk): SyntheticRows {
  const out: SyntheticRows = { tables: { gadget_shops_raw: [] }, identifiers: [], links: [] };
  for (const company of chunk.companies) {
    if (!company.shop) continue;
    const owner = `person-${company.firstPerson}`;
    const ownerEmail = chunk.variant('email', company.ownerEmail);
    out.tables.gadget_shops_raw?.push({
      id: company.shop.id,
      domain: company.shop.myshopifyDomain,
      name: company.name,
      plan_name: chunk.random() < 0.5 ? 'basic' : 'shopify',
      owner_email: ownerEmail,
      owner_name: null,
      created_at: chunk.occurredAt(),
      updated_at: chunk.occurredAt(),
      synced_at: chunk.syncedAt(),
    });
    out.identifiers.push(
      { entityType: 'group', type: 'shopify_shop_id', value: company.shop.id, trueId: company.id, kind: 'real' },
      { entityType: 'group', type: 'myshopify_domain', value: company.shop.myshopifyDomain, trueId: company.id, kind: 'real' },
      { entityType: 'person', type: 'email', value: ownerEmail, trueId: owner, canonical: `email:${company.ownerEmail}`, kind: 'real' },
    );
    out.links.push(
      { trueId: company.id, keys: [`shopify_shop_id:${company.shop.id}`, `myshopify_domain:${company.shop.myshopifyDomain}`] },
      { trueId: owner, keys: [`email:${company.ownerEmail}`] },
    );
  }
  return out;
}

export const gadgetSynthetic: SyntheticSource = { rows };
