import { seededRandom, type RawRow, type RegisteredSource, type SyntheticCompany, type SyntheticPerson, type SyntheticRows } from '@hcrm/contracts';

/**
 * A synthetic data set for every source whose lib has a synthetic part, scaled by the number of persons, with
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

/** The truth behind one identifier value as written: which true person or company it belongs to. */
export interface TruthRow extends RawRow {
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
  tables: Record<string, RawRow[]>;
  truth: TruthRow[];
  persons: number;
}

const CHUNK_PERSONS = 5000;

/** The person's canonical identifiers (type, value as first written). */
function personIdentifiers(i: number, group: number, options: GenerateOptions, random: () => number): Array<[string, string]> {
  const ids: Array<[string, string]> = [['email', `user${i}@company${group}.com`]];
  if (random() < options.emailsPerPerson - 1) ids.push(['email', `u${i}.home@mail${i % 97}.net`]);
  if (random() < options.phonesPerPerson) ids.push(['phone', `+1555${String(1_000_000 + (i % 8_999_999)).padStart(7, '0')}`]);
  if (random() < options.userIdsPerPerson) ids.push(['user_id', `u-${i}`]);
  return ids;
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

/**
 * Which part of its entity each canonical identifier is in, given the sets the records name
 * together (union-find): the smallest key of the part names it, so the same part gets the
 * same name in every chunk it shows up in.
 */
function linkableParts(links: SyntheticRows['links']): Map<string, string> {
  const parent = new Map<string, string>();
  const find = (k: string): string => {
    let r = k;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r) as string;
    return r;
  };
  for (const { trueId, keys } of links) {
    const [first, ...rest] = keys.map((key) => `${trueId}#${key}`);
    if (first === undefined) continue;
    if (!parent.has(first)) parent.set(first, first);
    for (const k of rest) {
      if (!parent.has(k)) parent.set(k, k);
      const a = find(first);
      const b = find(k);
      if (a !== b) parent.set(a < b ? b : a, a < b ? a : b);
    }
  }
  return new Map([...parent.keys()].map((k) => [k, find(k)]));
}

/** A number from a source name, so each source draws its own random numbers. */
function nameSeed(name: string): number {
  let h = 2166136261;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

/**
 * Generates the data set in chunks of persons (memory stays flat), deterministic for a seed:
 * the same options give the same rows, whatever the chunking. The world (persons, companies,
 * their true identifiers) is drawn here; each source with a `synthetic` part turns it into
 * its own raw rows and says which identifier values it wrote for whom.
 */
export function* generate(options: GenerateOptions, sources: readonly RegisteredSource[]): Generator<GeneratedChunk> {
  const groups = Math.max(1, Math.ceil(options.persons * options.groupsPerPerson));
  const personsPerGroup = options.persons / groups;
  const end = options.syncedBefore.getTime();
  const firstPersonOf = (g: number) => Math.ceil((g - options.groupOffset) * personsPerGroup - 1e-9) + options.personOffset;
  const company = (g: number): SyntheticCompany => {
    const shopId = isShop(g, options) ? String(100_000 + g) : undefined;
    return {
      id: `group-${g}`,
      n: g,
      name: `Company ${g}`,
      domain: `company${g}.com`,
      ...(shopId ? { shop: { id: shopId, myshopifyDomain: `company${g}.myshopify.com` } } : {}),
      firstPerson: firstPersonOf(g),
      ownerEmail: `user${firstPersonOf(g)}@company${g}.com`,
    };
  };
  let lastGroup = options.groupOffset - 1;
  for (let start = 0; start < options.persons; start += CHUNK_PERSONS) {
    const chunkSeed = options.seed * 1_000_003 + options.personOffset + start;
    const random = seededRandom(chunkSeed);
    const count = Math.min(CHUNK_PERSONS, options.persons - start);
    const persons: SyntheticPerson[] = [];
    const companies: SyntheticCompany[] = [];
    for (let k = 0; k < count; k += 1) {
      const i = options.personOffset + start + k;
      const group = options.groupOffset + Math.min(groups - 1, Math.floor((start + k) / personsPerGroup));
      persons.push({
        id: `person-${i}`,
        n: i,
        name: `Person ${i}`,
        title: random() < 0.5 ? 'Engineer' : 'Manager',
        company: group,
        identifiers: personIdentifiers(i, group, options, random),
        firstOfCompany: i === firstPersonOf(group),
      });
      if (group > lastGroup) {
        companies.push(company(group));
        lastGroup = group;
      }
    }

    const tables: Record<string, RawRow[]> = {};
    const written: SyntheticRows['identifiers'] = [];
    const links: SyntheticRows['links'] = [];
    for (const source of sources) {
      if (!source.synthetic) continue;
      const sourceRandom = seededRandom(chunkSeed ^ nameSeed(source.definition.name));
      const rows = source.synthetic.rows({
        seed: options.seed,
        personsTotal: options.persons,
        persons,
        companies,
        company,
        random: sourceRandom,
        // Out of order; by default within the lookback, so an increment is never older than what was processed.
        syncedAt: () => new Date(end - Math.floor(sourceRandom() * options.syncedSpreadMinutes * 60_000)).toISOString(),
        occurredAt: () => new Date(Date.UTC(2025, 0, 1) + Math.floor(sourceRandom() * 364 * 86_400_000)).toISOString(),
        variant: (type, value) => variant(type, value, sourceRandom, options.noise),
        noise: options.noise,
        eventsPerPerson: options.eventsPerPerson,
        linkAllShare: options.linkAllShare,
      });
      for (const [table, list] of Object.entries(rows.tables)) {
        const into = (tables[table] ??= []);
        for (const row of list) into.push(row);
      }
      for (const identifier of rows.identifiers) written.push(identifier);
      for (const link of rows.links) links.push(link);
    }

    // Which of an entity's identifiers the data links (truth for "linkable" recall).
    const parts = linkableParts(links);
    const truth: TruthRow[] = written.map((identifier) => {
      const key = `${identifier.trueId ?? ''}#${identifier.canonical ?? `${identifier.type}:${identifier.value}`}`;
      return {
        entity_type: identifier.entityType,
        identifier_type: identifier.type,
        raw_value: identifier.value,
        true_id: identifier.kind === 'real' ? (identifier.trueId ?? '') : '',
        linkable_id: identifier.kind === 'real' ? (parts.get(key) ?? key) : '',
        kind: identifier.kind,
      };
    });
    yield { tables, truth, persons: count };
  }
}

/** Whether company `g` is also a Shopify shop (gadget, shopify_partner): fixed per company, whatever the chunking. */
function isShop(g: number, options: GenerateOptions): boolean {
  return ((Math.imul(g + 1, 2654435761) >>> 0) % 10_000) / 10_000 < options.multiSourceShare;
}
