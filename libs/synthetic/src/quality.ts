import { identityTable, SCHEMAS, sharedIdentityTable, type EntityType } from '@hcrm/contracts';
import { normalizeIdentifierSql } from '@hcrm/identity';
import type { Warehouse } from '@hcrm/warehouse';
import { TRUTH_TABLE } from './load';

/** Pairwise quality of one entity type's resolution against the generator's ground truth. */
export interface ResolutionQuality {
  entityType: 'person' | 'group';
  identifiers: number;
  trueEntities: number;
  resolvedEntities: number;
  precision: number;
  /** Against every pair of identifiers of the same true entity. */
  recall: number;
  /** Against the pairs the data links at all (identifiers that co-occur in records, transitively). */
  recallLinkable: number;
  f1: number;
  /** True entities whose identifiers share a resolved entity with another true entity's. */
  overMerged: number;
  /** True entities spread over several resolved entities, and how many of those the data does not link. */
  underMerged: number;
  underMergedUnlinkable: number;
  worstOverMerge?: { entityId: string; trueEntities: number; cause: string };
  worstUnderMerge?: { trueId: string; resolvedEntities: number; cause: string };
}

const pairs = (n: string) => `sum(${n} * (${n} - 1) / 2)`;

/**
 * Compares crm.person_identifiers / crm.group_identifiers with truth.identifiers: identifier
 * pairs in one resolved entity vs. in one true entity. Identifiers of nobody (junk) or of many
 * (shared generic addresses) are left out; an identifier the pipeline did not keep counts as
 * its own entity.
 */
export async function measureQuality(warehouse: Warehouse, entityType: 'person' | 'group', phoneRegion = 'US'): Promise<ResolutionQuality> {
  const resolved = `${SCHEMAS.crm}.${entityType}_identifiers`;
  const idColumn = entityType === 'person' ? 'person_id' : 'group_id';
  const normalized = normalizeIdentifierSql('identifier_type', 'raw_value', warehouse.dialect, phoneRegion);
  await warehouse.execute(`create or replace temp table quality_joined as
    with truth as (
        select distinct identifier_type, ${normalized} as identifier_value, true_id, linkable_id
        from ${TRUTH_TABLE} where entity_type = '${entityType}' and kind = 'real'
    )
    select truth.*, coalesce(resolved.${idColumn}, 'unresolved:' || truth.identifier_type || ':' || truth.identifier_value) as entity_id
    from truth
    left join ${resolved} as resolved
        on resolved.identifier_type = truth.identifier_type and resolved.identifier_value = truth.identifier_value`);
  const [row] = await warehouse.query<Record<string, number>>(`select
      (select count(*) from quality_joined) as identifiers,
      (select count(distinct true_id) from quality_joined) as true_entities,
      (select count(distinct entity_id) from quality_joined) as resolved_entities,
      (select ${pairs('n')} from (select count(*) as n from quality_joined group by entity_id, true_id)) as tp,
      (select ${pairs('n')} from (select count(*) as n from quality_joined group by entity_id, linkable_id)) as tp_linkable,
      (select ${pairs('n')} from (select count(*) as n from quality_joined group by entity_id)) as predicted_pairs,
      (select ${pairs('n')} from (select count(*) as n from quality_joined group by true_id)) as true_pairs,
      (select ${pairs('n')} from (select count(*) as n from quality_joined group by linkable_id)) as linkable_pairs,
      (select count(distinct true_id) from quality_joined where entity_id in (
          select entity_id from quality_joined group by entity_id having count(distinct true_id) > 1)) as over_merged,
      (select count(*) from (select true_id from quality_joined group by true_id having count(distinct entity_id) > 1)) as under_merged,
      (select count(*) from (select true_id from quality_joined group by true_id
          having count(distinct entity_id) > 1 and count(distinct linkable_id) > 1)) as under_merged_unlinkable`);
  const n = (key: string) => Number(row?.[key] ?? 0);
  const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);
  const precision = ratio(n('tp'), n('predicted_pairs'));
  const recall = ratio(n('tp'), n('true_pairs'));
  const quality: ResolutionQuality = {
    entityType,
    identifiers: n('identifiers'),
    trueEntities: n('true_entities'),
    resolvedEntities: n('resolved_entities'),
    precision,
    recall,
    recallLinkable: ratio(n('tp_linkable'), n('linkable_pairs')),
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    overMerged: n('over_merged'),
    underMerged: n('under_merged'),
    underMergedUnlinkable: n('under_merged_unlinkable'),
  };
  const [over] = await warehouse.query<{ entity_id: string; true_entities: number }>(
    `select entity_id, count(distinct true_id) as true_entities from quality_joined group by entity_id having count(distinct true_id) > 1 order by 2 desc, 1 limit 1`,
  );
  if (over) {
    quality.worstOverMerge = { entityId: over.entity_id, trueEntities: Number(over.true_entities), cause: await overMergeCause(warehouse, entityType, over.entity_id) };
  }
  const [under] = await warehouse.query<{ true_id: string; resolved: number; parts: number }>(
    `select true_id, count(distinct entity_id) as resolved, count(distinct linkable_id) as parts from quality_joined
     group by true_id having count(distinct entity_id) > 1 order by 2 desc, 1 limit 1`,
  );
  if (under) {
    quality.worstUnderMerge = {
      trueId: under.true_id,
      resolvedEntities: Number(under.resolved),
      cause: Number(under.parts) > 1 ? 'missing links: no record names these identifiers together' : await underMergeCause(warehouse, entityType, under.true_id),
    };
  }
  await warehouse.execute('drop table if exists quality_joined');
  return quality;
}

/** The edges joining the true entities inside one resolved entity: which identifiers bridged them. */
async function overMergeCause(warehouse: Warehouse, entityType: EntityType, entityId: string): Promise<string> {
  const [bridge] = await warehouse.query<{ a: string; b: string }>(
    `select edges.a_type || ':' || edges.a_value as a, edges.b_type || ':' || edges.b_value as b
     from ${identityTable(entityType, 'edges')} as edges
     inner join ${identityTable(entityType, 'map')} as map on map.identifier_type = edges.a_type and map.identifier_value = edges.a_value
     inner join quality_joined as ta on ta.identifier_type = edges.a_type and ta.identifier_value = edges.a_value
     inner join quality_joined as tb on tb.identifier_type = edges.b_type and tb.identifier_value = edges.b_value
     where map.entity_id = ? and edges.status = 'active' and ta.true_id <> tb.true_id
     limit 1`,
    [entityId],
  );
  if (bridge) return `an edge between identifiers of different true entities: ${bridge.a} -- ${bridge.b}`;
  return 'linked through identifiers that are not in the truth (junk or shared values that were not blocked)';
}

async function underMergeCause(warehouse: Warehouse, entityType: string, trueId: string): Promise<string> {
  const [refused] = await warehouse.query<{ detail: string }>(
    `select q.detail from ${sharedIdentityTable('identity_quarantine')} as q
     inner join quality_joined as t on t.identifier_type = q.identifier_type and t.identifier_value = q.identifier_value
     where q.entity_type = ? and q.reason = 'limit' and t.true_id = ? limit 1`,
    [entityType, trueId],
  );
  return refused ? `a per-type limit refused a link: ${refused.detail}` : 'blocked values or identifiers the pipeline did not keep';
}
