import { OPS_TABLES, SCHEMAS, type Dialect, type SourceWindow } from '@hcrm/contracts';
import { DIALECT_SQL, sqlString, timestampSql } from './dialects';
import { quoteIdent } from './identifiers';

/**
 * SQL of the pipeline's operational tables (schema `ops`, named in the table catalog's
 * OPS_TABLES): the windows the current run's dbt models read, the warehouse lock, and the
 * asset materializations.
 */

export function createOpsTablesSql(dialect: Dialect): string[] {
  const d = DIALECT_SQL[dialect];
  return [
    `create schema if not exists ${SCHEMAS.ops}`,
    `create table if not exists ${OPS_TABLES.windows} (source ${d.text}, lower_bound ${d.timestamp}, upper_bound ${d.timestamp}, run_id ${d.text})`,
    `create table if not exists ${OPS_TABLES.lock} (lock_name ${d.text}, owner_workflow_id ${d.text}, owner_run_id ${d.text}, purpose ${d.text}, acquired_at ${d.timestamp})`,
    `create table if not exists ${OPS_TABLES.materializations} (run_id ${d.text}, workflow_id ${d.text}, asset ${d.text}, layer ${d.text}, kind ${d.text}, status ${d.text}, rows_written ${d.bigint}, seconds ${d.double}, materialized_at ${d.timestamp}, check_name ${d.text})`,
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
  const statements = [`delete from ${OPS_TABLES.windows} where true`];
  if (windows.length) {
    const rows = windows.map(
      (w) => `(${sqlString(w.source)}, ${timestampOrNull(dialect, w.from, lookbackMinutes)}, ${timestampOrNull(dialect, w.to)}, ${sqlString(runId)})`,
    );
    statements.push(`insert into ${OPS_TABLES.windows} values ${rows.join(', ')}`);
  }
  return statements;
}

/**
 * How many landed rows of `rawTable` (a qualified name) the window of the source bound to `?`
 * holds, and the latest value of its watermark column (`watermarkColumn`, the source's
 * declared one) among them (ISO text): what a run reprocesses and where the source's next
 * watermark is. The predicate is the dbt macro `window_predicate`
 * (dbt_project/macros/pipeline_window.sql) written in SQL: the two must pick the same rows.
 */
export function windowRowsSql(dialect: Dialect, rawTable: string, watermarkColumn = 'synced_at'): string {
  const column = `landed.${quoteIdent(watermarkColumn, dialect)}`;
  return `select count(*) as n, ${DIALECT_SQL[dialect].isoText(`max(${column})`)} as latest
from ${rawTable} as landed, ${OPS_TABLES.windows} as w
where w.source = ? and ${column} > coalesce(w.lower_bound, cast('1900-01-01' as ${DIALECT_SQL[dialect].timestamp})) and ${column} <= w.upper_bound`;
}
