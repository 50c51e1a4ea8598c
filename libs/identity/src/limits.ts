import { identityTable, type Dialect, type EntityIdentityConfig, type EntityType } from '@hcrm/contracts';
import { DIALECT_SQL, sqlString } from '@hcrm/sql';
import type { Warehouse } from '@hcrm/warehouse';
import { countRowsSql, inList, scalar } from './internal';

// Per-type limits (hcrm.yml `limits`): only components whose candidate merge breaks one are
// split, edge by edge; every other component is applied as the label rounds left it.

/** The values of limited types each node holds: an entity node its entity's, a new identifier itself. */
function nodeValuesSql(entity: EntityType, types: readonly string[], dialect: Dialect): string {
  return `select nodes.node, held.identifier_type, held.identifier_value
    from (select distinct node, entity_id from ${identityTable(entity, 'cc_nodes')} where entity_id is not null) as nodes
    inner join ${identityTable(entity, 'map')} as held on held.entity_id = nodes.entity_id
    where held.identifier_type in ${inList(types)}
    ${DIALECT_SQL[dialect].unionDistinct}
    select node, identifier_type, identifier_value
    from ${identityTable(entity, 'cc_nodes')}
    where entity_id is null and identifier_type in ${inList(types)}`;
}

/**
 * The components that would break a per-type limit: the distinct values of a limited type
 * summed over the component's nodes (an entity node counts the values it already holds).
 */
export function limitViolationsSql(entity: EntityType, limits: Record<string, number>, dialect: Dialect): string | undefined {
  const types = Object.keys(limits);
  if (!types.length) return undefined;
  const limitCase = `case ${types.map((type) => `when identifier_type = ${sqlString(type)} then ${limits[type]}`).join(' ')} end`;
  return `with node_values as (
    ${nodeValuesSql(entity, types, dialect)}
),
per_component as (
    select labels.label, node_values.identifier_type, count(*) as n
    from node_values
    inner join ${identityTable(entity, 'cc_labels')} as labels on labels.node = node_values.node
    group by labels.label, node_values.identifier_type
)
select distinct label from per_component where n > ${limitCase}`;
}

/** The nodes of the given components with the values of limited types each holds. */
export function violatingNodeValuesSql(entity: EntityType, limitedTypes: readonly string[], labelsTable: string, dialect: Dialect): string {
  return `select labels.node, node_values.identifier_type, node_values.identifier_value
from ${identityTable(entity, 'cc_labels')} as labels
inner join ${labelsTable} as violating on violating.label = labels.label
left join (
    ${nodeValuesSql(entity, limitedTypes, dialect)}
) as node_values on node_values.node = labels.node
order by labels.node`;
}

/** The new edges inside the given components, in the order limits are applied. */
export function violatingEdgesSql(entity: EntityType, labelsTable: string): string {
  return `select edges.edge_id, a.node as a_node, b.node as b_node, edges.a_type, edges.a_value, edges.b_type, edges.b_value
from ${identityTable(entity, 'batch_edges')} as edges
inner join ${identityTable(entity, 'cc_nodes')} as a on a.identifier_type = edges.a_type and a.identifier_value = edges.a_value
inner join ${identityTable(entity, 'cc_nodes')} as b on b.identifier_type = edges.b_type and b.identifier_value = edges.b_value
inner join ${identityTable(entity, 'cc_labels')} as labels on labels.node = a.node
inner join ${labelsTable} as violating on violating.label = labels.label
order by edges.occurred_at, edges.source, edges.event_id, edges.edge_id`;
}

/** Keeps the components that break a limit (the query of limitViolationsSql) for the steps below. */
export function stageViolatingComponentsSql(entity: EntityType, violations: string): string {
  return `create or replace table ${identityTable(entity, 'cc_violating')} as ${violations}`;
}

/** Drops the components kept by stageViolatingComponentsSql. */
export function dropViolatingComponentsSql(entity: EntityType): string {
  return `drop table if exists ${identityTable(entity, 'cc_violating')}`;
}

/** The labels of the split components (`staging`: node, label as text) become `cc_override`. */
export function stageLabelOverridesSql(entity: EntityType, dialect: Dialect, staging: string): string {
  const types = DIALECT_SQL[dialect];
  return `create or replace table ${identityTable(entity, 'cc_override')} as select cast(node as ${types.bigint}) as node, cast(label as ${types.bigint}) as label from ${staging}`;
}

/** The run's refused edges, empty until the limits are applied. */
export function createQuarantinedEdgesSql(entity: EntityType, dialect: Dialect): string {
  const types = DIALECT_SQL[dialect];
  return `create or replace table ${identityTable(entity, 'quarantined')} (edge_id ${types.text}, detail ${types.text})`;
}

/** Moves refused edges (`staging`: edge_id, detail) into the run's refused edges. */
export function insertQuarantinedEdgesSql(entity: EntityType, staging: string): string {
  return `insert into ${identityTable(entity, 'quarantined')} select edge_id, detail from ${staging}`;
}

/** One refused edge: its id and why. */
export interface QuarantinedEdge {
  edgeId: string;
  detail: string;
}

type NodeKey = string | number;

/**
 * Applies per-type limits inside the components that would break one, first come first
 * served: edges in (occurred_at, source, event id) order join their two sides unless both
 * sides hold values of a limited type and together more than the limit; a refused edge is
 * quarantined. Returns the label of every node of those components after the split, and the
 * refused edges.
 *
 * @example
 *   splitByLimits(nodeValues, edges, { user_id: 1 }, 'person').quarantined  // [{ edgeId, detail }]
 */
