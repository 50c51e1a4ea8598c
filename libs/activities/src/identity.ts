import type {
  EntityIdentityConfig,
  EntityType,
  IdentityApplied,
  IdentityBatch,
  IdentityConfig,
  IdentityRound,
  MembershipsStaged,
} from '@hcrm/core';
import {
  applyBatchSql,
  assignEntitiesSql,
  DIALECT_SQL,
  batchStatsSql,
  countChangedLabelsSql,
  createIdentityTablesSql,
  deleteKnownBatchEdgesSql,
  dropIdentityTablesSql,
  dropMembershipBatchSql,
  dropStagingSql,
  initLabelsSql,
  insertEdgesSql,
  insertObservationsSql,
  labelRoundSql,
  lastWatermarkSql,
  limitViolationsSql,
  membershipBatchStatsSql,
  quarantineBlockedSql,
  quarantineLimitEdgesSql,
  refreshEdgeProvenanceSql,
  resolveLabelsSql,
  sqlString,
  stageBatchEdgesSql,
  stageBatchRowsSql,
  stageBatchSql,
  stageComponentEdgesSql,
  stageComponentNodesSql,
  stageMembershipBatchSql,
  stageMembershipsSql,
  supersedeMembershipsSql,
  swapLabelsSql,
  tableName,
  violatingEdgesSql,
  violatingNodeValuesSql,
  IDENTITY_SCHEMA,
  nowSql,
} from '@hcrm/sql';
import type { Warehouse } from '@hcrm/warehouse';

async function scalar<T>(warehouse: Warehouse, sql: string, column: string): Promise<T | undefined> {
  const [row] = await warehouse.query(sql);
  const value = row?.[column];
  return value === null || value === undefined ? undefined : (value as T);
}

async function runAll(warehouse: Warehouse, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await warehouse.execute(statement);
}

export async function ensureIdentityTables(warehouse: Warehouse): Promise<void> {
  await runAll(warehouse, createIdentityTablesSql(warehouse.dialect));
}

/** `--full-refresh`: forget everything resolved so far; the next batch is all of history. */
export async function resetIdentity(warehouse: Warehouse): Promise<void> {
  await runAll(warehouse, dropIdentityTablesSql());
}

async function alreadyApplied(warehouse: Warehouse, entity: EntityType | 'membership', runId: string): Promise<boolean> {
  const n = await scalar<number>(
    warehouse,
    `select count(*) as n from ${IDENTITY_SCHEMA}.identity_runs where run_id = ${sqlString(runId)} and entity_type = ${sqlString(entity)}`,
    'n',
  );
  return (n ?? 0) > 0;
}

/** How identity batches read core: the lookback before the last batch's watermark. */
export interface IdentityReadOptions {
  /** hcrm.yml `pipeline.lookback_minutes`; default IDENTITY_LOOKBACK_MINUTES. */
  lookbackMinutes?: number;
}

/**
 * Stages one entity type's batch: the new core identifier rows (normalised, blocked values
 * flagged and quarantined), their new edges, and the contracted graph in which every
 * existing entity the batch touches is one node. Safe to repeat: staging is rebuilt, and the
 * observations and quarantine rows of a batch are written once.
 */
export async function prepareIdentityBatch(
  warehouse: Warehouse,
  config: IdentityConfig,
  entity: EntityType,
  runId: string,
  { lookbackMinutes }: IdentityReadOptions = {},
): Promise<IdentityBatch> {
  await ensureIdentityTables(warehouse);
  if (await alreadyApplied(warehouse, entity, runId)) {
    return { entityType: entity, batchRows: 0, blocked: 0, newEdges: 0, nodes: 0, alreadyApplied: true };
  }
  const dialect = warehouse.dialect;
  const watermark = await scalar<string>(warehouse, lastWatermarkSql(entity, warehouse.dialect), 'watermark');
  await warehouse.execute(
    stageBatchSql({ entity, dialect, runId, config: config[entity], phoneRegion: config.phoneDefaultRegion, watermark, lookbackMinutes }),
  );
  const stats = (await warehouse.query(batchStatsSql(entity, warehouse.dialect)))[0] ?? {};
  const batchRows = Number(stats.batch_rows ?? 0);
  if (batchRows === 0) {
    await runAll(warehouse, dropStagingSql(entity));
    return { entityType: entity, batchRows: 0, blocked: 0, newEdges: 0, nodes: 0 };
  }
  await warehouse.execute(stageBatchRowsSql(entity));
  await warehouse.execute(stageBatchEdgesSql(entity, dialect));
  await warehouse.execute(refreshEdgeProvenanceSql(entity));
  await warehouse.execute(deleteKnownBatchEdgesSql(entity));
  await warehouse.execute(stageComponentNodesSql(entity));
  await warehouse.execute(stageComponentEdgesSql(entity, warehouse.dialect));
  await warehouse.execute(initLabelsSql(entity));
  const newEdges = (await scalar<number>(warehouse, `select count(*) as n from ${tableName(entity, 'batch_edges')}`, 'n')) ?? 0;
  const nodes = (await scalar<number>(warehouse, `select count(*) as n from ${tableName(entity, 'cc_labels')}`, 'n')) ?? 0;
  return { entityType: entity, batchRows, blocked: Number(stats.blocked ?? 0), newEdges, nodes };
}

