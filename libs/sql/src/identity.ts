import {
  DOMAIN_IDENTIFIER_TYPES,
  EMAIL_IDENTIFIER_TYPES,
  PHONE_IDENTIFIER_TYPES,
  PHONE_REGIONS,
  type Dialect,
  type EntityIdentityConfig,
  type EntityType,
} from '@hcrm/core';
import { DIALECT_SQL, sqlString, type DialectSql } from './dialects';

/**
 * SQL of identity resolution (docs/identity.md). The identity activities run these
 * statements in order; every builder is pure. Tables live in schema `identity`:
 *
 * - `<entity>_observations`: every identifier occurrence seen, original and normalised value.
 * - `<entity>_map`: identifier (type, normalised value) -> entity id, one row per identifier.
 * - `<entity>_entities`: live entities with the identifier that created them (the seed).
 * - `<entity>_edges`: deduplicated edges (A-B == B-A) with earliest provenance and status.
 * - `identity_merges`, `identity_quarantine`, `identity_runs`, `membership_observations`,
 *   `membership_retractions` (earlier versions of memberships a run replaced: the final layer
 *   recomputes the links they named).
 * - `<entity>_batch*`, `<entity>_cc_*`: staging of one run, dropped when the run is applied.
 */
export const IDENTITY_SCHEMA = 'identity';
export const CORE_SCHEMA = 'core';

/**
 * Identity batches start this many minutes before the last batch's max `_ingested_at`, in
 * case rows are committed out of order; rows already observed are skipped by id. The
 * activities pass hcrm.yml's `pipeline.lookback_minutes`; this is the default.
 */
export const IDENTITY_LOOKBACK_MINUTES = 10;

function afterWatermark(d: DialectSql, column: string, watermark: string | undefined, lookbackMinutes = IDENTITY_LOOKBACK_MINUTES): string | undefined {
  return watermark ? `${column} > ${d.minusMinutes(d.timestampLiteral(watermark), lookbackMinutes)}` : undefined;
}

/** The current time as a UTC timestamp, in the dialect. */
export function nowSql(dialect: Dialect): string {
  return DIALECT_SQL[dialect].now;
}

/** A timestamp literal (UTC) from an ISO time, in the dialect. */
export function timestampSql(dialect: Dialect, iso: string): string {
  return DIALECT_SQL[dialect].timestampLiteral(iso);
}

function t(entity: EntityType, name: string): string {
  return `${IDENTITY_SCHEMA}.${entity}_${name}`;
}

/** The identity tables a run keeps, per entity type, in the order `reset` drops them. */
export function identityTables(entity: EntityType): string[] {
  return ['observations', 'map', 'entities', 'edges', ...STAGING].map((name) => t(entity, name));
}
export const SHARED_IDENTITY_TABLES = ['identity_merges', 'identity_quarantine', 'identity_runs', 'membership_observations', 'membership_retractions'].map(
  (name) => `${IDENTITY_SCHEMA}.${name}`,
);
const STAGING = ['batch', 'batch_rows', 'batch_edges', 'cc_nodes', 'cc_edges', 'cc_labels', 'cc_next', 'cc_override', 'cc_resolved', 'assign', 'quarantined'];

