import type { SourceDefinition } from '@hcrm/contracts';

/** Shops of a Gadget app backend: one raw row per shop version the loader saw. */
export const gadget: SourceDefinition = {
  name: 'gadget',
  description: 'Shops of a Gadget app backend (shop, plan, owner)',
  rawTables: [
    {
      name: 'gadget_shops_raw',
      columns: {
        id: 'string',
        domain: 'string',
        name: 'string',
        plan_name: 'string',
        owner_email: 'string',
        owner_name: 'string',
        created_at: 'timestamp',
        updated_at: 'timestamp',
        synced_at: 'timestamp',
      },
      key: ['id', 'updated_at', 'synced_at'],
    },
  ],
  interfaces: ['events', 'person_identifiers', 'person_traits', 'group_identifiers', 'group_traits', 'membership_identifiers'],
  watermarkColumn: 'synced_at',
  dbtPackage: 'hcrm_source_gadget',
};
