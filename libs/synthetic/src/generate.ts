import { seededRandom } from '@hcrm/contracts';
import type { ManualRecord } from '@hcrm/source-manual';
import { flattenRecord } from '@hcrm/source-manual';

/**
 * A synthetic data set for all registered demo sources, scaled by the number of persons, with
 * realistic noise and the ground truth behind every identifier (docs/generate.md).
 */
export interface GenerateOptions {
  persons: number;
  seed: number;
  /** Companies per person (default 0.2: five people per company). */
  groupsPerPerson: number;
  /** Average emails per person, from 1 (default 1.4). */
  emailsPerPerson: number;
  /** Share of persons with a phone (default 0.6) and with a user id (default 0.5). */
  phonesPerPerson: number;
  userIdsPerPerson: number;
  /** Manual records (events) per person (default 2). */
  eventsPerPerson: number;
  /** Share of persons whose first record names all of their identifiers (default 0.9); the
   * others may have identifiers no record links, which no resolution can join. */
  linkAllShare: number;
  /** Share of companies that are also Shopify shops in the gadget and shopify_partner sources (default 0.5). */
  multiSourceShare: number;
  /** Case, whitespace and format variants, junk values, shared generic addresses (default true). */
  noise: boolean;
  /** The first person and company numbers (for --append). */
  personOffset: number;
  groupOffset: number;
  /** synced_at of the generated rows is within `syncedSpreadMinutes` before this time. */
  syncedBefore: Date;
  /** Default 5: inside the default lookback, so an increment is never older than what was processed. */
  syncedSpreadMinutes: number;
}

export const DEFAULT_GENERATE_OPTIONS: Omit<GenerateOptions, 'persons' | 'syncedBefore'> = {
  seed: 1,
  groupsPerPerson: 0.2,
  emailsPerPerson: 1.4,
  phonesPerPerson: 0.6,
  userIdsPerPerson: 0.5,
  eventsPerPerson: 2,
  linkAllShare: 0.9,
  multiSourceShare: 0.5,
  noise: true,
  personOffset: 0,
  groupOffset: 0,
  syncedSpreadMinutes: 5,
};

type Row = Record<string, string | number | boolean | null>;

/** The truth behind one identifier value as written: which true person or company it belongs to. */
export interface TruthRow extends Row {
  entity_type: 'person' | 'group';
  identifier_type: string;
  raw_value: string;
  /** Empty for values that identify nobody (junk) or many (shared generic addresses). */
  true_id: string;
  /** The part of the true entity the data links together (identifiers that co-occur, transitively). */
  linkable_id: string;
  kind: 'real' | 'junk' | 'shared';
}

export interface GeneratedChunk {
  /** Raw rows by raw table name. */
  tables: Record<string, Row[]>;
  truth: TruthRow[];
  persons: number;
}


interface PersonIds {
  id: string;
  group: number;
  identifiers: Array<[string, string]>;
}

const JUNK: Array<[string, string]> = [
  ['email', 'test@test.com'],
  ['phone', '000-000-0000'],
  ['email', 'n/a'],
  ['phone', 'unknown'],
];

const CHUNK_PERSONS = 5000;

/** The person's canonical identifiers (type, value as first written). */
function personIdentifiers(i: number, group: number, options: GenerateOptions, random: () => number): PersonIds {
  const ids: Array<[string, string]> = [['email', `user${i}@company${group}.com`]];
  if (random() < options.emailsPerPerson - 1) ids.push(['email', `u${i}.home@mail${i % 97}.net`]);
  if (random() < options.phonesPerPerson) ids.push(['phone', `+1555${String(1_000_000 + (i % 8_999_999)).padStart(7, '0')}`]);
  if (random() < options.userIdsPerPerson) ids.push(['user_id', `u-${i}`]);
  return { id: `person-${i}`, group, identifiers: ids };
}

/** The same value as a different system would write it. */
function variant(type: string, value: string, random: () => number, noise: boolean): string {
  if (!noise || random() < 0.5) return value;
  if (type === 'email') return random() < 0.5 ? value.toUpperCase() : `  ${value.replace(/^./, (c) => c.toUpperCase())} `;
  if (type === 'phone') {
    const d = value.slice(2);
    const formats = [`(${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6)}`, `${d.slice(0, 3)}.${d.slice(3, 6)}.${d.slice(6)}`, `1-${d.slice(0, 3)}-${d.slice(3, 6)}-${d.slice(6)}`];
    return formats[Math.floor(random() * formats.length)] as string;
  }
  if (type === 'domain') return random() < 0.5 ? `https://www.${value}/about` : `WWW.${value.toUpperCase()}`;
  return value;
}

