import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRepoRoot } from '@hcrm/config';
import { DEFAULT_IDENTITY_CONFIG, seededRandom, type Dialect, type IdentityConfig } from '@hcrm/core';
import { blockedSql, DIALECT_SQL, normalizeIdentifierSql } from '@hcrm/sql';
import {
  bigQueryEmulatorBinary,
  fakesnowAvailable,
  openDuckDbWarehouse,
  openWarehouse,
  startBigQueryEmulator,
  startFakesnow,
  type Warehouse,
} from '@hcrm/warehouse';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { splitByLimits } from './identity';
import { addCoreIdentifiers, createCoreIdentifierTables, resolveIdentityBatch, type CoreIdentifierRow } from './identity-testing';

// The identity SQL against a real DuckDB file, without dbt or Temporal: the core identifier
// table is written directly, then batches are resolved the way the workflow sequences them.

const NO_LIMITS: IdentityConfig = {
  ...DEFAULT_IDENTITY_CONFIG,
  person: { ...DEFAULT_IDENTITY_CONFIG.person, limits: {} },
};


/** Plain union-find over the identifiers of the rows: the reference partition. */
function referencePartition(rows: readonly CoreIdentifierRow[]): string[][] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    while (parent.get(x) !== x) {
      const p = parent.get(x) as string;
      parent.set(x, parent.get(p) as string);
      x = p;
    }
    return x;
  };
  const byRow = new Map<string, string[]>();
  for (const row of rows) {
    const key = `${row.type}:${row.value}`;
    if (!parent.has(key)) parent.set(key, key);
    byRow.set(row.rowId, [...(byRow.get(row.rowId) ?? []), key]);
  }
  for (const keys of byRow.values()) {
    for (const key of keys.slice(1)) {
      const a = find(keys[0] as string);
      const b = find(key);
      if (a !== b) parent.set(a, b);
    }
  }
  return canonical([...parent.keys()].map((key) => [key, find(key)]));
}

function canonical(pairs: ReadonlyArray<readonly [string, string]>): string[][] {
  const groups = new Map<string, string[]>();
  for (const [key, group] of pairs) groups.set(group, [...(groups.get(group) ?? []), key]);
  return [...groups.values()].map((g) => g.sort()).sort((a, b) => (a[0] as string).localeCompare(b[0] as string));
}

async function resolvedPartition(warehouse: Warehouse): Promise<string[][]> {
  const rows = await warehouse.query<{ k: string; entity_id: string }>(
    `select identifier_type || ':' || identifier_value as k, entity_id from identity.person_map`,
  );
  return canonical(rows.map((r) => [r.k, r.entity_id]));
}

async function entityIds(warehouse: Warehouse): Promise<Map<string, string>> {
  const rows = await warehouse.query<{ k: string; entity_id: string }>(
    `select identifier_type || ':' || identifier_value as k, entity_id from identity.person_map`,
  );
  return new Map(rows.map((r) => [r.k, r.entity_id]));
}

