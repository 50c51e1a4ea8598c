import type { HcrmConfig } from '@hcrm/config';
import { ENTITY_TYPES, identityTable, schemaAndTable, sharedIdentityTable, type EntityType, type IdentityEntityTable } from '@hcrm/contracts';
import { normalizeIdentifierSql } from '@hcrm/identity';
import { DIALECT_SQL } from '@hcrm/sql';
import type { Warehouse } from '@hcrm/warehouse';
import { CliError } from '../errors';
import { identifierLabel, pathTo, searchFrom, type ExplainEdge, type PathStep } from '../explain-paths';
import { formatTable } from '../format';
import type { CliIo } from '../io';
import { openReadOnlyWarehouse } from './query';

export interface ExplainOptions {
  entity?: EntityType;
  json: boolean;
  /** The most identifiers to print paths for. */
  limit: number;
}

const ENTITY_ID = /^(per|grp)_[0-9a-f]{24}$/;
const PREFIX_TYPE: Record<string, EntityType> = { per: 'person', grp: 'group' };
/** Hops of one path printed in full; longer paths show their two ends. */
const MAX_HOPS_SHOWN = 12;

type IdentifierRow = {
  identifier_type: string;
  identifier_value: string;
  first_seen_at: string | null;
  last_seen_at: string | null;
  sources: string | null;
  originals: string | null;
};

/**
 * `hcrm explain <type:value | entity id>`: the entity an identifier belongs to, all its
 * identifiers, and for each the path of edges (events, sources, times) that joined it to the
 * identifier asked about (or to the entity's seed): why these records are one entity.
 */
export async function explainCommand(config: HcrmConfig, io: CliIo, target: string, options: ExplainOptions): Promise<number> {
  const warehouse = await openReadOnlyWarehouse(config);
  try {
    if (!(await warehouse.tableExists(...schemaAndTable(identityTable('person', 'map'))))) {
      throw new CliError('Nothing is resolved yet: run `npx hcrm run` first.');
    }
    const found = await locate(warehouse, config, target.trim(), options.entity);
    const report = await explainEntity(warehouse, found.entityType, found.entityId, found.root);
    io.stdout(options.json ? `${JSON.stringify({ ...report, note: found.note }, null, 2)}\n` : render(report, found.note, options.limit));
    return 0;
  } finally {
    await warehouse.close();
  }
}

interface Located {
  entityType: EntityType;
  entityId: string;
  /** The identifier the paths start from (the one asked about, or the entity's seed). */
  root?: string;
  note?: string;
}

