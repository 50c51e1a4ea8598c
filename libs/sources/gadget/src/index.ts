import type { RegisteredSource } from '@hcrm/contracts';
import { gadgetDemoRows } from './demo';
import { gadget } from './source';
import { gadgetSynthetic } from './synthetic';

export { gadget, gadgetDemoRows };

/** The registry discovers this export (libs/pipeline/src/sources.ts). */
export const source: RegisteredSource = {
  definition: gadget,
  demoRows: gadgetDemoRows,
  synthetic: gadgetSynthetic,
  demoChecks: [
    {
      description: 'Li Wei owns two shops under differently cased emails: one person, an owner of both',
      sql: `select cast(count(distinct m.group_id) as integer) as shops, cast(count(distinct m.person_id) as integer) as persons
        from crm.memberships as m
        inner join crm.person_identifiers as p on p.person_id = m.person_id
        where p.identifier_value = 'li.wei@northwind.example' and m.role = 'owner'`,
      expected: [{ shops: 2, persons: 1 }],
    },
    {
      description: "a shop's first version is built after the first run, and its later plan after the next",
      sql: `select plan_name from raw.gadget_shops where shop_id = '1001' order by updated_at desc limit 1`,
      expected: [{ plan_name: 'basic' }],
      after: 'first',
    },
    {
      description: "the shop's latest version wins after the next run",
      sql: `select plan_name from raw.gadget_shops where shop_id = '1001' order by updated_at desc limit 1`,
      expected: [{ plan_name: 'shopify' }],
    },
  ],
};
