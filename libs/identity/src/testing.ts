import { SCHEMAS, type EntityType, type IdentityApplied, type IdentityConfig } from '@hcrm/contracts';
import type { Warehouse } from '@hcrm/warehouse';
import { applyIdentityBatch } from './apply';
import { iterateComponents } from './components';
import type { IdentityReadOptions } from './runs';
import { prepareIdentityBatch } from './stage';

/** One core identifier row, as the core layer holds it. */
export interface CoreIdentifierRow {
  id: string;
  eventId: string;
  rowId: string;
  type: string;
  value: string;
  source: string;
  occurredAt: string;
}

/** Creates the core identifier tables the identity activities read (tests only; dbt owns them). */
export async function createCoreIdentifierTables(warehouse: Warehouse): Promise<void> {
  await warehouse.execute(`create schema if not exists ${SCHEMAS.core}`);
  for (const entity of ['person', 'group'] as const) {
    await warehouse.execute(
      `create table if not exists ${SCHEMAS.core}.${entity}_identifiers (id varchar, event_id varchar, row_id varchar, identifier_type varchar, identifier_value varchar, source varchar, occurred_at timestamp, synced_at timestamp, _ingested_at timestamp)`,
    );
  }
}

/** Appends rows to a core identifier table, ingested at `ingestedAt` (ISO; tests only). */
export async function addCoreIdentifiers(
  warehouse: Warehouse,
  entity: EntityType,
  rows: readonly CoreIdentifierRow[],
  ingestedAt: string,
): Promise<void> {
  await warehouse.bulkInsert(
    ['id', 'event_id', 'row_id', 'identifier_type', 'identifier_value', 'source', 'occurred_at'],
    rows.map((r) => [r.id, r.eventId, r.rowId, r.type, r.value, r.source, r.occurredAt]),
    (staging) =>
      `insert into ${SCHEMAS.core}.${entity}_identifiers select id, event_id, row_id, identifier_type, identifier_value, source, cast(occurred_at as timestamp), cast(? as timestamp), cast(? as timestamp) from ${staging}`.replace(
        /\?/g,
        `'${ingestedAt.replace('T', ' ').replace('Z', '')}'`,
      ),
  );
}

/**
 * The whole identity step for one entity type, as the workflow sequences it (tests and
 * benchmarks: the workflow calls the three steps as activities).
 *
 * @example
 *   const applied = await resolveIdentityBatch(warehouse, DEFAULT_IDENTITY_CONFIG, 'person', 'run-1', { lookbackMinutes: 0 });
 */
export async function resolveIdentityBatch(
  warehouse: Warehouse,
  config: IdentityConfig,
  entity: EntityType,
  runId: string,
  read: IdentityReadOptions,
): Promise<IdentityApplied | undefined> {
  const batch = await prepareIdentityBatch(warehouse, config, entity, runId, read);
  if (batch.batchRows === 0) return undefined;
  let iterations = 0;
  for (;;) {
    const round = await iterateComponents(warehouse, entity, { maxSeconds: 60 });
    iterations += round.rounds;
    if (round.converged) break;
  }
  return applyIdentityBatch(warehouse, config[entity], entity, runId, iterations);
}