describe('identity resolution SQL on DuckDB', () => {
  let dir: string;
  let warehouse: Warehouse;
  let batchNo = 0;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hcrm-identity-'));
    warehouse = await openDuckDbWarehouse({ path: join(dir, 'w.duckdb') });
    await createCoreIdentifierTables(warehouse);
    batchNo = 0;
  });
  afterEach(async () => {
    await warehouse.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function resolveBatch(rows: readonly CoreIdentifierRow[], config: IdentityConfig = NO_LIMITS) {
    batchNo += 1;
    const ingestedAt = new Date(Date.UTC(2026, 0, 1, 0, batchNo * 20)).toISOString();
    if (rows.length) await addCoreIdentifiers(warehouse, 'person', rows, ingestedAt);
    return resolveIdentityBatch(warehouse, config, 'person', `run-${batchNo}`);
  }

  it('matches a plain union-find after every batch of random graphs (ids ignored), and never changes an id', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const next = seededRandom(seed);
      // A fresh warehouse per seed: drop what the previous seed resolved.
      await warehouse.execute('drop schema if exists identity cascade');
      await warehouse.execute('delete from core.person_identifiers');
      const values = 30 + Math.floor(next() * 60);
      const rowCount = 20 + Math.floor(next() * 80);
      const all: CoreIdentifierRow[] = [];
      for (let r = 0; r < rowCount; r += 1) {
        const size = 1 + Math.floor(next() * 3);
        const occurredAt = new Date(Date.UTC(2025, 0, 1 + Math.floor(next() * 300))).toISOString();
        for (let i = 0; i < size; i += 1) {
          const v = Math.floor(next() * values);
          const type = v % 3 === 0 ? 'phone' : 'user_id';
          const value = type === 'phone' ? `+1555000${String(v).padStart(4, '0')}` : `u${v}`;
          all.push({ id: `s${seed}-r${r}-${i}`, eventId: `e${r}`, rowId: `s${seed}-r${r}`, type, value, source: 'test', occurredAt });
        }
      }
      // Random arrival order, random batch boundaries (some batches empty); the identifiers
      // of one record may arrive in different batches.
      const shuffled = [...all].sort(() => next() - 0.5);
      const seen: CoreIdentifierRow[] = [];
      let before = new Map<string, string>();
      let start = 0;
      while (start < shuffled.length) {
        const take = Math.floor(next() * 25);
        const batch = shuffled.slice(start, start + take);
        start += take;
        await resolveBatch(batch);
        seen.push(...batch);
        expect(await resolvedPartition(warehouse), `seed ${seed}, after ${seen.length} rows`).toEqual(referencePartition(seen));
        // Stability: an identifier keeps its id unless its entity was absorbed in a logged merge.
        const after = await entityIds(warehouse);
        const merges = await warehouse.query<{ absorbed_id: string; surviving_id: string }>(
          'select absorbed_id, surviving_id from identity.identity_merges',
        );
        const survivor = new Map(merges.map((m) => [m.absorbed_id, m.surviving_id]));
        for (const [key, id] of before) {
          let expected = id;
          while (survivor.has(expected)) expected = survivor.get(expected) as string;
          expect(after.get(key)).toBe(expected);
        }
        before = after;
      }
    }
  });

  it('joins a 10,000-long chain into one entity', async () => {
    const rows: CoreIdentifierRow[] = [];
    // Links in a shuffled order of values, so labels do not line up with the chain.
    const order = Array.from({ length: 10_000 }, (_, i) => i).sort((a, b) => ((a * 7919) % 10_007) - ((b * 7919) % 10_007));
    for (let i = 0; i + 1 < order.length; i += 1) {
      for (const end of [order[i], order[i + 1]]) {
        rows.push({ id: `c${i}-${end}`, eventId: `e${i}`, rowId: `r${i}`, type: 'user_id', value: `u${end}`, source: 'test', occurredAt: '2025-01-01T00:00:00Z' });
      }
    }
    const applied = await resolveBatch(rows);
    expect(applied?.newEntities).toBe(1);
    const [row] = await warehouse.query<{ entities: number; identifiers: number }>(
      'select count(distinct entity_id) as entities, count(*) as identifiers from identity.person_map',
    );
    expect(row).toEqual({ entities: 1, identifiers: 10_000 });
    expect(applied?.iterations).toBeLessThan(40);
  });

  it('a value corrected under the same row id is new evidence, linked to its record', async () => {
    const row = { eventId: 'e1', rowId: 'r1', source: 'test', occurredAt: '2025-01-01T00:00:00Z' };
    await resolveBatch([{ ...row, id: 'x1', type: 'email', value: 'ann@acme.con' }]);
    // The loader replaces the row: same id, corrected value.
    await warehouse.execute(`delete from core.person_identifiers where id = 'x1'`);
    await resolveBatch([{ ...row, id: 'x1', type: 'email', value: 'ann@acme.com' }]);
    const ids = await entityIds(warehouse);
    expect(ids.get('email:ann@acme.com')).toBeDefined();
    expect(ids.get('email:ann@acme.com')).toBe(ids.get('email:ann@acme.con'));
  });

  it('an empty batch and a batch of already-seen rows change nothing', async () => {
    await resolveBatch([
      { id: 'a', eventId: 'e1', rowId: 'r1', type: 'email', value: 'A@x.com', source: 'test', occurredAt: '2025-01-01T00:00:00Z' },
    ]);
    const snapshot = async () =>
      JSON.stringify(await warehouse.query('select * from identity.person_map, identity.identity_runs order by all'));
    const first = await snapshot();
    expect(await resolveBatch([])).toBeUndefined();
    expect(await snapshot()).toBe(first);
  });
});

describe('splitByLimits', () => {
  it('refuses, first come first served, the edge that would give an entity two user ids', () => {
    const { labels, quarantined } = splitByLimits(
      [
        { node: 'e:A', identifier_type: 'user_id', identifier_value: '1' },
        { node: 'i:email', identifier_type: null, identifier_value: null },
        { node: 'i:u2', identifier_type: 'user_id', identifier_value: '2' },
      ],
      [
        { edge_id: 'x', a_node: 'e:A', b_node: 'i:email', a_type: 'user_id', a_value: '1', b_type: 'email', b_value: 'a@x.com' },
        { edge_id: 'y', a_node: 'i:email', b_node: 'i:u2', a_type: 'email', a_value: 'a@x.com', b_type: 'user_id', b_value: '2' },
      ],
      { user_id: 1 },
      'person',
    );
    expect(quarantined.map((q) => q.edgeId)).toEqual(['y']);
    expect(quarantined[0]?.detail).toContain('2 user_id values (limit 1)');
    expect(labels.get('i:email')).toBe(labels.get('e:A'));
    expect(labels.get('i:u2')).toBe('i:u2');
  });
});

/** A warehouse of each kind for SQL-only checks: a DuckDB file, fakesnow, bigquery-emulator. */
interface SqlTarget {
  dialect: Dialect;
  /** Why the target cannot run here, if it cannot. */
  missing?: string;
  start(): Promise<{ warehouse: Warehouse; stop(): Promise<void> }>;
}