export function createIdentityTablesSql(dialect: Dialect): string[] {
  const d = DIALECT_SQL[dialect];
  const [ts, text, bigint, bool] = [d.timestamp, d.text, d.bigint, d.boolean];
  const perEntity = (entity: EntityType) => [
    `create table if not exists ${t(entity, 'observations')} (id ${text}, event_id ${text}, row_id ${text}, source ${text}, occurred_at ${ts}, identifier_type ${text}, raw_value ${text}, identifier_value ${text}, blocked ${bool}, run_id ${text})`,
    `create table if not exists ${t(entity, 'map')} (identifier_type ${text}, identifier_value ${text}, entity_id ${text}, run_id ${text})`,
    `create table if not exists ${t(entity, 'entities')} (entity_id ${text}, created_run ${text}, seed_type ${text}, seed_value ${text}, seed_occurred_at ${ts})`,
    `create table if not exists ${t(entity, 'edges')} (edge_id ${text}, a_type ${text}, a_value ${text}, b_type ${text}, b_value ${text}, event_id ${text}, row_id ${text}, source ${text}, occurred_at ${ts}, status ${text}, run_id ${text})`,
  ];
  return [
    `create schema if not exists ${IDENTITY_SCHEMA}`,
    ...perEntity('person'),
    ...perEntity('group'),
    `create table if not exists ${IDENTITY_SCHEMA}.identity_merges (absorbed_id ${text}, surviving_id ${text}, entity_type ${text}, run_id ${text}, merged_at ${ts})`,
    `create table if not exists ${IDENTITY_SCHEMA}.identity_quarantine (quarantine_id ${text}, entity_type ${text}, reason ${text}, identifier_type ${text}, identifier_value ${text}, other_type ${text}, other_value ${text}, edge_id ${text}, event_id ${text}, source ${text}, occurred_at ${ts}, detail ${text}, run_id ${text})`,
    `create table if not exists ${IDENTITY_SCHEMA}.identity_runs (run_id ${text}, entity_type ${text}, started_at ${ts}, finished_at ${ts}, watermark ${ts}, batch_rows ${bigint}, new_identifiers ${bigint}, new_edges ${bigint}, new_entities ${bigint}, merges ${bigint}, quarantined ${bigint}, blocked ${bigint}, iterations ${bigint})`,
    `create table if not exists ${IDENTITY_SCHEMA}.membership_observations (id ${text}, event_id ${text}, source ${text}, occurred_at ${ts}, person_identifier_type ${text}, person_identifier ${text}, group_identifier_type ${text}, group_identifier ${text}, role ${text}, run_id ${text}, raw_person_identifier ${text}, raw_group_identifier ${text})`,
    `create table if not exists ${IDENTITY_SCHEMA}.membership_retractions (id ${text}, person_identifier_type ${text}, person_identifier ${text}, group_identifier_type ${text}, group_identifier ${text}, run_id ${text})`,
  ];
}

/** Drops every identity table (`hcrm run --full-refresh`): the next run resolves from scratch. */
export function dropIdentityTablesSql(): string[] {
  return [...identityTables('person'), ...identityTables('group'), ...SHARED_IDENTITY_TABLES, MEMBERSHIP_BATCH].map((name) => `drop table if exists ${name}`);
}

export function dropStagingSql(entity: EntityType): string[] {
  return STAGING.map((name) => `drop table if exists ${t(entity, name)}`);
}

/** The unambiguous text key of an identifier: `<len(type)>:<type>:<len(value)>:<value>`. */
export function identifierKeySql(typeExpr: string, valueExpr: string, dialect: Dialect): string {
  const text = DIALECT_SQL[dialect].text;
  return `cast(length(${typeExpr}) as ${text}) || ':' || ${typeExpr} || ':' || cast(length(${valueExpr}) as ${text}) || ':' || ${valueExpr}`;
}

/** The same key in TypeScript, for tests and the CLI. */
export function identifierKey(type: string, value: string): string {
  return `${type.length}:${type}:${value.length}:${value}`;
}

const ENTITY_ID_PREFIX: Record<EntityType, string> = { person: 'per_', group: 'grp_' };

/** An entity's id, from the identifier that created it: stable, and the same on every warehouse. */
export function entityIdSql(entity: EntityType, dialect: Dialect, typeExpr: string, valueExpr: string): string {
  return `${sqlString(ENTITY_ID_PREFIX[entity])} || substr(${DIALECT_SQL[dialect].md5Hex(`${sqlString(entity)} || '|' || ${identifierKeySql(typeExpr, valueExpr, dialect)}`)}, 1, 24)`;
}

function inList(values: readonly string[]): string {
  return `(${values.map(sqlString).join(', ')})`;
}

/**
 * The normalised form of an identifier value (`valueExpr`, text) of type `typeExpr` (already
 * lower-cased): emails trimmed and lower-cased; phones in international form (`+<digits>`)
 * with national numbers read in `phoneRegion`; domains lower-cased without scheme, `www.`,
 * port and path; every other type trimmed.
 */
