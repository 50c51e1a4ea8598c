import { SCHEMAS, identityTable, type Dialect, type EntityType, type IdentityRound } from '@hcrm/contracts';
import { DIALECT_SQL } from '@hcrm/sql';
import type { Warehouse } from '@hcrm/warehouse';
import { runAll, scalar } from './internal';

/**
 * The contracted graph's nodes, numbered: each identifier of the batch is its entity's node
 * when it already belongs to one (prior components enter as single nodes, numbered from 1),
 * else a node of its own (numbered from -1 down). Integer nodes keep the label rounds cheap;
 * the numbers mean nothing beyond one run (entity ids come from seeds, not labels).
 */
export function stageComponentNodesSql(entity: EntityType): string {
  return `create or replace table ${identityTable(entity, 'cc_nodes')} as
with identifiers as (
    select identifier_type, identifier_value, min(occurred_at) as first_occurred_at
    from ${identityTable(entity, 'batch_rows')}
    group by identifier_type, identifier_value
),
joined as (
    select identifiers.*, known.entity_id
    from identifiers
    left join ${identityTable(entity, 'map')} as known
        on known.identifier_type = identifiers.identifier_type and known.identifier_value = identifiers.identifier_value
),
entity_nodes as (
    select entity_id, row_number() over () as node
    from (select distinct entity_id from joined where entity_id is not null) as touched
)
select joined.identifier_type, joined.identifier_value, joined.first_occurred_at, joined.entity_id, entity_nodes.node
from joined
inner join entity_nodes on entity_nodes.entity_id = joined.entity_id
union all
select identifier_type, identifier_value, first_occurred_at, entity_id, -row_number() over () as node
from joined
where entity_id is null`;
}

/** Both directions of every new edge between two different nodes of the contracted graph. */
export function stageComponentEdgesSql(entity: EntityType, dialect: Dialect): string {
  const nodes = identityTable(entity, 'cc_nodes');
  return `create or replace table ${identityTable(entity, 'cc_edges')} as
with node_edges as (
    select a.node as a_node, b.node as b_node
    from ${identityTable(entity, 'batch_edges')} as edges
    inner join ${nodes} as a on a.identifier_type = edges.a_type and a.identifier_value = edges.a_value
    inner join ${nodes} as b on b.identifier_type = edges.b_type and b.identifier_value = edges.b_value
    where a.node <> b.node
)
select a_node as src, b_node as dst from node_edges
${DIALECT_SQL[dialect].unionDistinct}
select b_node as src, a_node as dst from node_edges`;
}

/** Every node starts labelled with the smallest of itself and its neighbours. */
export function initLabelsSql(entity: EntityType): string {
  return `create or replace table ${identityTable(entity, 'cc_labels')} as
with nodes as (select distinct node from ${identityTable(entity, 'cc_nodes')}),
neighbours as (select src as node, min(dst) as label from ${identityTable(entity, 'cc_edges')} group by src)
select nodes.node, case when neighbours.label < nodes.node then neighbours.label else nodes.node end as label
from nodes
left join neighbours on neighbours.node = nodes.node`;
}

/**
 * One round of connected components (min-label propagation with hooking and pointer
 * jumping): each node takes the smallest label among its neighbours; each label's root
 * takes the smallest label of the nodes that pointed at it; each node then jumps to its
 * label's label. Labels only ever decrease and always name a node of the same component,
 * so when a round changes nothing every component carries one label, its smallest node.
 */
export function labelRoundSql(entity: EntityType): string {
  const labels = identityTable(entity, 'cc_labels');
  return `create or replace table ${identityTable(entity, 'cc_next')} as
with propagated as (
    select edges.src as node, min(labels.label) as label
    from ${identityTable(entity, 'cc_edges')} as edges
    inner join ${labels} as labels on labels.node = edges.dst
    group by edges.src
),
stepped as (
    select labels.node, labels.label as old_label,
        case when propagated.label < labels.label then propagated.label else labels.label end as label
    from ${labels} as labels
    left join propagated on propagated.node = labels.node
),
hooked as (
    select old_label as node, min(label) as label from stepped group by old_label
),
rooted as (
    select stepped.node, stepped.old_label,
        case when hooked.label < stepped.label then hooked.label else stepped.label end as label
    from stepped
    left join hooked on hooked.node = stepped.node
),
jumped as (
    select rooted.node, rooted.old_label,
        case when jumped.label < rooted.label then jumped.label else rooted.label end as label
    from rooted
    left join rooted as jumped on jumped.node = rooted.label
)
select node, label, label <> old_label as changed from jumped`;
}

/** How many nodes the last round relabelled (none: every component carries its smallest node). */
export function countChangedLabelsSql(entity: EntityType): string {
  return `select count(*) as changed from ${identityTable(entity, 'cc_next')} where changed`;
}

/**
 * The next labels become the labels: the round's table takes the old one's name (no copy).
 * Run the statements in one transaction where DDL is transactional, so a retry never finds
 * the labels missing. Elsewhere (Snowflake, BigQuery) one `create or replace` copies them
 * atomically and the round's table is dropped after; a retry in between starts its round by
 * replacing that table anyway.
 */
export function swapLabelsSql(entity: EntityType, dialect: Dialect): string[] {
  const d = DIALECT_SQL[dialect];
  if (!d.transactionalDdl) {
    return [`create or replace table ${identityTable(entity, 'cc_labels')} as select * from ${identityTable(entity, 'cc_next')}`, `drop table ${identityTable(entity, 'cc_next')}`];
  }
  return [`drop table ${identityTable(entity, 'cc_labels')}`, d.renameTable(SCHEMAS.identity, `${entity}_cc_next`, `${entity}_cc_labels`)];
}

/** Builds the batch's contracted graph (nodes, both directions of its edges) and its first labels. */
export async function stageComponents(warehouse: Warehouse, entity: EntityType): Promise<void> {
  await warehouse.execute(stageComponentNodesSql(entity));
  await warehouse.execute(stageComponentEdgesSql(entity, warehouse.dialect));
  await warehouse.execute(initLabelsSql(entity));
}

/**
 * Runs label rounds until the labels stop changing or `maxSeconds` pass; the workflow calls
 * it again until it reports convergence, so a huge graph never holds one activity for long.
 *
 * @example
 *   let round;
 *   do round = await iterateComponents(warehouse, 'person', { maxSeconds: 30 });
 *   while (!round.converged);
 */
export async function iterateComponents(
  warehouse: Warehouse,
  entity: EntityType,
  options: { maxSeconds: number; onRound?: (round: number, changed: number) => void },
): Promise<IdentityRound> {
  const deadline = Date.now() + options.maxSeconds * 1000;
  let rounds = 0;
  let changed = 0;
  do {
    await warehouse.execute(labelRoundSql(entity));
    changed = (await scalar<number>(warehouse, countChangedLabelsSql(entity), 'changed')) ?? 0;
    const swap = swapLabelsSql(entity, warehouse.dialect);
    if (DIALECT_SQL[warehouse.dialect].transactionalDdl) await warehouse.transaction(() => runAll(warehouse, swap));
    else await runAll(warehouse, swap);
    rounds += 1;
    options.onRound?.(rounds, changed);
  } while (changed > 0 && Date.now() < deadline);
  return { entityType: entity, rounds, changed, converged: changed === 0 };
}