const python = join(findRepoRoot(), '.venv', 'bin', 'python');
const emulator = bigQueryEmulatorBinary();
const SQL_TARGETS: SqlTarget[] = [
  {
    dialect: 'duckdb',
    async start() {
      const dir = mkdtempSync(join(tmpdir(), 'hcrm-normalise-'));
      const warehouse = await openDuckDbWarehouse({ path: join(dir, 'w.duckdb') });
      return { warehouse, stop: async () => { await warehouse.close(); rmSync(dir, { recursive: true, force: true }); } };
    },
  },
  {
    dialect: 'snowflake',
    ...(fakesnowAvailable(python) ? {} : { missing: `fakesnow is not installed in ${python}` }),
    async start() {
      const server = await startFakesnow({ python });
      const warehouse = await openWarehouse(
        { kind: 'snowflake', account: 'fake', user: 'fake', database: 'HCRM', host: server.host, port: server.port, protocol: 'http' },
        {},
        { SNOWFLAKE_PASSWORD: 'fake' },
      );
      return { warehouse, stop: async () => { await warehouse.close(); await server.stop(); } };
    },
  },
  {
    dialect: 'bigquery',
    ...(emulator ? {} : { missing: 'bigquery-emulator is not built (npm test builds it when Go is installed)' }),
    async start() {
      const running = await startBigQueryEmulator({ binary: emulator ?? '', projectId: 'hcrm-normalise' });
      const warehouse = await openWarehouse({ kind: 'bigquery', projectId: 'hcrm-normalise', apiEndpoint: running.apiEndpoint });
      return { warehouse, stop: async () => { await warehouse.close(); await running.stop(); } };
    },
  },
];
for (const target of SQL_TARGETS) if (target.missing) console.warn(`Skipping identifier normalisation on ${target.dialect}: ${target.missing}.`);

describe.each(SQL_TARGETS)('identifier normalisation and blocking on $dialect', (target) => {
  let warehouse: Warehouse;
  let stop: () => Promise<void>;
  const { dialect } = target;
  const literal = DIALECT_SQL[dialect].literal;
  beforeAll(async () => {
    if (target.missing) return;
    ({ warehouse, stop } = await target.start());
  });
  afterAll(async () => {
    await stop?.();
  });
  beforeEach((context) => {
    if (target.missing) context.skip();
  });

  const normalise = async (type: string, value: string, region = 'US') => {
    const [row] = await warehouse.query<{ v: string }>(`select ${normalizeIdentifierSql(literal(type), literal(value), dialect, region)} as v`);
    return row?.v;
  };
  const blocked = async (entity: 'person' | 'group', type: string, value: string) => {
    const normalised = normalizeIdentifierSql(literal(type), literal(value), dialect, 'US');
    const [row] = await warehouse.query<{ b: boolean }>(
      `select ${blockedSql(literal(type), literal(value), normalised, DEFAULT_IDENTITY_CONFIG[entity], dialect)} as b`,
    );
    return row?.b;
  };

  it.each([
    ['email', '  Ann.Lee@Example.COM ', 'ann.lee@example.com'],
    ['phone', '+1 (555) 010-2000', '+15550102000'],
    ['phone', '555.010.2000', '+15550102000'],
    ['phone', '1-555-010-2000', '+15550102000'],
    ['phone', '0044 20 7946 0018', '+442079460018'],
    ['domain', 'HTTPS://www.Acme.com/about?x=1', 'acme.com'],
    ['domain', 'acme.com.', 'acme.com'],
    ['website', 'http://user@www2.acme.com:8080/', 'acme.com'],
    ['myshopify_domain', 'Shop.MyShopify.com', 'shop.myshopify.com'],
    ['user_id', '  AbC-1 ', 'AbC-1'],
  ])('%s %j -> %j', async (type, value, expected) => {
    expect(await normalise(type, value)).toBe(expected);
  });

  it('reads national numbers in the default region', async () => {
    expect(await normalise('phone', '020 7946 0018', 'GB')).toBe('+442079460018');
    expect(await normalise('phone', '030 1234567', 'DE')).toBe('+49301234567');
    expect(await normalise('phone', '+44 20 7946 0018', 'DE')).toBe('+442079460018');
  });

  it.each([
    ['person', 'email', 'TEST@test.com', true],
    ['person', 'email', 'noreply@acme.com', true],
    ['person', 'email', 'ann@acme.com', false],
    ['person', 'phone', '000-000-0000', true],
    ['person', 'phone', 'N/A', true],
    ['person', 'phone', '+1 555 010 2000', false],
    ['person', 'user_id', 'unknown', true],
    ['person', 'user_id', ' ', true],
    ['person', 'user_id', '42', false],
    ['group', 'domain', 'https://www.gmail.com', true],
    ['group', 'domain', 'acme.com', false],
  ] as const)('%s %s %j blocked: %s', async (entity, type, value, expected) => {
    expect(await blocked(entity, type, value)).toBe(expected);
  });
});
