import { ENTITY_TYPES, type EntityType } from './identity';
import type { Layer } from './layers';

/**
 * The table catalog: every schema the pipeline writes and the tables that are not dbt models
 * (identity resolution's state, the operational tables). Everything that names them reads
 * this: the SQL builders, the asset list, `hcrm query`'s search path, the full-refresh drop
 * list, and a test that checks dbt's `sources.yml` for the identity tables against it.
 * dbt models are catalogued by dbt's manifest; their schemas are the layers' below.
 *
 * @example
 *   identityTable('person', 'map')  // 'identity.person_map'
 */
export const SCHEMAS = {
  raw: 'raw',
  source: 'source',
  core: 'core',
  identity: 'identity',
  crm: 'crm',
  ops: 'ops',
} as const;

export type SchemaName = (typeof SCHEMAS)[keyof typeof SCHEMAS];

/** The schema each layer writes (the final layer is `crm`: the names applications read). */
export const LAYER_SCHEMAS: Record<Layer, SchemaName> = {
  raw: SCHEMAS.raw,
  source: SCHEMAS.source,
  core: SCHEMAS.core,
  identity: SCHEMAS.identity,
  final: SCHEMAS.crm,
};

/** Identity tables kept per entity type (`identity.<entity>_<name>`), in the order a reset drops them. */
export const IDENTITY_ENTITY_TABLES = ['observations', 'map', 'entities', 'edges'] as const;

/** Staging tables of one identity batch per entity type (`identity.<entity>_<name>`), dropped when it is applied. */
export const IDENTITY_STAGING_TABLES = [
  'batch',
  'batch_rows',
  'batch_edges',
  'cc_nodes',
  'cc_edges',
  'cc_labels',
  'cc_next',
  'cc_override',
  'cc_resolved',
  'assign',
  'quarantined',
] as const;

/**
 * Scratch tables of one identity step per entity type (`identity.<entity>_<name>`), dropped by
 * the step that creates them: the components a per-type limit would break (`cc_violating`).
 */
export const IDENTITY_SCRATCH_TABLES = ['cc_violating'] as const;

/** Identity tables shared by both entity types (`identity.<name>`). */
export const IDENTITY_SHARED_TABLES = [
  'identity_merges',
  'identity_quarantine',
  'identity_runs',
  'membership_observations',
  'membership_retractions',
] as const;

/** The one staging table of the membership step, dropped when it is done. */
export const MEMBERSHIP_BATCH_TABLE = 'membership_batch';

export type IdentityEntityTable =
  | (typeof IDENTITY_ENTITY_TABLES)[number]
  | (typeof IDENTITY_STAGING_TABLES)[number]
  | (typeof IDENTITY_SCRATCH_TABLES)[number];
export type IdentitySharedTable = (typeof IDENTITY_SHARED_TABLES)[number] | typeof MEMBERSHIP_BATCH_TABLE;

/** `identity.<entity>_<name>` */
export function identityTable(entity: EntityType, name: IdentityEntityTable): string {
  return `${SCHEMAS.identity}.${entity}_${name}`;
}

/** `identity.<name>` for a table both entity types share. */
export function sharedIdentityTable(name: IdentitySharedTable): string {
  return `${SCHEMAS.identity}.${name}`;
}

/**
 * The identity tables a run leaves behind, per entity type and then shared (not the staging
 * tables of a batch): the identity layer's assets, and all the final models may read as the
 * dbt source `identity`.
 */
export const PERSISTED_IDENTITY_TABLES: readonly string[] = [
  ...ENTITY_TYPES.flatMap((entity) => IDENTITY_ENTITY_TABLES.map((name) => identityTable(entity, name))),
  ...IDENTITY_SHARED_TABLES.map(sharedIdentityTable),
];

/**
 * A catalogued `schema.table` as its two parts, for `Warehouse.tableExists`.
 *
 * @example
 *   warehouse.tableExists(...schemaAndTable(OPS_TABLES.lock))  // ('ops', 'warehouse_lock')
 */
export function schemaAndTable(name: string): [schema: string, table: string] {
  const dot = name.indexOf('.');
  return [name.slice(0, dot), name.slice(dot + 1)];
}

/** The operational tables (schema `ops`) the SQL activities write; dbt writes `ops.crm_changed_entities`. */
export const OPS_TABLES = {
  /** Each source's window of synced_at for the current run or backfill chunk. */
  windows: `${SCHEMAS.ops}.pipeline_windows`,
  /** Who holds the warehouse: one run or backfill at a time. */
  lock: `${SCHEMAS.ops}.warehouse_lock`,
  /** One row per asset per run: rows written, seconds, checks. */
  materializations: `${SCHEMAS.ops}.materializations`,
} as const;

/** The final tables a run reports on, in the order they are printed (schema `crm`). */
export const REPORTED_FINAL_TABLES = ['persons', 'groups', 'memberships', 'identity_merges'] as const;

/**
 * Where `hcrm query` resolves unqualified table names, in order (those that exist); `main`
 * last, for tables a user created by hand.
 */
export const QUERY_SEARCH_PATH: readonly string[] = [SCHEMAS.crm, SCHEMAS.identity, SCHEMAS.core, SCHEMAS.source, SCHEMAS.raw, 'main'];
