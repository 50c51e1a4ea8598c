import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_IDENTITY_CONFIG, type IdentityApplied, type IdentityConfig } from '@hcrm/contracts';
import { openDuckDbWarehouse, type Warehouse } from '@hcrm/warehouse';
import { addCoreIdentifiers, createCoreIdentifierTables, resolveIdentityBatch, type CoreIdentifierRow } from './testing';

// For this lib's tests only (index.ts leaves it out): the identity SQL against a real DuckDB
// file, without dbt or Temporal. The core identifier table is written directly, then batches
// are resolved the way the workflow sequences them.

/** The default configuration without person limits: what a plain union-find computes. */
export const NO_LIMITS: IdentityConfig = {
  ...DEFAULT_IDENTITY_CONFIG,
  person: { ...DEFAULT_IDENTITY_CONFIG.person, limits: {} },
};

export interface IdentityTestBed {
  warehouse: Warehouse;
  /** Ingests `rows` into core 20 minutes after the previous batch and resolves them as run `run-<n>`. */
  resolveBatch(rows: readonly CoreIdentifierRow[], config?: IdentityConfig): Promise<IdentityApplied | undefined>;
  /** Closes the warehouse and removes its folder. */
  close(): Promise<void>;
}

/**
 * A DuckDB file in a fresh temporary folder, with the core identifier tables.
 *
 * @example
 *   const bed = await openIdentityTestBed();
 *   await bed.resolveBatch([{ id: 'a', eventId: 'e1', rowId: 'r1', type: 'email', value: 'a@x.com', source: 'test', occurredAt: '2025-01-01T00:00:00Z' }]);
 *   await bed.close();
 */
export async function openIdentityTestBed(): Promise<IdentityTestBed> {
  const dir = mkdtempSync(join(tmpdir(), 'hcrm-identity-'));
  const warehouse = await openDuckDbWarehouse({ path: join(dir, 'w.duckdb') });
  await createCoreIdentifierTables(warehouse);
  let batchNo = 0;
  return {
    warehouse,
    async resolveBatch(rows, config = NO_LIMITS) {
      batchNo += 1;
      const ingestedAt = new Date(Date.UTC(2026, 0, 1, 0, batchNo * 20)).toISOString();
      if (rows.length) await addCoreIdentifiers(warehouse, 'person', rows, ingestedAt);
      // Batches are ingested 20 minutes apart: a 10-minute overlap re-reads none of the previous one.
      return resolveIdentityBatch(warehouse, config, 'person', `run-${batchNo}`, { lookbackMinutes: 10 });
    },
    async close() {
      await warehouse.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Each person identifier (`type:value`) with its entity id. */
export async function personEntityIds(warehouse: Warehouse): Promise<Map<string, string>> {
  const rows = await warehouse.query<{ k: string; entity_id: string }>(
    `select identifier_type || ':' || identifier_value as k, entity_id from identity.person_map`,
  );
  return new Map(rows.map((r) => [r.k, r.entity_id]));
}