async function locate(warehouse: Warehouse, config: HcrmConfig, target: string, only?: EntityType): Promise<Located> {
  const idMatch = ENTITY_ID.exec(target);
  if (idMatch) {
    const entityType = PREFIX_TYPE[idMatch[1] as string] as EntityType;
    let entityId = target;
    let note: string | undefined;
    // An absorbed id points at its survivor (possibly through several merges).
    for (let hops = 0; hops < 1000; hops += 1) {
      const live = await warehouse.query(`select 1 from ${identityTable(entityType, 'entities')} where entity_id = ?`, [entityId]);
      if (live.length) return { entityType, entityId, note };
      const [merge] = await warehouse.query<{ surviving_id: string; merged_at: string; run_id: string }>(
        `select surviving_id, cast(merged_at as varchar) as merged_at, run_id from ${sharedIdentityTable('identity_merges')} where absorbed_id = ?`,
        [entityId],
      );
      if (!merge) break;
      note = `${note ? `${note}; ` : ''}${entityId} was merged into ${merge.surviving_id} at ${merge.merged_at} (run ${merge.run_id})`;
      entityId = merge.surviving_id;
    }
    throw new CliError(`No ${entityType} ${target}: not an entity id the warehouse knows.`);
  }
  const colon = target.indexOf(':');
  if (colon <= 0 || colon === target.length - 1) {
    throw new CliError(`"${target}" is neither an entity id (per_… or grp_…) nor <identifier_type>:<value>, e.g. email:ann@example.com`);
  }
  const type = target.slice(0, colon).trim().toLowerCase();
  const raw = target.slice(colon + 1);
  const [normalized] = await warehouse.query<{ value: string }>(
    `select ${normalizeIdentifierSql(DIALECT_SQL[warehouse.dialect].literal(type), DIALECT_SQL[warehouse.dialect].literal(raw), warehouse.dialect, config.project.identity.phoneDefaultRegion)} as value`,
  );
  const value = normalized?.value ?? raw;
  const candidates = only ? [only] : [...ENTITY_TYPES];
  for (const entityType of candidates) {
    const [row] = await warehouse.query<{ entity_id: string }>(
      `select entity_id from ${identityTable(entityType, 'map')} where identifier_type = ? and identifier_value = ?`,
      [type, value],
    );
    if (row) return { entityType, entityId: row.entity_id, root: identifierLabel(type, value) };
  }
  for (const entityType of candidates) {
    const [blocked] = await warehouse.query(
      `select 1 from ${identityTable(entityType, 'observations')} as obs
      where obs.blocked and obs.identifier_type = ?
          and (lower(trim(obs.raw_value)) = lower(trim(?))
              or ${normalizeIdentifierSql('obs.identifier_type', 'obs.raw_value', warehouse.dialect, config.project.identity.phoneDefaultRegion)} = ?)
      limit 1`,
      [type, raw, value],
    );
    if (blocked) {
      throw new CliError(`${type}:${raw} is a blocked ${type} value: it links nothing (see ${sharedIdentityTable('identity_quarantine')} and hcrm.yml blocked_values).`);
    }
  }
  const shown = value === raw ? `${type}:${raw}` : `${type}:${raw} (normalised: ${value})`;
  throw new CliError(`No ${candidates.join(' or ')} has the identifier ${shown}.`);
}

export interface ExplainReport {
  entityType: EntityType;
  entityId: string;
  seed: string;
  root: string;
  identifiers: Array<IdentifierRow & { path?: PathStep[] }>;
  merges: Array<{ absorbed_id: string; surviving_id: string; run_id: string; merged_at: string }>;
  quarantined: Array<Record<string, unknown>>;
}

async function explainEntity(warehouse: Warehouse, entityType: EntityType, entityId: string, root?: string): Promise<ExplainReport> {
  const table = (name: IdentityEntityTable) => identityTable(entityType, name);
  const [mergeLog, quarantine] = [sharedIdentityTable('identity_merges'), sharedIdentityTable('identity_quarantine')];
  const [entity] = await warehouse.query<{ seed_type: string; seed_value: string }>(
    `select seed_type, seed_value from ${table('entities')} where entity_id = ?`,
    [entityId],
  );
  if (!entity) throw new CliError(`No ${entityType} ${entityId}.`);
  const seed = identifierLabel(entity.seed_type, entity.seed_value);
  const identifiers = await warehouse.query<IdentifierRow>(
    `select map.identifier_type, map.identifier_value,
        cast(min(obs.occurred_at) as varchar) as first_seen_at, cast(max(obs.occurred_at) as varchar) as last_seen_at,
        string_agg(distinct obs.source, ', ' order by obs.source) as sources,
        string_agg(distinct obs.raw_value, ' | ' order by obs.raw_value) as originals
    from ${table('map')} as map
    left join ${table('observations')} as obs
        on obs.identifier_type = map.identifier_type and obs.identifier_value = map.identifier_value
    where map.entity_id = ?
    group by map.identifier_type, map.identifier_value
    order by map.identifier_type, map.identifier_value`,
    [entityId],
  );
  const edges = await warehouse.query<ExplainEdge>(
    `select edges.edge_id, edges.a_type, edges.a_value, edges.b_type, edges.b_value, edges.event_id, edges.source,
        cast(edges.occurred_at as varchar) as occurred_at
    from ${table('edges')} as edges
    inner join ${table('map')} as a on a.identifier_type = edges.a_type and a.identifier_value = edges.a_value
    where edges.status = 'active' and a.entity_id = ?`,
    [entityId],
  );
  const merges = await warehouse.query<ExplainReport['merges'][number]>(
    `with recursive absorbed(id) as (
        select absorbed_id from ${mergeLog} where surviving_id = ? and entity_type = ?
        union
        select merges.absorbed_id from ${mergeLog} as merges inner join absorbed on merges.surviving_id = absorbed.id
    )
    select absorbed_id, surviving_id, run_id, cast(merged_at as varchar) as merged_at
    from ${mergeLog} where absorbed_id in (select id from absorbed) order by merged_at, absorbed_id`,
    [entityId, entityType],
  );
  const quarantined = await warehouse.query(
    `select distinct q.reason, q.identifier_type || ':' || q.identifier_value as identifier,
        case when q.other_type is null then null else q.other_type || ':' || q.other_value end as other, q.event_id, q.source,
        cast(q.occurred_at as varchar) as occurred_at, q.detail
    from ${quarantine} as q
    inner join ${table('map')} as map
        on map.entity_id = ? and ((map.identifier_type = q.identifier_type and map.identifier_value = q.identifier_value)
            or (map.identifier_type = q.other_type and map.identifier_value = q.other_value))
    where q.entity_type = ? and q.reason = 'limit'
    order by occurred_at, identifier, other`,
    [entityId, entityType],
  );
  const start = root ?? seed;
  const reached = searchFrom(start, edges);
  return {
    entityType,
    entityId,
    seed,
    root: start,
    identifiers: identifiers.map((row) => ({ ...row, path: pathTo(reached, identifierLabel(row.identifier_type, row.identifier_value)) })),
    merges,
    quarantined,
  };
}

