import type { Dialect, SourceWindow } from '@hcrm/core';
import { DIALECT_SQL, sqlString } from './dialects';
import { timestampSql } from './identity';

/**
 * The pipeline's operational tables (schema `ops`): the windows the current run's dbt models
 * read (`pipeline_windows`), the warehouse lock (`warehouse_lock`), and the asset
 * materializations (`materializations`).
 */
export const OPS_SCHEMA = 'ops';
export const WINDOWS_TABLE = `${OPS_SCHEMA}.pipeline_windows`;
export const LOCK_TABLE = `${OPS_SCHEMA}.warehouse_lock`;
export const MATERIALIZATIONS_TABLE = `${OPS_SCHEMA}.materializations`;

export function createOpsTablesSql(dialect: Dialect): string[] {
  const d = DIALECT_SQL[dialect];
  return [
    `create schema if not exists ${OPS_SCHEMA}`,
    `create table if not exists ${WINDOWS_TABLE} (source ${d.text}, lower_bound ${d.timestamp}, upper_bound ${d.timestamp}, run_id ${d.text})`,
    `create table if not exists ${LOCK_TABLE} (lock_name ${d.text}, owner_workflow_id ${d.text}, owner_run_id ${d.text}, purpose ${d.text}, acquired_at ${d.timestamp})`,
    `create table if not exists ${MATERIALIZATIONS_TABLE} (run_id ${d.text}, workflow_id ${d.text}, asset ${d.text}, layer ${d.text}, kind ${d.text}, status ${d.text}, rows_written ${d.bigint}, seconds ${d.double}, materialized_at ${d.timestamp}, check_name ${d.text})`,
  ];
}

function timestampOrNull(dialect: Dialect, iso: string | undefined, minusMinutes = 0): string {
  if (!iso) return `cast(null as ${DIALECT_SQL[dialect].timestamp})`;
  return timestampSql(dialect, new Date(Date.parse(iso) - minusMinutes * 60_000).toISOString());
}

/**
 * Replaces the windows with this run's: one row per source to process, lower bound moved back
 * by the lookback. dbt models of sources without a row read nothing (docs/orchestration.md).
 */
export function replaceWindowsSql(dialect: Dialect, windows: readonly SourceWindow[], lookbackMinutes: number, runId: string): string[] {
  const statements = [`delete from ${WINDOWS_TABLE} where true`];
  if (windows.length) {
    const rows = windows.map(
      (w) => `(${sqlString(w.source)}, ${timestampOrNull(dialect, w.from, lookbackMinutes)}, ${timestampOrNull(dialect, w.to)}, ${sqlString(runId)})`,
    );
    statements.push(`insert into ${WINDOWS_TABLE} values ${rows.join(', ')}`);
  }
  return statements;
}
