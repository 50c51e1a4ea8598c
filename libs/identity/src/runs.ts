import { sharedIdentityTable, type Dialect, type EntityType, type IdentityApplied } from '@hcrm/contracts';
import { DIALECT_SQL, nowSql, sqlString, type DialectSql } from '@hcrm/sql';
import type { SqlValue, Warehouse } from '@hcrm/warehouse';
import { scalar } from './internal';

/**
 * The identity runs (`identity.identity_runs`): one row per run and entity type (or
 * `membership`) once its batch is applied, with the batch's watermark. A run found here is
 * not applied again; the next batch reads core after the last watermark.
 */
const RUNS = sharedIdentityTable('identity_runs');

/**
 * How identity batches read core: they start this many minutes before the last batch's max
 * `_ingested_at`, in case rows are committed out of order; rows already observed are skipped
 * by id.
 */
export interface IdentityReadOptions {
  /** hcrm.yml `pipeline.lookback_minutes` (the activities pass the project config's). */
  lookbackMinutes: number;
}

/**
 * The condition that keeps rows of `column` after the watermark less the lookback; undefined
 * (no condition) on the first run.
 *
 * @example
 *   afterWatermarkSql(DIALECT_SQL.duckdb, 'core._ingested_at', '2026-01-01T00:00:00Z', 10)
 */
export function afterWatermarkSql(d: DialectSql, column: string, watermark: string | undefined, lookbackMinutes: number): string | undefined {
  return watermark ? `${column} > ${d.minusMinutes(d.timestampLiteral(watermark), lookbackMinutes)}` : undefined;
}

/** The last applied batch's watermark of an entity type (or the memberships), as column `watermark`. */
export function lastWatermarkSql(entity: EntityType | 'membership', dialect: Dialect): string {
  return `select ${DIALECT_SQL[dialect].timestampText('max(watermark)')} as watermark from ${RUNS} where entity_type = ${sqlString(entity)}`;
}

/** How many times a run was applied for an entity type (0 or 1), as column `n`. */
export function appliedRunCountSql(entity: EntityType | 'membership', runId: string): string {
  return `select count(*) as n from ${RUNS} where run_id = ${sqlString(runId)} and entity_type = ${sqlString(entity)}`;
}

/** The record of an applied run of an entity type. */
export function appliedRunSql(entity: EntityType, runId: string): string {
  return `select * from ${RUNS} where run_id = ${sqlString(runId)} and entity_type = ${sqlString(entity)}`;
}

/** The record of an entity type's applied batch, with its counts and watermark as parameters. */
export function recordRunSql(entity: EntityType, dialect: Dialect, runId: string, summary: IdentityApplied): { sql: string; params: SqlValue[] } {
  return {
    sql: `insert into ${RUNS} values (${sqlString(runId)}, ${sqlString(entity)}, null, ${nowSql(dialect)}, cast(? as timestamp), ?, ?, ?, ?, ?, ?, ?, ?)`,
    params: [
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
  };
}

/** The record of the memberships' applied batch. */
export function recordMembershipRunSql(dialect: Dialect, runId: string, watermark: string | undefined, rows: number): { sql: string; params: SqlValue[] } {
  return {
    sql: `insert into ${RUNS} (run_id, entity_type, finished_at, watermark, batch_rows) values (?, 'membership', ${nowSql(dialect)}, cast(? as timestamp), ?)`,
    params: [runId, watermark ?? null, rows],
  };
}

/** Whether a run was already applied for an entity type (a retried activity finds it so). */
export async function alreadyApplied(warehouse: Warehouse, entity: EntityType | 'membership', runId: string): Promise<boolean> {
  const n = await scalar<number>(warehouse, appliedRunCountSql(entity, runId), 'n');
  return (n ?? 0) > 0;
}

/** The last applied batch's watermark (ISO-like text, UTC), undefined before the first. */
export function lastWatermark(warehouse: Warehouse, entity: EntityType | 'membership'): Promise<string | undefined> {
  return scalar<string>(warehouse, lastWatermarkSql(entity, warehouse.dialect), 'watermark');
}

/** An identity_runs row, or the same fields just counted, as the run's summary. */
export function runSummary(entity: EntityType, row: Record<string, unknown>): IdentityApplied {
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
