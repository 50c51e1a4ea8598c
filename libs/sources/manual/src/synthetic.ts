import type { RawRow, SyntheticChunk, SyntheticRows, SyntheticSource } from '@hcrm/contracts';
import { flattenRecord, type FlatRecord } from './flatten';
import type { ManualRecord } from './record';

/** Values that identify nobody: every resolver must leave them out. */
const JUNK: Array<[string, string]> = [
  ['email', 'test@test.com'],
  ['phone', '000-000-0000'],
  ['email', 'n/a'],
  ['phone', 'unknown'],
];

function addFlat(tables: Record<string, RawRow[]>, flat: FlatRecord): void {
  (tables.manual_records_raw ??= []).push(flat.manual_records_raw);
  for (const row of flat.manual_record_entities_raw) (tables.manual_record_entities_raw ??= []).push(row);
  for (const row of flat.manual_record_memberships_raw) (tables.manual_record_memberships_raw ??= []).push(row);
}

/**
 * Form records of every person (`hcrm generate`): the first usually names all of the person's
 * identifiers, later ones one or two, in written variants, sometimes with a junk value or a
 * generic address many persons share; each names the person's company by domain (and shop id
 * for shops, always in the first record of the company's first person).
 */
function rows(chunk: SyntheticChunk): SyntheticRows {
  const { random } = chunk;
  const out: SyntheticRows = { tables: {}, identifiers: [], links: [] };
  const sharedPool = Math.max(1, Math.floor(chunk.personsTotal / 500));
  for (const person of chunk.persons) {
    const company = chunk.company(person.company);
    const events = Math.max(1, Math.round(chunk.eventsPerPerson * (0.5 + random())));
    for (let e = 0; e < events; e += 1) {
      const chosen = e === 0 && random() < chunk.linkAllShare ? person.identifiers : person.identifiers.filter(() => random() < 0.45);
      const picked = chosen.length ? chosen : [person.identifiers[Math.floor(random() * person.identifiers.length)] as readonly [string, string]];
      out.links.push({ trueId: person.id, keys: picked.map(([t, v]) => `${t}:${v}`) });
      const identifiers: Record<string, string[]> = {};
      for (const [type, value] of picked) {
        const written = chunk.variant(type, value);
        (identifiers[type] ??= []).push(written);
        out.identifiers.push({ entityType: 'person', type, value: written, trueId: person.id, canonical: `${type}:${value}`, kind: 'real' });
      }
      if (chunk.noise && random() < 0.02) {
        const [type, value] = JUNK[Math.floor(random() * JUNK.length)] as [string, string];
        (identifiers[type] ??= []).push(value);
        out.identifiers.push({ entityType: 'person', type, value, kind: 'junk' });
      }
      if (chunk.noise && random() < 0.03) {
        const shared = `info@agency${Math.floor(random() * sharedPool)}.com`;
        (identifiers.email ??= []).push(shared);
        out.identifiers.push({ entityType: 'person', type: 'email', value: shared, kind: 'shared' });
      }
      const domain = chunk.variant('domain', company.domain);
      const groupIds: Record<string, string[]> = { domain: [domain] };
      const groupKeys = [`domain:${company.domain}`];
      out.identifiers.push({ entityType: 'group', type: 'domain', value: domain, trueId: company.id, canonical: groupKeys[0], kind: 'real' });
      if (company.shop && ((person.firstOfCompany && e === 0) || random() < 0.5)) {
        groupIds.shopify_shop_id = [company.shop.id];
        groupKeys.push(`shopify_shop_id:${company.shop.id}`);
        out.identifiers.push({ entityType: 'group', type: 'shopify_shop_id', value: company.shop.id, trueId: company.id, kind: 'real' });
      }
      out.links.push({ trueId: company.id, keys: groupKeys });
      const record: ManualRecord = {
        id: `gen-${chunk.seed}-${person.n}-${e}`,
        occurredAt: chunk.occurredAt(),
        eventName: e === 0 ? 'signed_up' : 'form_submitted',
        eventType: 'form',
        eventDescription: null,
        value: null,
        valueUnit: null,
        persons: [{ identifiers, traits: { name: person.name, title: person.title } }],
        groups: [{ identifiers: groupIds, traits: { name: company.name } }],
        memberships: [{ person: { type: 'email', value: person.identifiers[0]?.[1] as string }, group: { type: 'domain', value: company.domain }, role: person.firstOfCompany ? 'owner' : 'member' }],
      };
      addFlat(out.tables, flattenRecord(record, chunk.syncedAt(), 'generated', e + 1));
    }
  }
  return out;
}

/** With --append: one new form record per earlier person, naming the identifiers given. */
function recordsFor(persons: ReadonlyArray<{ trueId: string; identifiers: ReadonlyArray<readonly [string, string]> }>, seed: number, syncedAt: string): Record<string, RawRow[]> {
  const tables: Record<string, RawRow[]> = {};
  persons.forEach((person, n) => {
    const identifiers: Record<string, string[]> = {};
    for (const [type, value] of person.identifiers) (identifiers[type] ??= []).push(value);
    const record: ManualRecord = {
      id: `gen-${seed}-append-${syncedAt}-${n}`,
      occurredAt: syncedAt,
      eventName: 'form_submitted',
      eventType: 'form',
      eventDescription: null,
      value: null,
      valueUnit: null,
      persons: [{ identifiers, traits: {} }],
      groups: [],
      memberships: [],
    };
    addFlat(tables, flattenRecord(record, syncedAt, 'generated-append', n + 1));
  });
  return tables;
}

export const manualSynthetic: SyntheticSource = { rows, recordsFor };