/**
 * Runs label rounds until the labels stop changing or `maxSeconds` pass; the workflow calls
 * it again until it reports convergence, so a huge graph never holds one activity for long.
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

/** One refused edge: its id and why. */
export interface QuarantinedEdge {
  edgeId: string;
  detail: string;
}

/**
 * Applies per-type limits inside the components that would break one, first come first
 * served: edges in (occurred_at, source, event id) order join their two sides unless both
 * sides hold values of a limited type and together more than the limit; a refused edge is
 * quarantined. Returns the label of every node of those components after the split, and the
 * refused edges.
 */
type NodeKey = string | number;

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
 * Turns the converged components into entities in one transaction: new entities, merges
 * (logged in identity_merges), the identifier map, the new edges (active or quarantined) and
 * the run's record with its watermark. A run applied once is not applied again.
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
    const [row] = await warehouse.query(
      `select * from ${IDENTITY_SCHEMA}.identity_runs where run_id = ${sqlString(runId)} and entity_type = ${sqlString(entity)}`,
    );
    return runSummary(entity, row ?? {});
  }
  const stats = (await warehouse.query(batchStatsSql(entity, warehouse.dialect)))[0] ?? {};

  const types = DIALECT_SQL[warehouse.dialect];
  // Limits: only components whose candidate merge breaks one are split, edge by edge.
  let quarantined: QuarantinedEdge[] = [];
  const violations = limitViolationsSql(entity, config.limits, warehouse.dialect);
  let withOverrides = false;
  if (violations) {
    await warehouse.execute(`create or replace table ${tableName(entity, 'cc_violating')} as ${violations}`);
    const count = (await scalar<number>(warehouse, `select count(*) as n from ${tableName(entity, 'cc_violating')}`, 'n')) ?? 0;
    if (count > 0) {
      const violating = tableName(entity, 'cc_violating');
      const nodeValues = await warehouse.query<{ node: number; identifier_type: string | null; identifier_value: string | null }>(
        violatingNodeValuesSql(entity, Object.keys(config.limits), violating, warehouse.dialect),
      );
      const edges = await warehouse.query<{ edge_id: string; a_node: number; b_node: number; a_type: string; a_value: string; b_type: string; b_value: string }>(
        violatingEdgesSql(entity, violating),
      );
      const split = splitByLimits(nodeValues, edges, config.limits, entity);
      quarantined = split.quarantined;
      await warehouse.bulkInsert(
        ['node', 'label'],
        [...split.labels],
        (staging) => `create or replace table ${tableName(entity, 'cc_override')} as select cast(node as ${types.bigint}) as node, cast(label as ${types.bigint}) as label from ${staging}`,
      );
      withOverrides = split.labels.size > 0;
    }
    await warehouse.execute(`drop table if exists ${tableName(entity, 'cc_violating')}`);
  }
  await warehouse.execute(`create or replace table ${tableName(entity, 'quarantined')} (edge_id ${types.text}, detail ${types.text})`);
  if (quarantined.length) {
    await warehouse.bulkInsert(
      ['edge_id', 'detail'],
      quarantined.map((q) => [q.edgeId, q.detail]),
      (staging) => `insert into ${tableName(entity, 'quarantined')} select edge_id, detail from ${staging}`,
    );
  }
  await warehouse.execute(resolveLabelsSql(entity, withOverrides));
  await warehouse.execute(assignEntitiesSql(entity, dialect));

  const counts = (
    await warehouse.query(`select
        (select count(*) from ${tableName(entity, 'assign')} where is_new) as new_entities,
        (select count(*) from ${tableName(entity, 'cc_nodes')} where entity_id is null) as new_identifiers,
        (select count(*) from ${tableName(entity, 'batch_edges')}) as new_edges,
        (select count(distinct nodes.entity_id) from ${tableName(entity, 'cc_nodes')} as nodes
            inner join ${tableName(entity, 'cc_resolved')} as resolved on resolved.node = nodes.node
            inner join ${tableName(entity, 'assign')} as assign on assign.label = resolved.label
            where nodes.entity_id is not null and nodes.entity_id <> assign.entity_id) as merges`)
  )[0] ?? {};
  const summary = runSummary(entity, { ...stats, ...counts, quarantined: quarantined.length, iterations });

  await warehouse.transaction(async () => {
    await warehouse.execute(insertObservationsSql(entity, runId));
    await warehouse.execute(quarantineBlockedSql(entity, dialect, runId));
    await runAll(warehouse, applyBatchSql(entity, dialect, runId));
    await warehouse.execute(insertEdgesSql(entity, runId, quarantined.length > 0));
    if (quarantined.length) await warehouse.execute(quarantineLimitEdgesSql(entity, dialect, runId));
    await warehouse.execute(
      `insert into ${IDENTITY_SCHEMA}.identity_runs values (${sqlString(runId)}, ${sqlString(entity)}, null, ${nowSql(dialect)}, cast(? as timestamp), ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        summary.watermark ?? null,
        summary.batchRows,
        summary.newIdentifiers,
        summary.newEdges,
        summary.newEntities,
        summary.merges,
        summary.quarantined,
        summary.blocked,
        summary.iterations,
      ],
    );
  });
  await runAll(warehouse, dropStagingSql(entity));
  return summary;
}

/** An identity_runs row, or the same fields just counted, as the run's summary. */
function runSummary(entity: EntityType, row: Record<string, unknown>): IdentityApplied {
  return {
    entityType: entity,
    batchRows: Number(row.batch_rows ?? 0),
    blocked: Number(row.blocked ?? 0),
    newIdentifiers: Number(row.new_identifiers ?? 0),
    newEdges: Number(row.new_edges ?? 0),
    newEntities: Number(row.new_entities ?? 0),
    merges: Number(row.merges ?? 0),
    quarantined: Number(row.quarantined ?? 0),
    iterations: Number(row.iterations ?? 0),
    watermark: row.watermark === null || row.watermark === undefined ? undefined : String(row.watermark),
  };
}

/**
 * Normalises the new membership identifiers the same way as person and group identifiers,
 * so the final layer joins them to entities on (type, normalised value).
 */
export async function stageMemberships(
  warehouse: Warehouse,
  config: IdentityConfig,
  runId: string,
  { lookbackMinutes }: IdentityReadOptions = {},
): Promise<MembershipsStaged> {
  await ensureIdentityTables(warehouse);
  if (await alreadyApplied(warehouse, 'membership', runId)) return { rows: 0 };
  const watermark = await scalar<string>(warehouse, lastWatermarkSql('membership', warehouse.dialect), 'watermark');
  await warehouse.execute(stageMembershipBatchSql(warehouse.dialect, watermark, lookbackMinutes));
  const [window] = await warehouse.query(membershipBatchStatsSql(warehouse.dialect));
  const rows = Number(window?.row_count ?? 0);
  const newWatermark = (window?.watermark as string | null) ?? undefined;
  if (rows > 0) {
    await warehouse.transaction(async () => {
      await runAll(warehouse, supersedeMembershipsSql(runId));
      await warehouse.execute(stageMembershipsSql(warehouse.dialect, runId, config.phoneDefaultRegion));
      await warehouse.execute(
        `insert into ${IDENTITY_SCHEMA}.identity_runs (run_id, entity_type, finished_at, watermark, batch_rows) values (?, 'membership', ${nowSql(warehouse.dialect)}, cast(? as timestamp), ?)`,
        [runId, newWatermark ?? null, rows],
      );
    });
  }
  await warehouse.execute(dropMembershipBatchSql());
  return rows === 0 ? { rows: 0, watermark } : { rows, watermark: newWatermark };
}