export function normalizeIdentifierSql(typeExpr: string, valueExpr: string, dialect: Dialect, phoneRegion: string): string {
  const d = DIALECT_SQL[dialect];
  const region = PHONE_REGIONS[phoneRegion];
  if (!region) throw new Error(`unknown phone region "${phoneRegion}"; known: ${Object.keys(PHONE_REGIONS).join(', ')}`);
  const trimmed = `trim(${valueExpr})`;
  const lowered = `lower(${trimmed})`;
  let domain = d.regexReplaceAll(lowered, '^[a-z][a-z0-9+.-]*://', '');
  domain = d.regexReplaceAll(domain, '^[^/@]*@', '');
  domain = d.regexReplaceAll(domain, '^www[0-9]*\\.', '');
  domain = d.regexReplaceAll(domain, '[/?#].*$', '');
  domain = d.regexReplaceAll(domain, '(:[0-9]*)?\\.?$', '');
  const digits = d.regexReplaceAll(trimmed, '[^0-9]', '');
  const cc = sqlString(region.countryCode);
  const trunk = region.trunkPrefix;
  let national: string;
  if (region.countryCode === '1') {
    // NANP: ten digits, optionally written with the leading 1.
    national = `case when length(${digits}) = 11 and substr(${digits}, 1, 1) = '1' then '+' || ${digits} else '+1' || ${digits} end`;
  } else if (trunk) {
    national = `case when substr(${digits}, 1, ${trunk.length}) = ${sqlString(trunk)} then '+' || ${cc} || substr(${digits}, ${trunk.length + 1}) else '+' || ${cc} || ${digits} end`;
  } else {
    national = `'+' || ${cc} || ${digits}`;
  }
  const phone = `case when ${digits} = '' then '' when substr(${trimmed}, 1, 1) = '+' then '+' || ${digits} when substr(${digits}, 1, 2) = '00' then '+' || substr(${digits}, 3) else ${national} end`;
  return `case when ${typeExpr} in ${inList(EMAIL_IDENTIFIER_TYPES)} then ${lowered} when ${typeExpr} in ${inList(PHONE_IDENTIFIER_TYPES)} then ${phone} when ${typeExpr} in ${inList(DOMAIN_IDENTIFIER_TYPES)} then ${domain} else ${trimmed} end`;
}

/**
 * true when an identifier is blocked: its value (original trimmed and lower-cased, or
 * normalised) is empty or matches a blocked value of its type or of `*`.
 */
export function blockedSql(typeExpr: string, rawExpr: string, normalizedExpr: string, config: EntityIdentityConfig, dialect: Dialect): string {
  const d = DIALECT_SQL[dialect];
  const candidates = [`lower(trim(${rawExpr}))`, normalizedExpr];
  const matches = (rule: { exact: string[]; regex: string[] }) => {
    const parts: string[] = [];
    for (const value of candidates) {
      // Values from hcrm.yml: written with the dialect's escaping (a backslash is data).
      if (rule.exact.length) parts.push(`${value} in (${rule.exact.map(d.literal).join(', ')})`);
      for (const pattern of rule.regex) parts.push(d.regexContains(value, pattern));
    }
    return parts.length ? parts.join(' or ') : 'false';
  };
  const branches = [`when ${rawExpr} is null or ${normalizedExpr} is null or ${normalizedExpr} = '' then true`];
  for (const [type, rule] of Object.entries(config.blockedValues)) {
    if (type === '*') continue;
    branches.push(`when ${typeExpr} = ${d.literal(type)} and (${matches(rule)}) then true`);
  }
  const all = config.blockedValues['*'];
  if (all) branches.push(`when ${matches(all)} then true`);
  return `case ${branches.join(' ')} else false end`;
}

export interface BatchOptions {
  entity: EntityType;
  dialect: Dialect;
  runId: string;
  config: EntityIdentityConfig;
  phoneRegion: string;
  /** The last applied batch's max `_ingested_at` (ISO, UTC); undefined on the first run. */
  watermark?: string;
  /** Re-read this many minutes before the watermark (default IDENTITY_LOOKBACK_MINUTES). */
  lookbackMinutes?: number;
}

/**
 * Stages this run's batch: the core identifier rows ingested after the watermark that no
 * earlier run observed, with type and value normalised and blocked values flagged.
 */
