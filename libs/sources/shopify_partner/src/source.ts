import type { SourceDefinition } from '@hcrm/contracts';

/**
 * Shopify Partner API app events (installs, uninstalls, charges, credits) as a loader lands
 * them: one raw row per API event with its JSON payload.
 */
export const shopifyPartner: SourceDefinition = {
  name: 'shopify_partner',
  description: 'Shopify Partner API app events (installs, uninstalls, charges, credits)',
  rawTables: [
    {
      name: 'shopify_partner_app_events_raw',
      columns: { event_id: 'string', payload: 'json', synced_at: 'timestamp' },
      key: ['event_id', 'synced_at'],
    },
  ],
  interfaces: ['events', 'group_identifiers', 'group_traits'],
  watermarkColumn: 'synced_at',
  dbtPackage: 'hcrm_source_shopify_partner',
};
