import { identityTable, sharedIdentityTable, type Dialect, type EntityIdentityConfig, type EntityType, type IdentityApplied } from '@hcrm/contracts';
import { DIALECT_SQL, sqlString } from '@hcrm/sql';
import type { Warehouse } from '@hcrm/warehouse';
import { runAll } from './internal';
import { entityIdSql } from './keys';
import { applyLimits } from './limits';
import { alreadyApplied, appliedRunSql, recordRunSql, runSummary } from './runs';
import { batchStatsSql } from './stage';
import { dropStagingSql } from './tables';

/**
 * The final label of every node: the component's label, or for components split by a
 * limit, the label of the part the node ended in (`cc_override`, written by the activity).
 */
export function resolveLabelsSql(entity: EntityType, withOverrides: boolean): string {
  const override = withOverrides
    ? `left join ${identityTable(entity, 'cc_override')} as override on override.node = labels.node`
    : '';
  return `create or replace table ${identityTable(entity, 'cc_resolved')} as
select labels.node, ${withOverrides ? 'coalesce(override.label, labels.label)' : 'labels.label'} as label
from ${identityTable(entity, 'cc_labels')} as labels
${override}`;
}

/**
 * Which entity each component becomes. Survivor rule: among the component's existing
 * entities, the one whose seed was observed first (seed_occurred_at), ties to the smallest
 * id. A component without one is a new entity whose id derives from its seed: its
 * identifier observed first (occurred_at, source, event id, type, value).
 */
export function assignEntitiesSql(entity: EntityType, dialect: Dialect): string {
  return `create or replace table ${identityTable(entity, 'assign')} as
with members as (
    select resolved.label, nodes.*
    from ${identityTable(entity, 'cc_nodes')} as nodes
    inner join ${identityTable(entity, 'cc_resolved')} as resolved on resolved.node = nodes.node
),
existing as (
    select component.label, component.entity_id,
        row_number() over (partition by component.label order by entities.seed_occurred_at, entities.entity_id) as rank
    from (select distinct label, entity_id from members where entity_id is not null) as component
    inner join ${identityTable(entity, 'entities')} as entities on entities.entity_id = component.entity_id
),
first_occurrence as (
    select identifier_type, identifier_value, occurred_at, source, event_id,
        row_number() over (partition by identifier_type, identifier_value order by occurred_at, source, event_id) as rank
    from ${identityTable(entity, 'batch')}
    where not blocked
),
seeds as (
    select members.label, members.identifier_type, members.identifier_value, first_occurrence.occurred_at,
        row_number() over (
            partition by members.label
            order by first_occurrence.occurred_at, first_occurrence.source, first_occurrence.event_id, members.identifier_type, members.identifier_value
        ) as rank
    from members
    inner join first_occurrence
        on first_occurrence.identifier_type = members.identifier_type
        and first_occurrence.identifier_value = members.identifier_value
        and first_occurrence.rank = 1
    where members.entity_id is null
),
components as (select distinct label from members)
select components.label,
    coalesce(existing.entity_id, ${entityIdSql(entity, dialect, 'seeds.identifier_type', 'seeds.identifier_value')}) as entity_id,
    existing.entity_id is null as is_new,
    seeds.identifier_type as seed_type, seeds.identifier_value as seed_value, seeds.occurred_at as seed_occurred_at
from components
left join existing on existing.label = components.label and existing.rank = 1
left join seeds on seeds.label = components.label and seeds.rank = 1`;
}

