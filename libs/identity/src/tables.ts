import {
  ENTITY_TYPES,
  IDENTITY_ENTITY_TABLES,
  IDENTITY_SHARED_TABLES,
  IDENTITY_STAGING_TABLES,
  MEMBERSHIP_BATCH_TABLE,
  SCHEMAS,
  identityTable,
  sharedIdentityTable,
  type Dialect,
  type EntityType,
} from '@hcrm/contracts';
import { DIALECT_SQL } from '@hcrm/sql';
import type { Warehouse } from '@hcrm/warehouse';
import { runAll } from './internal';

/**
 * The tables of identity resolution (docs/identity.md), named by the table catalog
 * (`@hcrm/contracts` catalog.ts), in schema `identity`:
 *
 * - `<entity>_observations`: every identifier occurrence seen, original and normalised value.
 * - `<entity>_map`: identifier (type, normalised value) -> entity id, one row per identifier.
 * - `<entity>_entities`: live entities with the identifier that created them (the seed).
 * - `<entity>_edges`: deduplicated edges (A-B == B-A) with earliest provenance and status.
 * - `identity_merges`, `identity_quarantine`, `identity_runs`, `membership_observations`,
 *   `membership_retractions` (earlier versions of memberships a run replaced: the final layer
 *   recomputes the links they named).
 * - `<entity>_batch*`, `<entity>_cc_*`: staging of one run, dropped when the run is applied.
 *
 * @example
 *   for (const statement of createIdentityTablesSql('duckdb')) await warehouse.execute(statement);
 */
export function createIdentityTablesSql(dialect: Dialect): string[] {
  const d = DIALECT_SQL[dialect];
  const [ts, text, bigint, bool] = [d.timestamp, d.text, d.bigint, d.boolean];
  const t = identityTable;
  const perEntity = (entity: EntityType) => [
    `create table if not exists ${t(entity, 'observations')} (id ${text}, event_id ${text}, row_id ${text}, source ${text}, occurred_at ${ts}, identifier_type ${text}, raw_value ${text}, identifier_value ${text}, blocked ${bool}, run_id ${text})`,
    `create table if not exists ${t(entity, 'map')} (identifier_type ${text}, identifier_value ${text}, entity_id ${text}, run_id ${text})`,
    `create table if not exists ${t(entity, 'entities')} (entity_id ${text}, created_run ${text}, seed_type ${text}, seed_value ${text}, seed_occurred_at ${ts})`,
    `create table if not exists ${t(entity, 'edges')} (edge_id ${text}, a_type ${text}, a_value ${text}, b_type ${text}, b_value ${text}, event_id ${text}, row_id ${text}, source ${text}, occurred_at ${ts}, status ${text}, run_id ${text})`,
  ];
  return [
    `create schema if not exists ${SCHEMAS.identity}`,
    ...ENTITY_TYPES.flatMap(perEntity),
    `create table if not exists ${sharedIdentityTable('identity_merges')} (absorbed_id ${text}, surviving_id ${text}, entity_type ${text}, run_id ${text}, merged_at ${ts})`,
    `create table if not exists ${sharedIdentityTable('identity_quarantine')} (quarantine_id ${text}, entity_type ${text}, reason ${text}, identifier_type ${text}, identifier_value ${text}, other_type ${text}, other_value ${text}, edge_id ${text}, event_id ${text}, source ${text}, occurred_at ${ts}, detail ${text}, run_id ${text})`,
    `create table if not exists ${sharedIdentityTable('identity_runs')} (run_id ${text}, entity_type ${text}, started_at ${ts}, finished_at ${ts}, watermark ${ts}, batch_rows ${bigint}, new_identifiers ${bigint}, new_edges ${bigint}, new_entities ${bigint}, merges ${bigint}, quarantined ${bigint}, blocked ${bigint}, iterations ${bigint})`,
    `create table if not exists ${sharedIdentityTable('membership_observations')} (id ${text}, event_id ${text}, source ${text}, occurred_at ${ts}, person_identifier_type ${text}, person_identifier ${text}, group_identifier_type ${text}, group_identifier ${text}, role ${text}, run_id ${text}, raw_person_identifier ${text}, raw_group_identifier ${text})`,
    `create table if not exists ${sharedIdentityTable('membership_retractions')} (id ${text}, person_identifier_type ${text}, person_identifier ${text}, group_identifier_type ${text}, group_identifier ${text}, run_id ${text})`,
  ];
}

/**
 * Drops every identity table the catalog names (`hcrm run --full-refresh`): per entity type
 * its kept tables then its staging, then the shared tables and the membership batch. The
 * next run resolves from scratch.
 */
export function dropIdentityTablesSql(): string[] {
  const perEntity = ENTITY_TYPES.flatMap((entity) => [...IDENTITY_ENTITY_TABLES, ...IDENTITY_STAGING_TABLES].map((name) => identityTable(entity, name)));
  const shared = [...IDENTITY_SHARED_TABLES.map(sharedIdentityTable), sharedIdentityTable(MEMBERSHIP_BATCH_TABLE)];
  return [...perEntity, ...shared].map((name) => `drop table if exists ${name}`);
}

/** Drops the staging tables of one entity type's batch (once it is applied, or when it is empty). */
export function dropStagingSql(entity: EntityType): string[] {
  return IDENTITY_STAGING_TABLES.map((name) => `drop table if exists ${identityTable(entity, name)}`);
}

/** Creates the identity schema and tables where they are missing. */
export async function ensureIdentityTables(warehouse: Warehouse): Promise<void> {
  await runAll(warehouse, createIdentityTablesSql(warehouse.dialect));
}

/** `--full-refresh`: forget everything resolved so far; the next batch is all of history. */
export async function resetIdentity(warehouse: Warehouse): Promise<void> {
  await runAll(warehouse, dropIdentityTablesSql());
}
