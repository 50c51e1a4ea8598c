import { seededRandom } from '@hcrm/contracts';
import type { Warehouse } from '@hcrm/warehouse';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openIdentityTestBed, personEntityIds, type IdentityTestBed } from './test-bed';
import type { CoreIdentifierRow } from './testing';

// Label rounds against a real DuckDB file (test-bed.ts): exact components, whatever the
// batches and the arrival order, and ids that change only in a logged merge.

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

describe('identity resolution SQL on DuckDB', () => {
  let bed: IdentityTestBed;
  beforeEach(async () => {
    bed = await openIdentityTestBed();
  });
  afterEach(async () => {
    await bed.close();
  });

  it('matches a plain union-find after every batch of random graphs (ids ignored), and never changes an id', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const next = seededRandom(seed);
      // A fresh warehouse per seed: drop what the previous seed resolved.
      await bed.warehouse.execute('drop schema if exists identity cascade');
      await bed.warehouse.execute('delete from core.person_identifiers');
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
        await bed.resolveBatch(batch);
        seen.push(...batch);
        expect(await resolvedPartition(bed.warehouse), `seed ${seed}, after ${seen.length} rows`).toEqual(referencePartition(seen));
        // Stability: an identifier keeps its id unless its entity was absorbed in a logged merge.
        const after = await personEntityIds(bed.warehouse);
        const merges = await bed.warehouse.query<{ absorbed_id: string; surviving_id: string }>(
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
    const applied = await bed.resolveBatch(rows);
    expect(applied?.newEntities).toBe(1);
    const [row] = await bed.warehouse.query<{ entities: number; identifiers: number }>(
      'select count(distinct entity_id) as entities, count(*) as identifiers from identity.person_map',
    );
    expect(row).toEqual({ entities: 1, identifiers: 10_000 });
    expect(applied?.iterations).toBeLessThan(40);
  });
});
