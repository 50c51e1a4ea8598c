import { MEMBERSHIP_BATCH_TABLE, SCHEMAS, sharedIdentityTable, type Dialect, type IdentityConfig, type MembershipsStaged } from '@hcrm/contracts';
import { DIALECT_SQL, sqlString, type DialectSql } from '@hcrm/sql';
import type { Warehouse } from '@hcrm/warehouse';
import { runAll } from './internal';
import { normalizeIdentifierSql } from './normalise';
import { afterWatermarkSql, alreadyApplied, lastWatermark, recordMembershipRunSql, type IdentityReadOptions } from './runs';
import { ensureIdentityTables } from './tables';

// Memberships are not resolved: their identifiers are normalised like person and group
// identifiers and kept, so the final layer joins them to entities on (type, value).
const MEMBERSHIP_BATCH = sharedIdentityTable(MEMBERSHIP_BATCH_TABLE);
const OBSERVATIONS = sharedIdentityTable('membership_observations');
const RETRACTIONS = sharedIdentityTable('membership_retractions');

/**
 * The core membership rows after the watermark that no earlier run observed as they are now
 * (same id, identifiers and role): a corrected membership is a new version of its id.
 */
function freshMembershipsSql(d: DialectSql, watermark: string | undefined, lookbackMinutes: number): string {
  const window = (alias: string) => afterWatermarkSql(d, `${alias}._ingested_at`, watermark, lookbackMinutes);
  const where = (alias: string) => (window(alias) ? `where ${window(alias)}` : '');
  // The observations of the window's ids only (see stageBatchSql). No alias is named like a
  // schema: BigQuery would read core.membership_identifiers in the subquery as the alias.
  return `from ${SCHEMAS.core}.membership_identifiers as incoming
${where('incoming') ? `${where('incoming')} and ` : 'where '}not exists (
    select 1 from (
        select * from ${OBSERVATIONS}
        where id in (select recent.id from ${SCHEMAS.core}.membership_identifiers as recent ${where('recent')})
    ) as seen
    where seen.id = incoming.id
        and seen.person_identifier_type is not distinct from lower(trim(incoming.person_identifier_type))
        and seen.raw_person_identifier is not distinct from incoming.person_identifier
        and seen.group_identifier_type is not distinct from lower(trim(incoming.group_identifier_type))
        and seen.raw_group_identifier is not distinct from incoming.group_identifier
        and seen.role is not distinct from incoming.role
)`;
}

/** Stages the run's fresh core membership rows once; the statements below read them. */
export function stageMembershipBatchSql(dialect: Dialect, watermark: string | undefined, lookbackMinutes: number): string {
  return `create or replace table ${MEMBERSHIP_BATCH} as
select incoming.* ${freshMembershipsSql(DIALECT_SQL[dialect], watermark, lookbackMinutes)}`;
}

/** The staged rows' count and watermark (their max `_ingested_at`). */
export function membershipBatchStatsSql(dialect: Dialect): string {
  return `select count(*) as row_count, ${DIALECT_SQL[dialect].timestampText('max(_ingested_at)')} as watermark from ${MEMBERSHIP_BATCH}`;
}

/** Drops the staged rows once the run's memberships are recorded. */
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
    `insert into ${RETRACTIONS}
select id, person_identifier_type, person_identifier, group_identifier_type, group_identifier, ${sqlString(runId)}
from ${OBSERVATIONS}
where ${superseded}`,
    `delete from ${OBSERVATIONS} where ${superseded}`,
  ];
}

/** Normalised membership identifiers of the staged rows, keyed like person and group identifiers. */
export function stageMembershipsSql(dialect: Dialect, runId: string, phoneRegion: string): string {
  const personType = 'lower(trim(core.person_identifier_type))';
  const groupType = 'lower(trim(core.group_identifier_type))';
  return `insert into ${OBSERVATIONS}
select core.id, core.event_id, core.source, core.occurred_at,
    ${personType}, ${normalizeIdentifierSql(personType, 'core.person_identifier', dialect, phoneRegion)},
    ${groupType}, ${normalizeIdentifierSql(groupType, 'core.group_identifier', dialect, phoneRegion)},
    core.role, ${sqlString(runId)}, core.person_identifier, core.group_identifier
from ${MEMBERSHIP_BATCH} as core`;
}

/**
 * Normalises the new membership identifiers the same way as person and group identifiers,
 * so the final layer joins them to entities on (type, normalised value).
 *
 * @example
 *   const staged = await stageMemberships(warehouse, config.identity, runId, { lookbackMinutes: 10 });
 */
export async function stageMemberships(
  warehouse: Warehouse,
  config: IdentityConfig,
  runId: string,
  { lookbackMinutes }: IdentityReadOptions,
): Promise<MembershipsStaged> {
  await ensureIdentityTables(warehouse);
  if (await alreadyApplied(warehouse, 'membership', runId)) return { rows: 0 };
  const watermark = await lastWatermark(warehouse, 'membership');
  await warehouse.execute(stageMembershipBatchSql(warehouse.dialect, watermark, lookbackMinutes));
  const [window] = await warehouse.query(membershipBatchStatsSql(warehouse.dialect));
  const rows = Number(window?.row_count ?? 0);
  const newWatermark = (window?.watermark as string | null) ?? undefined;
  if (rows > 0) {
    await warehouse.transaction(async () => {
      await runAll(warehouse, supersedeMembershipsSql(runId));
      await warehouse.execute(stageMembershipsSql(warehouse.dialect, runId, config.phoneDefaultRegion));
      const record = recordMembershipRunSql(warehouse.dialect, runId, newWatermark, rows);
      await warehouse.execute(record.sql, record.params);
    });
  }
  await warehouse.execute(dropMembershipBatchSql());
  return rows === 0 ? { rows: 0, watermark } : { rows, watermark: newWatermark };
}
