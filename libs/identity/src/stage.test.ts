import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openIdentityTestBed, personEntityIds, type IdentityTestBed } from './test-bed';

// Staging batches against a real DuckDB file (test-bed.ts): which core rows are new evidence.

describe('identity resolution SQL on DuckDB', () => {
  let bed: IdentityTestBed;
  beforeEach(async () => {
    bed = await openIdentityTestBed();
  });
  afterEach(async () => {
    await bed.close();
  });

  it('a value corrected under the same row id is new evidence, linked to its record', async () => {
    const row = { eventId: 'e1', rowId: 'r1', source: 'test', occurredAt: '2025-01-01T00:00:00Z' };
    await bed.resolveBatch([{ ...row, id: 'x1', type: 'email', value: 'ann@acme.con' }]);
    // The loader replaces the row: same id, corrected value.
    await bed.warehouse.execute(`delete from core.person_identifiers where id = 'x1'`);
    await bed.resolveBatch([{ ...row, id: 'x1', type: 'email', value: 'ann@acme.com' }]);
    const ids = await personEntityIds(bed.warehouse);
    expect(ids.get('email:ann@acme.com')).toBeDefined();
    expect(ids.get('email:ann@acme.com')).toBe(ids.get('email:ann@acme.con'));
  });

  it('an empty batch and a batch of already-seen rows change nothing', async () => {
    await bed.resolveBatch([
      { id: 'a', eventId: 'e1', rowId: 'r1', type: 'email', value: 'A@x.com', source: 'test', occurredAt: '2025-01-01T00:00:00Z' },
    ]);
    const snapshot = async () =>
      JSON.stringify(await bed.warehouse.query('select * from identity.person_map, identity.identity_runs order by all'));
    const first = await snapshot();
    expect(await bed.resolveBatch([])).toBeUndefined();
    expect(await snapshot()).toBe(first);
  });
});