export function splitByLimits(
  nodeValues: ReadonlyArray<{ node: NodeKey; identifier_type: string | null; identifier_value: string | null }>,
  edges: ReadonlyArray<{ edge_id: string; a_node: NodeKey; b_node: NodeKey; a_type: string; a_value: string; b_type: string; b_value: string }>,
  limits: Record<string, number>,
  entity: EntityType,
): { labels: Map<NodeKey, NodeKey>; quarantined: QuarantinedEdge[] } {
  const parent = new Map<NodeKey, NodeKey>();
  const values = new Map<NodeKey, Map<string, string[]>>();
  for (const row of nodeValues) {
    if (!parent.has(row.node)) parent.set(row.node, row.node);
    if (row.identifier_type === null || row.identifier_value === null) continue;
    let byType = values.get(row.node);
    if (!byType) values.set(row.node, (byType = new Map()));
    byType.set(row.identifier_type, [...(byType.get(row.identifier_type) ?? []), row.identifier_value]);
  }
  const find = (node: NodeKey): NodeKey => {
    let root = node;
    while (parent.get(root) !== root) root = parent.get(root) ?? root;
    let current = node;
    while (current !== root) {
      const next = parent.get(current) ?? root;
      parent.set(current, root);
      current = next;
    }
    return root;
  };
  const quarantined: QuarantinedEdge[] = [];
  for (const edge of edges) {
    for (const node of [edge.a_node, edge.b_node]) if (!parent.has(node)) parent.set(node, node);
    const a = find(edge.a_node);
    const b = find(edge.b_node);
    if (a === b) continue;
    const aValues = values.get(a) ?? new Map<string, string[]>();
    const bValues = values.get(b) ?? new Map<string, string[]>();
    const broken = Object.entries(limits).find(([type, limit]) => {
      const left = aValues.get(type)?.length ?? 0;
      const right = bValues.get(type)?.length ?? 0;
      return left > 0 && right > 0 && left + right > limit;
    });
    if (broken) {
      const [type, limit] = broken;
      const held = [...(aValues.get(type) ?? []), ...(bValues.get(type) ?? [])].sort();
      const shown = held.slice(0, 3).join(', ') + (held.length > 3 ? `, ... (${held.length})` : '');
      quarantined.push({
        edgeId: edge.edge_id,
        detail: `linking ${edge.a_type}:${edge.a_value} and ${edge.b_type}:${edge.b_value} would give one ${entity} ${held.length} ${type} values (limit ${limit}): ${shown}`,
      });
      continue;
    }
    // Union: the smaller key becomes the root, so the label is the part's smallest node.
    const [root, child] = a < b ? [a, b] : [b, a];
    parent.set(child, root);
    const merged = new Map(values.get(root) ?? []);
    for (const [type, list] of values.get(child) ?? []) merged.set(type, [...(merged.get(type) ?? []), ...list]);
    values.set(root, merged);
    values.delete(child);
  }
  const labels = new Map<NodeKey, NodeKey>();
  for (const node of parent.keys()) labels.set(node, find(node));
  return { labels, quarantined };
}

/**
 * Splits the converged components that break a per-type limit (splitByLimits) and stages the
 * outcome for the apply step: the parts' labels (`cc_override`) and the refused edges
 * (`quarantined`, created empty when nothing is refused).
 */
export async function applyLimits(
  warehouse: Warehouse,
  config: EntityIdentityConfig,
  entity: EntityType,
): Promise<{ quarantined: QuarantinedEdge[]; withOverrides: boolean }> {
  let quarantined: QuarantinedEdge[] = [];
  const violations = limitViolationsSql(entity, config.limits, warehouse.dialect);
  let withOverrides = false;
  if (violations) {
    await warehouse.execute(stageViolatingComponentsSql(entity, violations));
    const violating = identityTable(entity, 'cc_violating');
    const count = (await scalar<number>(warehouse, countRowsSql(violating), 'n')) ?? 0;
    if (count > 0) {
      const nodeValues = await warehouse.query<{ node: number; identifier_type: string | null; identifier_value: string | null }>(
        violatingNodeValuesSql(entity, Object.keys(config.limits), violating, warehouse.dialect),
      );
      const edges = await warehouse.query<{ edge_id: string; a_node: number; b_node: number; a_type: string; a_value: string; b_type: string; b_value: string }>(
        violatingEdgesSql(entity, violating),
      );
      const split = splitByLimits(nodeValues, edges, config.limits, entity);
      quarantined = split.quarantined;
      await warehouse.bulkInsert(['node', 'label'], [...split.labels], (staging) => stageLabelOverridesSql(entity, warehouse.dialect, staging));
      withOverrides = split.labels.size > 0;
    }
    await warehouse.execute(dropViolatingComponentsSql(entity));
  }
  await warehouse.execute(createQuarantinedEdgesSql(entity, warehouse.dialect));
  if (quarantined.length) {
    await warehouse.bulkInsert(
      ['edge_id', 'detail'],
      quarantined.map((q) => [q.edgeId, q.detail]),
      (staging) => insertQuarantinedEdgesSql(entity, staging),
    );
  }
  return { quarantined, withOverrides };
}
