import { SCHEMAS, identityTable, type Dialect, type EntityIdentityConfig, type EntityType, type IdentityBatch, type IdentityConfig } from '@hcrm/contracts';
import { DIALECT_SQL } from '@hcrm/sql';
import type { Warehouse } from '@hcrm/warehouse';
import { stageComponents } from './components';
import { countRowsSql, runAll, scalar } from './internal';
import { identifierKeySql } from './keys';
import { blockedSql, normalizeIdentifierSql } from './normalise';
import { afterWatermarkSql, alreadyApplied, lastWatermark, type IdentityReadOptions } from './runs';
import { dropStagingSql, ensureIdentityTables } from './tables';

/** What one entity type's batch is staged from. */
export interface BatchOptions {
  entity: EntityType;
  dialect: Dialect;
  runId: string;
  config: EntityIdentityConfig;
  phoneRegion: string;
  /** The last applied batch's max `_ingested_at` (ISO, UTC); undefined on the first run. */
  watermark?: string;
  /** Re-read this many minutes before the watermark (hcrm.yml `pipeline.lookback_minutes`). */
  lookbackMinutes: number;
}

/**
 * Stages this run's batch: the core identifier rows ingested after the watermark that no
 * earlier run observed, with type and value normalised and blocked values flagged.
 */
export function stageBatchSql(options: BatchOptions): string {
  const { entity, dialect } = options;
  const d = DIALECT_SQL[dialect];
  const window = afterWatermarkSql(d, 'core._ingested_at', options.watermark, options.lookbackMinutes);
  const normalized = normalizeIdentifierSql('identifier_type', 'raw_value', dialect, options.phoneRegion);
  return `create or replace table ${identityTable(entity, 'batch')} as
with incoming as (
    select core.id, core.event_id, core.row_id, core.source, core.occurred_at, core._ingested_at,
        lower(trim(core.identifier_type)) as identifier_type, core.identifier_value as raw_value
    from ${SCHEMAS.core}.${entity}_identifiers as core
    ${window ? `where ${window}` : ''}
),
-- A row counts as seen when an earlier run observed the same id with the same value: a
-- corrected value under the same id (a re-imported record) is new evidence. The observations
-- of the incoming ids first: a probe of the few incoming ids, not a hash of every observation.
seen as (
    select id, identifier_type, raw_value from ${identityTable(entity, 'observations')}
    where id in (select id from incoming)
),
fresh as (
    select incoming.* from incoming
    where not exists (
        select 1 from seen
        where seen.id = incoming.id
            and seen.identifier_type = incoming.identifier_type
            and seen.raw_value is not distinct from incoming.raw_value
    )
),
normalized as (
    select fresh.*, ${normalized} as identifier_value from fresh
)
select normalized.*, ${blockedSql('identifier_type', 'raw_value', 'identifier_value', options.config, dialect)} as blocked
from normalized`;
}

/**
 * The identifiers of every record (`row_id`) the batch touches: its new rows plus the ones
 * earlier runs observed, so a record whose identifiers arrive over several batches is
 * linked as a whole.
 */
export function stageBatchRowsSql(entity: EntityType): string {
  return `create or replace table ${identityTable(entity, 'batch_rows')} as
with touched as (
    select distinct row_id from ${identityTable(entity, 'batch')} where not blocked
)
select row_id, event_id, source, occurred_at, identifier_type, identifier_value
from ${identityTable(entity, 'batch')}
where not blocked
-- (no duplicate removal here: the nodes and edges built from these rows deduplicate)
union all
select seen.row_id, seen.event_id, seen.source, seen.occurred_at, seen.identifier_type, seen.identifier_value
from ${identityTable(entity, 'observations')} as seen
inner join touched on touched.row_id = seen.row_id
where not seen.blocked`;
}

/**
 * The batch's edges: the identifiers of one `row_id` form a star around the row's smallest
 * identifier (same connectivity as all pairs, linear in size). Direction is normalised by
 * construction (a < b), and each edge keeps its earliest occurrence (occurred_at, source,
 * event id) as provenance. Edges already known are left out here (see refreshEdgeProvenanceSql).
 */
