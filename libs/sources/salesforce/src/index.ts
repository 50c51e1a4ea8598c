import type { RegisteredSource } from '@hcrm/contracts';
import { salesforceDemoRows } from './demo';
import { salesforce } from './source';
import { salesforceSynthetic } from './synthetic';

export { salesforce, salesforceDemoRows, salesforceSynthetic };
export { SALESFORCE_OBJECTS, salesforceRawTable, type SalesforceObject } from './source';

/** The demo's two records deleted in Salesforce: their events, and the contact's email, in the core layer. */
const DELETED_RECORDS_SQL = `select
  (select cast(count(*) as integer) from core.events where event_description like 'Marco Rossi%' or event_description like 'Harbor Books - Store POS%') as events,
  (select cast(count(*) as integer) from core.person_identifiers where lower(identifier_value) = 'marco.rossi@globex-logistics.com') as emails`;

/** The registry discovers this export (libs/pipeline/src/sources.ts). */
export const source: RegisteredSource = {
  definition: salesforce,
  demoRows: salesforceDemoRows,
  synthetic: salesforceSynthetic,
  demoChecks: [
    {
      description: 'Jane Doe (gadget shop owner, manual record, Salesforce contact in capitals) is one person with traits from every source',
      sql: `select primary_email, cast(sources as varchar) as sources from crm.persons where name = 'Jane Doe'`,
      expected: [{ primary_email: 'jane.doe@acme-outdoors.com', sources: 'gadget,manual,salesforce' }],
    },
    {
      description: 'Priya Nair: a converted lead (another email) and its contact are one person',
      sql: `select primary_email, cast(sources as varchar) as sources from crm.persons where name = 'Priya Nair'`,
      expected: [{ primary_email: 'priya@harborbooks.com', sources: 'manual,salesforce' }],
    },
    {
      description: 'before their deletes land, the contact Marco Rossi (1 event) and the opportunity Harbor Books - Store POS (created, its stage change and its contact role: 3) are events with identifiers in the core layer',
      sql: DELETED_RECORDS_SQL,
      expected: [{ events: 4, emails: 1 }],
      after: 'first',
    },
    {
      description: 'records deleted in Salesforce (a later version with is_deleted, landed after the first run) leave the core event log and its identifiers at the next run',
      sql: DELETED_RECORDS_SQL,
      expected: [{ events: 0, emails: 0 }],
    },
    {
      description: 'won opportunities are events with their amount and currency',
      sql: `select cast(count(*) as integer) as n from core.events where source = 'salesforce' and event_name = 'opportunity_closed_won' and value > 0 and value_unit is not null`,
      expected: [{ n: 1 }],
    },
  ],
};