export function stageBatchSql(options: BatchOptions): string {
  const { entity, dialect } = options;
  const d = DIALECT_SQL[dialect];
  const window = afterWatermark(d, 'core._ingested_at', options.watermark, options.lookbackMinutes);
  const normalized = normalizeIdentifierSql('identifier_type', 'raw_value', dialect, options.phoneRegion);
  return `create or replace table ${t(entity, 'batch')} as
with incoming as (
    select core.id, core.event_id, core.row_id, core.source, core.occurred_at, core._ingested_at,
        lower(trim(core.identifier_type)) as identifier_type, core.identifier_value as raw_value
    from ${CORE_SCHEMA}.${entity}_identifiers as core
    ${window ? `where ${window}` : ''}
),
-- A row counts as seen when an earlier run observed the same id with the same value: a
-- corrected value under the same id (a re-imported record) is new evidence. The observations
-- of the incoming ids first: a probe of the few incoming ids, not a hash of every observation.
seen as (
    select id, identifier_type, raw_value from ${t(entity, 'observations')}
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

/** Records the batch's occurrences (blocked ones without a normalised value). */
export function insertObservationsSql(entity: EntityType, runId: string): string {
  return `insert into ${t(entity, 'observations')}
select id, event_id, row_id, source, occurred_at, identifier_type, raw_value,
    case when blocked then null else identifier_value end, blocked, ${sqlString(runId)}
from ${t(entity, 'batch')}`;
}

/** Blocked identifiers go to the quarantine table with their reason, once per occurrence. */
export function quarantineBlockedSql(entity: EntityType, dialect: Dialect, runId: string): string {
  const d = DIALECT_SQL[dialect];
  return `insert into ${IDENTITY_SCHEMA}.identity_quarantine
select ${d.md5Hex(`'blocked|' || id`)}, ${sqlString(entity)}, 'blocked_value', identifier_type, raw_value, null, null, null,
    event_id, source, occurred_at, 'the value is blocked for identifier type ' || identifier_type || ' (hcrm.yml identity blocked_values)', ${sqlString(runId)}
from ${t(entity, 'batch')} as batch
where blocked
    and not exists (select 1 from ${IDENTITY_SCHEMA}.identity_quarantine as q where q.quarantine_id = ${d.md5Hex(`'blocked|' || batch.id`)})`;
}

/**
 * The identifiers of every record (`row_id`) the batch touches: its new rows plus the ones
 * earlier runs observed, so a record whose identifiers arrive over several batches is
 * linked as a whole.
 */
/**
 * The batch's edges: the identifiers of one `row_id` form a star around the row's smallest
 * identifier (same connectivity as all pairs, linear in size). Direction is normalised by
 * construction (a < b), and each edge keeps its earliest occurrence (occurred_at, source,
 * event id) as provenance. Edges already known are left out here (see refreshEdgeProvenanceSql).
 */
export function stageBatchRowsSql(entity: EntityType): string {
  return `create or replace table ${t(entity, 'batch_rows')} as
with touched as (
    select distinct row_id from ${t(entity, 'batch')} where not blocked
)
select row_id, event_id, source, occurred_at, identifier_type, identifier_value
from ${t(entity, 'batch')}
where not blocked
-- (no duplicate removal here: the nodes and edges built from these rows deduplicate)
union all
select seen.row_id, seen.event_id, seen.source, seen.occurred_at, seen.identifier_type, seen.identifier_value
from ${t(entity, 'observations')} as seen
inner join touched on touched.row_id = seen.row_id
where not seen.blocked`;
}

export function stageBatchEdgesSql(entity: EntityType, dialect: Dialect): string {
  const d = DIALECT_SQL[dialect];
  return `create or replace table ${t(entity, 'batch_edges')} as
with ids as (
    select distinct row_id, event_id, source, occurred_at, identifier_type, identifier_value
    from ${t(entity, 'batch_rows')}
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
  const edges = t(entity, 'edges');
  const batch = t(entity, 'batch_edges');
  // The target by an alias: BigQuery does not accept schema.table as a column qualifier.
  return `update ${edges} as known set event_id = batch.event_id, row_id = batch.row_id, source = batch.source, occurred_at = batch.occurred_at
from ${batch} as batch
where known.edge_id = batch.edge_id
    and (batch.occurred_at < known.occurred_at
        or (batch.occurred_at = known.occurred_at and (batch.source < known.source
            or (batch.source = known.source and batch.event_id < known.event_id))))`;
}

export function deleteKnownBatchEdgesSql(entity: EntityType): string {
  return `delete from ${t(entity, 'batch_edges')}
where edge_id in (select edge_id from ${t(entity, 'edges')})`;
}

/**
 * The contracted graph's nodes, numbered: each identifier of the batch is its entity's node
 * when it already belongs to one (prior components enter as single nodes, numbered from 1),
 * else a node of its own (numbered from -1 down). Integer nodes keep the label rounds cheap;
 * the numbers mean nothing beyond one run (entity ids come from seeds, not labels).
 */
export function stageComponentNodesSql(entity: EntityType): string {
  return `create or replace table ${t(entity, 'cc_nodes')} as
with identifiers as (
    select identifier_type, identifier_value, min(occurred_at) as first_occurred_at
    from ${t(entity, 'batch_rows')}
    group by identifier_type, identifier_value
),
joined as (
    select identifiers.*, known.entity_id
    from identifiers
    left join ${t(entity, 'map')} as known
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
  const nodes = t(entity, 'cc_nodes');
  return `create or replace table ${t(entity, 'cc_edges')} as
with node_edges as (
    select a.node as a_node, b.node as b_node
    from ${t(entity, 'batch_edges')} as edges
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
  return `create or replace table ${t(entity, 'cc_labels')} as
with nodes as (select distinct node from ${t(entity, 'cc_nodes')}),
neighbours as (select src as node, min(dst) as label from ${t(entity, 'cc_edges')} group by src)
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
  const labels = t(entity, 'cc_labels');
  return `create or replace table ${t(entity, 'cc_next')} as
with propagated as (
    select edges.src as node, min(labels.label) as label
    from ${t(entity, 'cc_edges')} as edges
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
  return `select count(*) as changed from ${t(entity, 'cc_next')} where changed`;
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
    return [`create or replace table ${t(entity, 'cc_labels')} as select * from ${t(entity, 'cc_next')}`, `drop table ${t(entity, 'cc_next')}`];
  }
  return [`drop table ${t(entity, 'cc_labels')}`, d.renameTable(IDENTITY_SCHEMA, `${entity}_cc_next`, `${entity}_cc_labels`)];
}

/** The values of limited types each node holds: an entity node its entity's, a new identifier itself. */
function nodeValuesSql(entity: EntityType, types: readonly string[], dialect: Dialect): string {
  return `select nodes.node, held.identifier_type, held.identifier_value
    from (select distinct node, entity_id from ${t(entity, 'cc_nodes')} where entity_id is not null) as nodes
    inner join ${t(entity, 'map')} as held on held.entity_id = nodes.entity_id
    where held.identifier_type in ${inList(types)}
    ${DIALECT_SQL[dialect].unionDistinct}
    select node, identifier_type, identifier_value
    from ${t(entity, 'cc_nodes')}
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
    inner join ${t(entity, 'cc_labels')} as labels on labels.node = node_values.node
    group by labels.label, node_values.identifier_type
)
select distinct label from per_component where n > ${limitCase}`;
}

/** The nodes of the given components with the values of limited types each holds. */
export function violatingNodeValuesSql(entity: EntityType, limitedTypes: readonly string[], labelsTable: string, dialect: Dialect): string {
  return `select labels.node, node_values.identifier_type, node_values.identifier_value
from ${t(entity, 'cc_labels')} as labels
inner join ${labelsTable} as violating on violating.label = labels.label
left join (
    ${nodeValuesSql(entity, limitedTypes, dialect)}
) as node_values on node_values.node = labels.node
order by labels.node`;
}

/** The new edges inside the given components, in the order limits are applied. */
export function violatingEdgesSql(entity: EntityType, labelsTable: string): string {
  return `select edges.edge_id, a.node as a_node, b.node as b_node, edges.a_type, edges.a_value, edges.b_type, edges.b_value
from ${t(entity, 'batch_edges')} as edges
inner join ${t(entity, 'cc_nodes')} as a on a.identifier_type = edges.a_type and a.identifier_value = edges.a_value
inner join ${t(entity, 'cc_nodes')} as b on b.identifier_type = edges.b_type and b.identifier_value = edges.b_value
inner join ${t(entity, 'cc_labels')} as labels on labels.node = a.node
inner join ${labelsTable} as violating on violating.label = labels.label
order by edges.occurred_at, edges.source, edges.event_id, edges.edge_id`;
}

/**
 * The final label of every node: the component's label, or for components split by a
 * limit, the label of the part the node ended in (`cc_override`, written by the activity).
 */
export function resolveLabelsSql(entity: EntityType, withOverrides: boolean): string {
  const override = withOverrides
    ? `left join ${t(entity, 'cc_override')} as override on override.node = labels.node`
    : '';
  return `create or replace table ${t(entity, 'cc_resolved')} as
select labels.node, ${withOverrides ? 'coalesce(override.label, labels.label)' : 'labels.label'} as label
from ${t(entity, 'cc_labels')} as labels
${override}`;
}

/**
 * Which entity each component becomes. Survivor rule: among the component's existing
 * entities, the one whose seed was observed first (seed_occurred_at), ties to the smallest
 * id. A component without one is a new entity whose id derives from its seed: its
 * identifier observed first (occurred_at, source, event id, type, value).
 */
export function assignEntitiesSql(entity: EntityType, dialect: Dialect): string {
  return `create or replace table ${t(entity, 'assign')} as
with members as (
    select resolved.label, nodes.*
    from ${t(entity, 'cc_nodes')} as nodes
    inner join ${t(entity, 'cc_resolved')} as resolved on resolved.node = nodes.node
),
existing as (
    select component.label, component.entity_id,
        row_number() over (partition by component.label order by entities.seed_occurred_at, entities.entity_id) as rank
    from (select distinct label, entity_id from members where entity_id is not null) as component
    inner join ${t(entity, 'entities')} as entities on entities.entity_id = component.entity_id
),
first_occurrence as (
    select identifier_type, identifier_value, occurred_at, source, event_id,
        row_number() over (partition by identifier_type, identifier_value order by occurred_at, source, event_id) as rank
    from ${t(entity, 'batch')}
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
  const members = `select resolved.label, nodes.* from ${t(entity, 'cc_nodes')} as nodes inner join ${t(entity, 'cc_resolved')} as resolved on resolved.node = nodes.node`;
  const absorbed = `select distinct members.entity_id as absorbed_id, assign.entity_id as surviving_id
    from (${members}) as members
    inner join ${t(entity, 'assign')} as assign on assign.label = members.label
    where members.entity_id is not null and members.entity_id <> assign.entity_id`;
  return [
    `insert into ${t(entity, 'entities')}
select entity_id, ${run}, seed_type, seed_value, seed_occurred_at from ${t(entity, 'assign')} where is_new`,
    `insert into ${IDENTITY_SCHEMA}.identity_merges
select absorbed_id, surviving_id, ${sqlString(entity)}, ${run}, ${d.now} from (${absorbed}) as merges`,
    `update ${t(entity, 'map')} as known set entity_id = merges.surviving_id, run_id = ${run}
from (${absorbed}) as merges
where known.entity_id = merges.absorbed_id`,
    `delete from ${t(entity, 'entities')} where entity_id in (select absorbed_id from (${absorbed}) as merges)`,
    `insert into ${t(entity, 'map')}
select members.identifier_type, members.identifier_value, assign.entity_id, ${run}
from (${members}) as members
inner join ${t(entity, 'assign')} as assign on assign.label = members.label
where members.entity_id is null`,
  ];
}

/** New edges join the edge table: active, or quarantined when a limit refused them. */
export function insertEdgesSql(entity: EntityType, runId: string, withQuarantine: boolean): string {
  const status = withQuarantine
    ? `case when quarantined.edge_id is null then 'active' else 'quarantined' end`
    : `'active'`;
  return `insert into ${t(entity, 'edges')}
select edges.edge_id, edges.a_type, edges.a_value, edges.b_type, edges.b_value, edges.event_id, edges.row_id, edges.source, edges.occurred_at,
    ${status}, ${sqlString(runId)}
from ${t(entity, 'batch_edges')} as edges
${withQuarantine ? `left join ${t(entity, 'quarantined')} as quarantined on quarantined.edge_id = edges.edge_id` : ''}`;
}

export function quarantineLimitEdgesSql(entity: EntityType, dialect: Dialect, runId: string): string {
  const d = DIALECT_SQL[dialect];
  return `insert into ${IDENTITY_SCHEMA}.identity_quarantine
select ${d.md5Hex(`'limit|' || edges.edge_id`)}, ${sqlString(entity)}, 'limit', edges.a_type, edges.a_value, edges.b_type, edges.b_value, edges.edge_id,
    edges.event_id, edges.source, edges.occurred_at, quarantined.detail, ${sqlString(runId)}
from ${t(entity, 'batch_edges')} as edges
inner join ${t(entity, 'quarantined')} as quarantined on quarantined.edge_id = edges.edge_id`;
}

/**
 * The core membership rows after the watermark that no earlier run observed as they are now
 * (same id, identifiers and role): a corrected membership is a new version of its id.
 */
function freshMembershipsSql(d: DialectSql, watermark: string | undefined, lookbackMinutes?: number): string {
  const window = (alias: string) => afterWatermark(d, `${alias}._ingested_at`, watermark, lookbackMinutes);
  const where = (alias: string) => (window(alias) ? `where ${window(alias)}` : '');
  // The observations of the window's ids only (see stageBatchSql). No alias is named like a
  // schema: BigQuery would read core.membership_identifiers in the subquery as the alias.
  return `from ${CORE_SCHEMA}.membership_identifiers as incoming
${where('incoming') ? `${where('incoming')} and ` : 'where '}not exists (
    select 1 from (
        select * from ${IDENTITY_SCHEMA}.membership_observations
        where id in (select recent.id from ${CORE_SCHEMA}.membership_identifiers as recent ${where('recent')})
    ) as seen
    where seen.id = incoming.id
        and seen.person_identifier_type is not distinct from lower(trim(incoming.person_identifier_type))
        and seen.raw_person_identifier is not distinct from incoming.person_identifier
        and seen.group_identifier_type is not distinct from lower(trim(incoming.group_identifier_type))
        and seen.raw_group_identifier is not distinct from incoming.group_identifier
        and seen.role is not distinct from incoming.role
)`;
}

const MEMBERSHIP_BATCH = `${IDENTITY_SCHEMA}.membership_batch`;

/** Stages the run's fresh core membership rows once; the statements below read them. */
export function stageMembershipBatchSql(dialect: Dialect, watermark?: string, lookbackMinutes?: number): string {
  return `create or replace table ${MEMBERSHIP_BATCH} as
select incoming.* ${freshMembershipsSql(DIALECT_SQL[dialect], watermark, lookbackMinutes)}`;
}

export function membershipBatchStatsSql(dialect: Dialect): string {
  return `select count(*) as row_count, ${DIALECT_SQL[dialect].timestampText('max(_ingested_at)')} as watermark from ${MEMBERSHIP_BATCH}`;
}

export function dropMembershipBatchSql(): string {
  return `drop table if exists ${MEMBERSHIP_BATCH}`;
}

/**
 * Earlier versions of the staged memberships: the latest version wins. They are logged in
 * membership_retractions first (the run that replaced them, the links they named), so the
 * final layer also recomputes a link whose last observation went.
 */
export function supersedeMembershipsSql(runId: string): string[] {
  const superseded = `id in (select id from ${MEMBERSHIP_BATCH})`;
  return [
    `insert into ${IDENTITY_SCHEMA}.membership_retractions
select id, person_identifier_type, person_identifier, group_identifier_type, group_identifier, ${sqlString(runId)}
from ${IDENTITY_SCHEMA}.membership_observations
where ${superseded}`,
    `delete from ${IDENTITY_SCHEMA}.membership_observations where ${superseded}`,
  ];
}

/** Normalised membership identifiers of the staged rows, keyed like person and group identifiers. */
export function stageMembershipsSql(dialect: Dialect, runId: string, phoneRegion: string): string {
  const personType = 'lower(trim(core.person_identifier_type))';
  const groupType = 'lower(trim(core.group_identifier_type))';
  return `insert into ${IDENTITY_SCHEMA}.membership_observations
select core.id, core.event_id, core.source, core.occurred_at,
    ${personType}, ${normalizeIdentifierSql(personType, 'core.person_identifier', dialect, phoneRegion)},
    ${groupType}, ${normalizeIdentifierSql(groupType, 'core.group_identifier', dialect, phoneRegion)},
    core.role, ${sqlString(runId)}, core.person_identifier, core.group_identifier
from ${MEMBERSHIP_BATCH} as core`;
}

export function batchStatsSql(entity: EntityType, dialect: Dialect): string {
  return `select count(*) as batch_rows,
    sum(case when blocked then 1 else 0 end) as blocked,
    ${DIALECT_SQL[dialect].timestampText('max(_ingested_at)')} as watermark
from ${t(entity, 'batch')}`;
}

export function lastWatermarkSql(entity: EntityType | 'membership', dialect: Dialect): string {
  return `select ${DIALECT_SQL[dialect].timestampText('max(watermark)')} as watermark from ${IDENTITY_SCHEMA}.identity_runs where entity_type = ${sqlString(entity)}`;
}

export function tableName(entity: EntityType, name: string): string {
  return t(entity, name);
}