export function stageBatchEdgesSql(entity: EntityType, dialect: Dialect): string {
  const d = DIALECT_SQL[dialect];
  return `create or replace table ${identityTable(entity, 'batch_edges')} as
with ids as (
    select distinct row_id, event_id, source, occurred_at, identifier_type, identifier_value
    from ${identityTable(entity, 'batch_rows')}
),
ranked as (
    select ids.*, row_number() over (partition by row_id order by identifier_type, identifier_value) as position
    from ids
),
pairs as (
    select center.identifier_type as a_type, center.identifier_value as a_value,
        other.identifier_type as b_type, other.identifier_value as b_value,
        other.event_id, other.row_id, other.source, other.occurred_at
    from ranked as center
    inner join ranked as other on other.row_id = center.row_id and other.position > 1
    where center.position = 1
),
keyed as (
    select pairs.*,
        ${d.md5Hex(`${identifierKeySql('a_type', 'a_value', dialect)} || '|' || ${identifierKeySql('b_type', 'b_value', dialect)}`)} as edge_id,
        row_number() over (
            partition by a_type, a_value, b_type, b_value
            order by occurred_at, source, event_id, row_id
        ) as occurrence
    from pairs
)
select edge_id, a_type, a_value, b_type, b_value, event_id, row_id, source, occurred_at
from keyed
where occurrence = 1`;
}

/** A known edge seen again with an earlier occurrence (late arrival) takes that provenance. */
export function refreshEdgeProvenanceSql(entity: EntityType): string {
  const edges = identityTable(entity, 'edges');
  const batch = identityTable(entity, 'batch_edges');
  // The target by an alias: BigQuery does not accept schema.table as a column qualifier.
  return `update ${edges} as known set event_id = batch.event_id, row_id = batch.row_id, source = batch.source, occurred_at = batch.occurred_at
from ${batch} as batch
where known.edge_id = batch.edge_id
    and (batch.occurred_at < known.occurred_at
        or (batch.occurred_at = known.occurred_at and (batch.source < known.source
            or (batch.source = known.source and batch.event_id < known.event_id))))`;
}

/** Known edges leave the batch's edges: only new edges enter the graph and the edge table. */
export function deleteKnownBatchEdgesSql(entity: EntityType): string {
  return `delete from ${identityTable(entity, 'batch_edges')}
where edge_id in (select edge_id from ${identityTable(entity, 'edges')})`;
}

/** The batch's size, blocked rows and watermark (its max `_ingested_at`). */
export function batchStatsSql(entity: EntityType, dialect: Dialect): string {
  return `select count(*) as batch_rows,
    sum(case when blocked then 1 else 0 end) as blocked,
    ${DIALECT_SQL[dialect].timestampText('max(_ingested_at)')} as watermark
from ${identityTable(entity, 'batch')}`;
}

/**
 * Stages one entity type's batch: the new core identifier rows (normalised, blocked values
 * flagged and quarantined), their new edges, and the contracted graph in which every
 * existing entity the batch touches is one node. Safe to repeat: staging is rebuilt, and the
 * observations and quarantine rows of a batch are written once.
 *
 * @example
 *   const batch = await prepareIdentityBatch(warehouse, config.identity, 'person', runId);
 *   if (batch.batchRows > 0) await iterateComponents(warehouse, 'person', { maxSeconds: 30 });
 */
export async function prepareIdentityBatch(
  warehouse: Warehouse,
  config: IdentityConfig,
  entity: EntityType,
  runId: string,
  { lookbackMinutes }: IdentityReadOptions,
): Promise<IdentityBatch> {
  await ensureIdentityTables(warehouse);
  if (await alreadyApplied(warehouse, entity, runId)) {
    return { entityType: entity, batchRows: 0, blocked: 0, newEdges: 0, nodes: 0, alreadyApplied: true };
  }
  const dialect = warehouse.dialect;
  const watermark = await lastWatermark(warehouse, entity);
  await warehouse.execute(
    stageBatchSql({ entity, dialect, runId, config: config[entity], phoneRegion: config.phoneDefaultRegion, watermark, lookbackMinutes }),
  );
  const stats = (await warehouse.query(batchStatsSql(entity, dialect)))[0] ?? {};
  const batchRows = Number(stats.batch_rows ?? 0);
  if (batchRows === 0) {
    await runAll(warehouse, dropStagingSql(entity));
    return { entityType: entity, batchRows: 0, blocked: 0, newEdges: 0, nodes: 0 };
  }
  await warehouse.execute(stageBatchRowsSql(entity));
  await warehouse.execute(stageBatchEdgesSql(entity, dialect));
  await warehouse.execute(refreshEdgeProvenanceSql(entity));
  await warehouse.execute(deleteKnownBatchEdgesSql(entity));
  await stageComponents(warehouse, entity);
  const newEdges = (await scalar<number>(warehouse, countRowsSql(identityTable(entity, 'batch_edges')), 'n')) ?? 0;
  const nodes = (await scalar<number>(warehouse, countRowsSql(identityTable(entity, 'cc_labels')), 'n')) ?? 0;
  return { entityType: entity, batchRows, blocked: Number(stats.blocked ?? 0), newEdges, nodes };
}