/** Union-find over one entity's records: which of its identifiers the data links. */
function linkableParts(keys: readonly string[], records: ReadonlyArray<readonly string[]>): Map<string, string> {
  const parent = new Map(keys.map((k) => [k, k]));
  const find = (k: string): string => {
    let r = k;
    while (parent.get(r) !== r) r = parent.get(r) as string;
    return r;
  };
  for (const record of records) {
    for (const k of record.slice(1)) {
      const a = find(record[0] as string);
      const b = find(k);
      if (a !== b) parent.set(a < b ? b : a, a < b ? a : b);
    }
  }
  return new Map(keys.map((k) => [k, find(k)]));
}

/**
 * Generates the data set in chunks of persons (memory stays flat), deterministic for a seed:
 * the same options give the same rows, whatever the chunking.
 */
export function* generate(options: GenerateOptions): Generator<GeneratedChunk> {
  const groups = Math.max(1, Math.ceil(options.persons * options.groupsPerPerson));
  const personsPerGroup = options.persons / groups;
  const end = options.syncedBefore.getTime();
  const sharedPool = Math.max(1, Math.floor(options.persons / 500));
  let recordNo = 0;
  let lastGroup = options.groupOffset - 1;
  for (let start = 0; start < options.persons; start += CHUNK_PERSONS) {
    const random = seededRandom(options.seed * 1_000_003 + options.personOffset + start);
    const count = Math.min(CHUNK_PERSONS, options.persons - start);
    const tables: Record<string, Row[]> = {
      manual_records_raw: [],
      manual_record_entities_raw: [],
      manual_record_memberships_raw: [],
      gadget_shops_raw: [],
      shopify_partner_app_events_raw: [],
    };
    const truth: TruthRow[] = [];
    // Out of order; by default within the lookback, so an increment is never older than what was processed.
    const syncedAt = () => new Date(end - Math.floor(random() * options.syncedSpreadMinutes * 60_000)).toISOString();
    const occurredAt = () => new Date(Date.UTC(2025, 0, 1) + Math.floor(random() * 364 * 86_400_000)).toISOString();
    const push = (table: string, rows: readonly Row[]) => {
      const list = tables[table] as Row[];
      for (const r of rows) list.push(r);
    };
    const addRecord = (record: ManualRecord) => {
      recordNo += 1;
      const flat = flattenRecord(record, syncedAt(), 'generated', recordNo);
      push('manual_records_raw', [flat.manual_records_raw as Row]);
      push('manual_record_entities_raw', flat.manual_record_entities_raw as Row[]);
      push('manual_record_memberships_raw', flat.manual_record_memberships_raw as Row[]);
    };

    for (let k = 0; k < count; k += 1) {
      const i = options.personOffset + start + k;
      const group = options.groupOffset + Math.min(groups - 1, Math.floor((start + k) / personsPerGroup));
      const person = personIdentifiers(i, group, options, random);
      const domain = `company${group}.com`;
      const keys = person.identifiers.map(([t, v]) => `${t}:${v}`);
      const recordKeys: string[][] = [];
      const ownTruthFrom = truth.length;
      const events = Math.max(1, Math.round(options.eventsPerPerson * (0.5 + random())));
      for (let e = 0; e < events; e += 1) {
        // The first record usually names everything; later ones a random one or two.
        const chosen = e === 0 && random() < options.linkAllShare ? person.identifiers : person.identifiers.filter(() => random() < 0.45);
        const picked = chosen.length ? chosen : [person.identifiers[Math.floor(random() * person.identifiers.length)] as [string, string]];
        recordKeys.push(picked.map(([t, v]) => `${t}:${v}`));
        const identifiers: Record<string, string[]> = {};
        for (const [t, v] of picked) (identifiers[t] ??= []).push(variant(t, v, random, options.noise));
        if (options.noise && random() < 0.02) {
          const [t, v] = JUNK[Math.floor(random() * JUNK.length)] as [string, string];
          (identifiers[t] ??= []).push(v);
          truth.push({ entity_type: 'person', identifier_type: t, raw_value: v, true_id: '', linkable_id: '', kind: 'junk' });
        }
        if (options.noise && random() < 0.03) {
          const shared = `info@agency${Math.floor(random() * sharedPool)}.com`;
          (identifiers.email ??= []).push(shared);
          truth.push({ entity_type: 'person', identifier_type: 'email', raw_value: shared, true_id: '', linkable_id: '', kind: 'shared' });
        }
        for (const [t, list] of Object.entries(identifiers)) {
          for (const value of list) {
            if (JUNK.some(([jt, jv]) => jt === t && jv === value) || value.startsWith('info@agency')) continue;
            truth.push({ entity_type: 'person', identifier_type: t, raw_value: value, true_id: person.id, linkable_id: '', kind: 'real' });
          }
        }
        const groupIds: Record<string, string[]> = { domain: [variant('domain', domain, random, options.noise)] };
        // A shop's id appears in some records; always in the first record of its first person.
        const firstOfGroup = i - options.personOffset === Math.ceil((group - options.groupOffset) * personsPerGroup - 1e-9);
        if (isShop(group, options) && ((firstOfGroup && e === 0) || random() < 0.5)) groupIds.shopify_shop_id = [String(100_000 + group)];
        addRecord({
          id: `gen-${options.seed}-${i}-${e}`,
          occurredAt: occurredAt(),
          eventName: e === 0 ? 'signed_up' : 'form_submitted',
          eventType: 'form',
          eventDescription: null,
          value: null,
          valueUnit: null,
          persons: [{ identifiers, traits: { name: `Person ${i}`, title: random() < 0.5 ? 'Engineer' : 'Manager' } }],
          groups: [{ identifiers: groupIds, traits: { name: `Company ${group}` } }],
          memberships: [{ person: { type: 'email', value: person.identifiers[0]?.[1] as string }, group: { type: 'domain', value: domain }, role: k % 5 === 0 ? 'owner' : 'member' }],
        });
      }
      // Which of the person's identifiers the data links (truth for "linkable" recall).
      const parts = linkableParts(keys, recordKeys);
      for (const t of truth.slice(ownTruthFrom)) {
        if (t.true_id === person.id && t.linkable_id === '') {
          const canonical = person.identifiers.find(([ct, cv]) => ct === t.identifier_type && normalizeLoose(ct, cv) === normalizeLoose(ct, t.raw_value));
          t.linkable_id = canonical ? `${person.id}#${parts.get(`${canonical[0]}:${canonical[1]}`) ?? ''}` : person.id;
        }
      }
    }

    // Companies whose first person is in this chunk: shops in gadget and shopify_partner for some.
    const chunkGroups: number[] = [];
    for (let k = 0; k < count; k += 1) {
      const g = options.groupOffset + Math.min(groups - 1, Math.floor((start + k) / personsPerGroup));
      if (g > lastGroup) {
        chunkGroups.push(g);
        lastGroup = g;
      }
    }
    for (const g of chunkGroups) {
      const domain = `company${g}.com`;
      const shopId = String(100_000 + g);
      const myshopify = `company${g}.myshopify.com`;
      truth.push({ entity_type: 'group', identifier_type: 'domain', raw_value: domain, true_id: `group-${g}`, linkable_id: `group-${g}#d`, kind: 'real' });
      if (!isShop(g, options)) continue;
      const owner = `user${Math.ceil((g - options.groupOffset) * personsPerGroup - 1e-9) + options.personOffset}@company${g}.com`;
      push('gadget_shops_raw', [{
        id: shopId,
        domain: myshopify,
        name: `Company ${g}`,
        plan_name: random() < 0.5 ? 'basic' : 'shopify',
        owner_email: variant('email', owner, random, options.noise),
        owner_name: null,
        created_at: occurredAt(),
        updated_at: occurredAt(),
        synced_at: syncedAt(),
      }]);
      for (let e = 0; e < 1 + Math.floor(random() * 2); e += 1) {
        push('shopify_partner_app_events_raw', [{
          event_id: `gen-${options.seed}-sp-${g}-${e}`,
          payload: JSON.stringify({
            type: e === 0 ? 'RELATIONSHIP_INSTALLED' : 'SUBSCRIPTION_CHARGE_ACCEPTED',
            occurredAt: occurredAt(),
            shop: { id: `gid://shopify/Shop/${shopId}`, name: `Company ${g}`, myshopifyDomain: myshopify },
            app: { id: 'gid://partners/App/4242', name: 'Generated App' },
            ...(e > 0 ? { charge: { amount: '19.99', currencyCode: 'USD', name: 'Pro plan' } } : {}),
          }),
          synced_at: syncedAt(),
        }]);
      }
      truth.push({ entity_type: 'group', identifier_type: 'shopify_shop_id', raw_value: shopId, true_id: `group-${g}`, linkable_id: `group-${g}#d`, kind: 'real' });
      truth.push({ entity_type: 'group', identifier_type: 'myshopify_domain', raw_value: myshopify, true_id: `group-${g}`, linkable_id: `group-${g}#d`, kind: 'real' });
    }
    yield { tables, truth, persons: count };
  }
}

/** Whether company `g` is also a Shopify shop (gadget, shopify_partner): fixed per company, whatever the chunking. */
function isShop(g: number, options: GenerateOptions): boolean {
  return ((Math.imul(g + 1, 2654435761) >>> 0) % 10_000) / 10_000 < options.multiSourceShare;
}

/** Enough normalisation to match a written variant with its canonical value (truth only). */
function normalizeLoose(type: string, value: string): string {
  if (type === 'phone') return value.replace(/\D/g, '').replace(/^1?(\d{10})$/, '$1');
  if (type === 'email') return value.trim().toLowerCase();
  return value.trim();
}
