import type { RawRow, SyntheticChunk, SyntheticCompany, SyntheticIdentifier, SyntheticPerson, SyntheticRows, SyntheticSource } from '@hcrm/contracts';

/** A share in [0, 1) fixed by a number and a salt, whatever the chunking (like the generator's isShop). */
function fixedShare(n: number, salt: number): number {
  return ((Math.imul(n + salt, 2246822519) >>> 0) % 10_000) / 10_000;
}

/** About half the companies are Salesforce accounts (a different half than the Shopify shops). */
export function isSalesforceAccount(company: number): boolean {
  return fixedShare(company, 7919) < 0.5;
}

/** Most persons of an account are its contacts. */
export function isSalesforceContact(person: number): boolean {
  return fixedShare(person, 104_729) < 0.8;
}

/** An 18-character Salesforce id: key prefix (001 account, 003 contact, ...), a tag and a number. */
export function salesforceId(prefix: string, n: number): string {
  return `${prefix}SYN${String(n).padStart(9, '0')}AAA`;
}

const USERS = [
  { id: salesforceId('005', 1), name: 'Alex Morgan', email: 'alex.morgan@seller.example' },
  { id: salesforceId('005', 2), name: 'Rita Chen', email: 'rita.chen@seller.example' },
  { id: salesforceId('005', 3), name: 'Sam Okafor', email: 'sam.okafor@seller.example' },
];
const STAGES = ['Prospecting', 'Qualification', 'Proposal/Price Quote', 'Negotiation/Review'];

type Out = SyntheticRows & { tables: Record<string, RawRow[]>; identifiers: SyntheticIdentifier[]; links: Array<SyntheticRows['links'][number]> };

/**
 * Salesforce rows for one chunk of the synthetic world (`hcrm generate`): an account for about
 * half the companies (website: a variant of the company's domain), a contact for most of their
 * persons (variants of their work email and phone), leads for some persons (half of those who
 * are contacts converted to their contact, the others naming their company's website), an
 * opportunity with stage history and a contact role for some accounts, tasks and meetings on
 * contacts and campaign members for leads. Some records land twice (an older version first), some leads
 * are deleted (a later version with is_deleted): they are absent from the truth, since no
 * identifier of theirs reaches the resolved tables.
 */
