import { describe, expect, it } from 'vitest';
import { ACTIVITY_ASSETS } from './assets';
import { LAYER_SCHEMAS, OPS_TABLES, PERSISTED_IDENTITY_TABLES, QUERY_SEARCH_PATH, SCHEMAS, schemaAndTable } from './catalog';
import { LAYERS } from './layers';

// The ops tables that are the pipeline's own bookkeeping, not data: `hcrm assets` leaves them
// out. Any other table added to OPS_TABLES must be an asset (or be named here).
const BOOKKEEPING: readonly string[] = [OPS_TABLES.lock, OPS_TABLES.materializations];

describe('table catalog', () => {
  it('lists exactly the identity tables a run keeps and the ops tables but bookkeeping as activity assets', () => {
    const expected = [...PERSISTED_IDENTITY_TABLES, ...Object.values(OPS_TABLES).filter((table) => !BOOKKEEPING.includes(table))];
    expect(ACTIVITY_ASSETS.map((asset) => asset.name).sort()).toEqual(expected.sort());
  });

  it('gives each activity asset the layer of its schema, and upstream tables in catalogued schemas', () => {
    const layerOf = new Map<string, string>([...Object.entries(LAYER_SCHEMAS).map(([layer, schema]) => [schema, layer] as const), [SCHEMAS.ops, 'ops']]);
    for (const asset of ACTIVITY_ASSETS) {
      expect(asset.layer, asset.name).toBe(layerOf.get(schemaAndTable(asset.name)[0]));
      for (const upstream of asset.upstream) expect(Object.values(SCHEMAS), `${asset.name} <- ${upstream}`).toContain(schemaAndTable(upstream)[0]);
    }
  });

  it("searches every layer's schema in `hcrm query`, latest layer first, then main", () => {
    expect(QUERY_SEARCH_PATH).toEqual([...[...LAYERS].reverse().map((layer) => LAYER_SCHEMAS[layer]), 'main']);
  });

  it('splits a catalogued name into schema and table', () => {
    expect(schemaAndTable(OPS_TABLES.lock)).toEqual(['ops', 'warehouse_lock']);
    expect(schemaAndTable(PERSISTED_IDENTITY_TABLES[0] as string)).toEqual(['identity', 'person_observations']);
  });
});