/** The statements that apply a resolved batch, in order, inside one transaction. */
export function applyBatchSql(entity: EntityType, dialect: Dialect, runId: string): string[] {
  const d = DIALECT_SQL[dialect];
  const run = sqlString(runId);
  const members = `select resolved.label, nodes.* from ${identityTable(entity, 'cc_nodes')} as nodes inner join ${identityTable(entity, 'cc_resolved')} as resolved on resolved.node = nodes.node`;
  const absorbed = `select distinct members.entity_id as absorbed_id, assign.entity_id as surviving_id
    from (${members}) as members
    inner join ${identityTable(entity, 'assign')} as assign on assign.label = members.label
    where members.entity_id is not null and members.entity_id <> assign.entity_id`;
  return [
    `insert into ${identityTable(entity, 'entities')}
select entity_id, ${run}, seed_type, seed_value, seed_occurred_at from ${identityTable(entity, 'assign')} where is_new`,
    `insert into ${sharedIdentityTable('identity_merges')}
select absorbed_id, surviving_id, ${sqlString(entity)}, ${run}, ${d.now} from (${absorbed}) as merges`,
    `update ${identityTable(entity, 'map')} as known set entity_id = merges.surviving_id, run_id = ${run}
from (${absorbed}) as merges
where known.entity_id = merges.absorbed_id`,
    `delete from ${identityTable(entity, 'entities')} where entity_id in (select absorbed_id from (${absorbed}) as merges)`,
    `insert into ${identityTable(entity, 'map')}
select members.identifier_type, members.identifier_value, assign.entity_id, ${run}
from (${members}) as members
inner join ${identityTable(entity, 'assign')} as assign on assign.label = members.label
where members.entity_id is null`,
  ];
}

/** New edges join the edge table: active, or quarantined when a limit refused them. */
export function insertEdgesSql(entity: EntityType, runId: string, withQuarantine: boolean): string {
  const status = withQuarantine
    ? `case when quarantined.edge_id is null then 'active' else 'quarantined' end`
    : `'active'`;
  return `insert into ${identityTable(entity, 'edges')}
select edges.edge_id, edges.a_type, edges.a_value, edges.b_type, edges.b_value, edges.event_id, edges.row_id, edges.source, edges.occurred_at,
    ${status}, ${sqlString(runId)}
from ${identityTable(entity, 'batch_edges')} as edges
${withQuarantine ? `left join ${identityTable(entity, 'quarantined')} as quarantined on quarantined.edge_id = edges.edge_id` : ''}`;
}

/** Edges a limit refused go to the quarantine table with the reason, once per edge. */
export function quarantineLimitEdgesSql(entity: EntityType, dialect: Dialect, runId: string): string {
  const d = DIALECT_SQL[dialect];
  return `insert into ${sharedIdentityTable('identity_quarantine')}
select ${d.md5Hex(`'limit|' || edges.edge_id`)}, ${sqlString(entity)}, 'limit', edges.a_type, edges.a_value, edges.b_type, edges.b_value, edges.edge_id,
    edges.event_id, edges.source, edges.occurred_at, quarantined.detail, ${sqlString(runId)}
from ${identityTable(entity, 'batch_edges')} as edges
inner join ${identityTable(entity, 'quarantined')} as quarantined on quarantined.edge_id = edges.edge_id`;
}

/** Records the batch's occurrences (blocked ones without a normalised value). */
export function insertObservationsSql(entity: EntityType, runId: string): string {
  return `insert into ${identityTable(entity, 'observations')}
select id, event_id, row_id, source, occurred_at, identifier_type, raw_value,
    case when blocked then null else identifier_value end, blocked, ${sqlString(runId)}
from ${identityTable(entity, 'batch')}`;
}

/** Blocked identifiers go to the quarantine table with their reason, once per occurrence. */
export function quarantineBlockedSql(entity: EntityType, dialect: Dialect, runId: string): string {
  const d = DIALECT_SQL[dialect];
  return `insert into ${sharedIdentityTable('identity_quarantine')}
select ${d.md5Hex(`'blocked|' || id`)}, ${sqlString(entity)}, 'blocked_value', identifier_type, raw_value, null, null, null,
    event_id, source, occurred_at, 'the value is blocked for identifier type ' || identifier_type || ' (hcrm.yml identity blocked_values)', ${sqlString(runId)}
from ${identityTable(entity, 'batch')} as batch
where blocked
    and not exists (select 1 from ${sharedIdentityTable('identity_quarantine')} as q where q.quarantine_id = ${d.md5Hex(`'blocked|' || batch.id`)})`;
}