function rows(chunk: SyntheticChunk): SyntheticRows {
  const { random } = chunk;
  const out: Out = { tables: {}, identifiers: [], links: [] };
  const push = (object: string, row: RawRow) => (out.tables[`salesforce_${object}_raw`] ??= []).push(row);
  const person = (p: SyntheticPerson, type: string, value: string, canonical = `${type}:${value}`) =>
    out.identifiers.push({ entityType: 'person', type, value, trueId: p.id, canonical, kind: 'real' });
  const group = (c: SyntheticCompany, type: string, value: string, canonical = `${type}:${value}`) =>
    out.identifiers.push({ entityType: 'group', type, value, trueId: c.id, canonical, kind: 'real' });
  const owner = () => USERS[Math.floor(random() * USERS.length)]?.id ?? null;
  /** Two distinct watermark times, older first: a record's versions as the connector landed them. */
  const versions = (): [string, string] => {
    const [a, b] = [chunk.syncedAt(), chunk.syncedAt()].sort() as [string, string];
    return a === b ? [new Date(Date.parse(b) - 1).toISOString(), b] : [a, b];
  };
  const audit = (created: string, modified: string, synced: string) => ({ created_date: created, last_modified_date: modified, system_modstamp: modified, _fivetran_synced: synced });
  const later = (iso: string, days: number) => new Date(Date.parse(iso) + days * 86_400_000).toISOString();
  const date = (iso: string) => iso.slice(0, 10);

  for (const user of USERS) {
    push('user', { id: user.id, is_deleted: false, name: user.name, first_name: user.name.split(' ')[0] ?? null, last_name: user.name.split(' ')[1] ?? null, email: user.email, username: user.email, title: 'Account Executive', is_active: true, ...audit('2024-06-01T09:00:00.000Z', '2024-06-01T09:00:00.000Z', chunk.syncedAt()) });
  }
  const campaignId = salesforceId('701', (chunk.persons[0]?.n ?? 0) + 1);
  push('campaign', { id: campaignId, is_deleted: false, name: `Webinar ${chunk.seed}-${chunk.persons[0]?.n ?? 0}`, type: 'Webinar', status: 'Completed', start_date: '2025-06-01', end_date: '2025-06-01', is_active: false, owner_id: owner(), ...audit('2025-05-01T09:00:00.000Z', '2025-05-01T09:00:00.000Z', chunk.syncedAt()) });

  // Accounts, and an opportunity for some of them, with the company's first person as its contact role.
  for (const company of chunk.companies) {
    if (!isSalesforceAccount(company.n)) continue;
    const accountId = salesforceId('001', company.n);
    const website = chunk.variant('domain', company.domain);
    const created = chunk.occurredAt();
    const account = { id: accountId, is_deleted: false, name: company.name, website, industry: random() < 0.5 ? 'Retail' : 'Software', type: 'Customer', billing_country: 'United States', owner_id: owner() };
    if (random() < 0.2) {
      const [older, newer] = versions();
      push('account', { ...account, type: 'Prospect', number_of_employees: 10, ...audit(created, created, older) });
      push('account', { ...account, number_of_employees: 25, ...audit(created, later(created, 30), newer) });
    } else push('account', { ...account, number_of_employees: 10, ...audit(created, created, chunk.syncedAt()) });
    group(company, 'salesforce_account_id', accountId);
    group(company, 'domain', website, `domain:${company.domain}`);
    out.links.push({ trueId: company.id, keys: [`salesforce_account_id:${accountId}`, `domain:${company.domain}`] });

    if (random() < 0.6) {
      const opportunityId = salesforceId('006', company.n);
      const opened = chunk.occurredAt();
      const closed = random() < 0.5;
      const won = closed && random() < 0.5;
      const stage = closed ? (won ? 'Closed Won' : 'Closed Lost') : (STAGES[Math.floor(random() * STAGES.length)] as string);
      const synced = chunk.syncedAt();
      push('opportunity', { id: opportunityId, is_deleted: false, account_id: accountId, name: `${company.name} - New Business`, stage_name: stage, amount: Math.round(1000 + random() * 49_000), currency_iso_code: random() < 0.7 ? 'USD' : 'EUR', probability: closed ? (won ? 100 : 0) : 50, close_date: date(later(opened, 45)), type: 'New Business', lead_source: 'Web', is_closed: closed, is_won: won, owner_id: owner(), ...audit(opened, later(opened, 45), synced) });
      push('opportunity_field_history', { id: salesforceId('017', company.n * 2), is_deleted: false, opportunity_id: opportunityId, field: 'StageName', old_value: null, new_value: 'Prospecting', created_by_id: USERS[0]?.id ?? null, created_date: opened, _fivetran_synced: synced });
      if (stage !== 'Prospecting') push('opportunity_field_history', { id: salesforceId('017', company.n * 2 + 1), is_deleted: false, opportunity_id: opportunityId, field: 'StageName', old_value: 'Prospecting', new_value: stage, created_by_id: USERS[0]?.id ?? null, created_date: later(opened, 20), _fivetran_synced: synced });
      group(company, 'salesforce_account_id', accountId);
      if (isSalesforceContact(company.firstPerson)) {
        const contactId = salesforceId('003', company.firstPerson);
        push('opportunity_contact_role', { id: salesforceId('00K', company.n), is_deleted: false, opportunity_id: opportunityId, contact_id: contactId, role: 'Decision Maker', is_primary: true, ...audit(opened, opened, synced) });
        out.identifiers.push({ entityType: 'person', type: 'salesforce_contact_id', value: contactId, trueId: `person-${company.firstPerson}`, kind: 'real' });
        out.links.push({ trueId: `person-${company.firstPerson}`, keys: [`salesforce_contact_id:${contactId}`] });
      }
    }
  }

  // Contacts of the accounts' persons, leads of some persons, tasks and campaign members.
  for (const p of chunk.persons) {
    const company = chunk.company(p.company);
    const account = isSalesforceAccount(company.n);
    const accountId = salesforceId('001', company.n);
    const [firstName, lastName] = p.name.split(' ');
    const emails = p.identifiers.filter(([type]) => type === 'email').map(([, value]) => value);
    const phone = p.identifiers.find(([type]) => type === 'phone')?.[1];
    const contact = account && isSalesforceContact(p.n);
    const contactId = salesforceId('003', p.n);
    if (contact) {
      const email = chunk.variant('email', emails[0] as string);
      const writtenPhone = phone && random() < 0.8 ? chunk.variant('phone', phone) : null;
      const mobile = writtenPhone !== null && random() < 0.3;
      const created = chunk.occurredAt();
      const row = { id: contactId, is_deleted: false, account_id: accountId, first_name: firstName ?? null, last_name: lastName ?? null, name: p.name, email, phone: mobile ? null : writtenPhone, mobile_phone: mobile ? writtenPhone : null, title: p.title, lead_source: 'Web', owner_id: owner() };
      if (random() < 0.3) {
        const [older, newer] = versions();
        push('contact', { ...row, title: 'Associate', ...audit(created, created, older) });
        push('contact', { ...row, ...audit(created, later(created, 10), newer) });
      } else push('contact', { ...row, ...audit(created, created, chunk.syncedAt()) });
      person(p, 'salesforce_contact_id', contactId);
      person(p, 'email', email, `email:${emails[0] as string}`);
      const keys = [`salesforce_contact_id:${contactId}`, `email:${emails[0] as string}`];
      if (writtenPhone !== null && phone) {
        person(p, 'phone', writtenPhone, `phone:${phone}`);
        keys.push(`phone:${phone}`);
      }
      out.links.push({ trueId: p.id, keys });
      group(company, 'salesforce_account_id', accountId);

      if (random() < 0.5) {
        const call = random() < 0.6;
        const when = chunk.occurredAt();
        push('task', { id: salesforceId('00T', p.n), is_deleted: false, who_id: contactId, what_id: accountId, account_id: accountId, subject: call ? 'Call: check-in' : 'Email: follow-up', type: call ? 'Call' : 'Email', task_subtype: call ? 'Call' : 'Email', status: 'Completed', priority: 'Normal', activity_date: date(when), call_duration_in_seconds: call ? Math.round(60 + random() * 1800) : null, owner_id: owner(), ...audit(when, when, chunk.syncedAt()) });
        person(p, 'salesforce_contact_id', contactId);
        group(company, 'salesforce_account_id', accountId);
      }
      if (random() < 0.2) {
        const when = chunk.occurredAt();
        push('event', { id: salesforceId('00U', p.n), is_deleted: false, who_id: contactId, what_id: accountId, account_id: accountId, subject: 'Meeting: product demo', type: 'Meeting', event_subtype: 'Event', activity_date_time: when, duration_in_minutes: random() < 0.5 ? 30 : 60, owner_id: owner(), ...audit(when, when, chunk.syncedAt()) });
        person(p, 'salesforce_contact_id', contactId);
        group(company, 'salesforce_account_id', accountId);
      }
    }

    if (random() < 0.15) {
      const leadId = salesforceId('00Q', p.n);
      const emailTrue = emails[Math.floor(random() * emails.length)] as string;
      const email = chunk.variant('email', emailTrue);
      const converted = contact && random() < 0.5;
      const website = !converted && random() < 0.5 ? chunk.variant('domain', company.domain) : null;
      const created = chunk.occurredAt();
      const synced = chunk.syncedAt();
      const lead = {
        id: leadId, is_deleted: false, first_name: firstName ?? null, last_name: lastName ?? null, name: p.name, email, phone: null, mobile_phone: null, title: p.title,
        company: company.name, website, status: converted ? 'Closed - Converted' : 'Open - Not Contacted', lead_source: 'Webinar', is_converted: converted,
        converted_contact_id: converted ? contactId : null, converted_account_id: converted ? accountId : null, converted_opportunity_id: null,
        converted_date: converted ? date(later(created, 14)) : null, owner_id: owner(),
      };
      push('lead', { ...lead, ...audit(created, converted ? later(created, 14) : created, synced) });
      if (!converted && website === null && random() < 0.15) {
        // Deleted in Salesforce: a later version with is_deleted; none of its identifiers survives.
        push('lead', { ...lead, is_deleted: true, ...audit(created, later(created, 20), new Date(Date.parse(synced) + 1).toISOString()) });
        continue;
      }
      person(p, 'salesforce_lead_id', leadId);
      person(p, 'email', email, `email:${emailTrue}`);
      const keys = [`salesforce_lead_id:${leadId}`, `email:${emailTrue}`];
      if (converted) {
        person(p, 'salesforce_contact_id', contactId);
        keys.push(`salesforce_contact_id:${contactId}`);
        group(company, 'salesforce_account_id', accountId);
      }
      out.links.push({ trueId: p.id, keys });
      if (website !== null) {
        group(company, 'domain', website, `domain:${company.domain}`);
        out.links.push({ trueId: company.id, keys: [`domain:${company.domain}`] });
      }
      if (random() < 0.5) {
        const responded = random() < 0.5;
        push('campaign_member', { id: salesforceId('00v', p.n), is_deleted: false, campaign_id: campaignId, contact_id: null, lead_id: leadId, status: responded ? 'Responded' : 'Sent', has_responded: responded, first_responded_date: responded ? date(later(created, 3)) : null, ...audit(created, created, chunk.syncedAt()) });
        person(p, 'salesforce_lead_id', leadId);
      }
    }
  }
  return out;
}

export const salesforceSynthetic: SyntheticSource = { rows };