function render(report: ExplainReport, note: string | undefined, limit: number): string {
  const out: string[] = [];
  if (note) out.push(note, '');
  out.push(`${report.entityType} ${report.entityId}: ${report.identifiers.length} identifiers, created from ${report.seed}`);
  out.push('');
  out.push(
    formatTable(
      report.identifiers.map((row) => ({
        identifier: identifierLabel(row.identifier_type, row.identifier_value),
        first_seen_at: row.first_seen_at,
        last_seen_at: row.last_seen_at,
        sources: row.sources,
        as_written: row.originals,
      })),
    ).trimEnd(),
  );
  out.push('', `Why they are one ${report.entityType} (paths from ${report.root}):`);
  for (const row of report.identifiers.slice(0, limit)) {
    const label = identifierLabel(row.identifier_type, row.identifier_value);
    if (label === report.root) continue;
    out.push(`  ${label}`);
    const path = row.path;
    if (!path) {
      out.push('    (no path of accepted edges: see the refused edges below)');
      continue;
    }
    const shown = path.length > MAX_HOPS_SHOWN ? [...path.slice(0, MAX_HOPS_SHOWN / 2), undefined, ...path.slice(-MAX_HOPS_SHOWN / 2)] : path;
    for (const step of shown) {
      if (!step) {
        out.push(`    ... ${path.length - MAX_HOPS_SHOWN} more hops ...`);
        continue;
      }
      out.push(`    ${step.from} -- ${step.to}  (${step.edge.source} event ${step.edge.event_id} at ${step.edge.occurred_at})`);
    }
  }
  if (report.identifiers.length > limit) out.push(`  ... ${report.identifiers.length - limit} more identifiers (--limit)`);
  if (report.merges.length) {
    out.push('', 'Entities merged into this one:');
    for (const merge of report.merges) out.push(`  ${merge.absorbed_id} -> ${merge.surviving_id} at ${merge.merged_at} (run ${merge.run_id})`);
  }
  if (report.quarantined.length) {
    out.push('', `Edges refused by a per-type limit (${sharedIdentityTable('identity_quarantine')}):`);
    for (const q of report.quarantined) out.push(`  ${String(q.identifier)} -- ${String(q.other)}: ${String(q.detail)} (${String(q.source)} event ${String(q.event_id)})`);
  }
  return `${out.join('\n')}\n`;
}