/** What applying the batch will write: new entities and identifiers, new edges, merges. */
export function batchCountsSql(entity: EntityType): string {
  return `select
        (select count(*) from ${identityTable(entity, 'assign')} where is_new) as new_entities,
        (select count(*) from ${identityTable(entity, 'cc_nodes')} where entity_id is null) as new_identifiers,
        (select count(*) from ${identityTable(entity, 'batch_edges')}) as new_edges,
        (select count(distinct nodes.entity_id) from ${identityTable(entity, 'cc_nodes')} as nodes
            inner join ${identityTable(entity, 'cc_resolved')} as resolved on resolved.node = nodes.node
            inner join ${identityTable(entity, 'assign')} as assign on assign.label = resolved.label
            where nodes.entity_id is not null and nodes.entity_id <> assign.entity_id) as merges`;
}

/**
 * The tables applying a batch wrote to, with the rows it wrote to each (the materializations
 * the identity step records).
 *
 * @example
 *   appliedTableRows('person', applied)  // [['identity.person_observations', 120], ...]
 */
export function appliedTableRows(entity: EntityType, applied: IdentityApplied): Array<[table: string, rows: number]> {
  return [
    [identityTable(entity, 'observations'), applied.batchRows],
    [identityTable(entity, 'edges'), applied.newEdges],
    [identityTable(entity, 'map'), applied.newIdentifiers],
    [identityTable(entity, 'entities'), applied.newEntities],
    [sharedIdentityTable('identity_merges'), applied.merges],
    [sharedIdentityTable('identity_quarantine'), applied.quarantined + applied.blocked],
  ];
}

/**
 * Turns the converged components into entities in one transaction: new entities, merges
 * (logged in identity_merges), the identifier map, the new edges (active or quarantined) and
 * the run's record with its watermark. A run applied once is not applied again.
 *
 * @example
 *   const applied = await applyIdentityBatch(warehouse, config.identity.person, 'person', runId, iterations);
 */
export async function applyIdentityBatch(
  warehouse: Warehouse,
  config: EntityIdentityConfig,
  entity: EntityType,
  runId: string,
  iterations: number,
): Promise<IdentityApplied> {
  const dialect = warehouse.dialect;
  if (await alreadyApplied(warehouse, entity, runId)) {
    // An attempt that died after its commit left the batch's staging tables: drop them now.
    await runAll(warehouse, dropStagingSql(entity));
    const [row] = await warehouse.query(appliedRunSql(entity, runId));
    return runSummary(entity, row ?? {});
  }
  const stats = (await warehouse.query(batchStatsSql(entity, dialect)))[0] ?? {};
  const { quarantined, withOverrides } = await applyLimits(warehouse, config, entity);
  await warehouse.execute(resolveLabelsSql(entity, withOverrides));
  await warehouse.execute(assignEntitiesSql(entity, dialect));

  const counts = (await warehouse.query(batchCountsSql(entity)))[0] ?? {};
  const summary = runSummary(entity, { ...stats, ...counts, quarantined: quarantined.length, iterations });

  await warehouse.transaction(async () => {
    await warehouse.execute(insertObservationsSql(entity, runId));
    await warehouse.execute(quarantineBlockedSql(entity, dialect, runId));
    await runAll(warehouse, applyBatchSql(entity, dialect, runId));
    await warehouse.execute(insertEdgesSql(entity, runId, quarantined.length > 0));
    if (quarantined.length) await warehouse.execute(quarantineLimitEdgesSql(entity, dialect, runId));
    const record = recordRunSql(entity, dialect, runId, summary);
    await warehouse.execute(record.sql, record.params);
  });
  await runAll(warehouse, dropStagingSql(entity));
  return summary;
}
