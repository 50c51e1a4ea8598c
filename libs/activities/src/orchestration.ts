import { hostname } from 'node:os';
import { ADD_SOURCE_HINT } from '@hcrm/config';
import { ApplicationFailure } from '@temporalio/common';
import { OPS_TABLES, RAW_SCHEMA, SCHEMAS, type LockOwner, type RegisteredSource, type SourceWindow, type WatermarkAdvance, type WatermarkMap, type WatermarkState, type WindowsInput } from '@hcrm/contracts';
import { createOpsTablesSql, DIALECT_SQL, nowSql, rawTableName, replaceWindowsSql, windowRowsSql } from '@hcrm/sql';
import type { Warehouse } from '@hcrm/warehouse';

/** Answers whether a workflow execution is still running (the worker asks its Temporal server). */
export type ExecutionLiveness = (workflowId: string, runId: string) => Promise<boolean>;

/** Reads and advances the warehouse's watermark owner workflow (the worker's Temporal client). */
export interface WatermarkOwnerClient {
  read(): Promise<WatermarkState>;
  /** Fails non-retryably (`WatermarksMoved`) when the owner refuses the advance; `signal` abandons the wait. */
  advance(advance: WatermarkAdvance, signal?: AbortSignal): Promise<WatermarkState>;
}

const LOCK_NAME = 'pipeline';

export async function ensureOpsTables(warehouse: Warehouse): Promise<void> {
  for (const statement of createOpsTablesSql(warehouse.dialect)) await warehouse.execute(statement);
}

/** Who holds the warehouse lock, and since when (UTC text). */
export interface LockHolder extends LockOwner {
  acquiredAt: string;
}

/**
 * The lock owner of a command-line process that writes raw rows (`hcrm ingest`, `hcrm
 * generate`): its id names the host and process, so a run waiting for it can tell whether it
 * still lives.
 */
export function processLockOwner(purpose: string, runId: string, pid = process.pid, host = hostname()): LockOwner {
  return { workflowId: `${PROCESS_OWNER_PREFIX}${host}:${pid}`, runId, purpose };
}

const PROCESS_OWNER_PREFIX = 'process:';

/**
 * Whether a process owner (processLockOwner) still lives: on this host, whether its process
 * does; on another host we cannot tell, so it does.
 */
export function processOwnerAlive(workflowId: string): boolean {
  const [host, pid] = workflowId.slice(PROCESS_OWNER_PREFIX.length).split(/:(?=\d+$)/);
  if (host !== hostname()) return true;
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The holder of the warehouse lock, if anyone holds it. */
export async function warehouseLockHolder(warehouse: Warehouse): Promise<LockHolder | undefined> {
  await ensureOpsTables(warehouse);
  const [holder] = await warehouse.query<{ owner_workflow_id: string; owner_run_id: string; purpose: string; acquired_at: string }>(
    `select owner_workflow_id, owner_run_id, purpose, ${DIALECT_SQL[warehouse.dialect].timestampText('acquired_at')} as acquired_at from ${OPS_TABLES.lock} where lock_name = ?`,
    [LOCK_NAME],
  );
  return holder ? { workflowId: holder.owner_workflow_id, runId: holder.owner_run_id, purpose: holder.purpose, acquiredAt: holder.acquired_at } : undefined;
}

/** Whether a holder still works: a workflow execution that runs, or a process that lives. */
export async function holderIsActive(holder: LockOwner, isRunning: ExecutionLiveness): Promise<boolean> {
  if (holder.workflowId.startsWith(PROCESS_OWNER_PREFIX)) return processOwnerAlive(holder.workflowId);
  return isRunning(holder.workflowId, holder.runId);
}

/** What someone waiting for the warehouse is told about its holder. */
export function describeHolder(holder: LockHolder): string {
  const who = holder.workflowId.startsWith(PROCESS_OWNER_PREFIX)
    ? `${holder.purpose} (process ${holder.workflowId.slice(PROCESS_OWNER_PREFIX.length)})`
    : `${holder.purpose} ${holder.workflowId}`;
  return `${who} has held it since ${holder.acquiredAt} UTC`;
}

/**
 * Takes the warehouse for `owner` if nobody active holds it, and returns undefined; otherwise
 * returns the active holder. A holder that is no longer active (a terminated run, a run whose
 * history is gone, a killed `hcrm ingest`) loses the lock, so a crash never blocks the
 * warehouse for good. Taking it again as the same owner (a retried activity) succeeds.
 */
export async function tryWarehouseLock(warehouse: Warehouse, owner: LockOwner, isRunning: ExecutionLiveness): Promise<LockHolder | undefined> {
  const holder = await warehouseLockHolder(warehouse);
  if (holder && !(holder.workflowId === owner.workflowId && holder.runId === owner.runId)) {
    if (await holderIsActive(holder, isRunning)) return holder;
  }
  await warehouse.transaction(async () => {
    await warehouse.execute(`delete from ${OPS_TABLES.lock} where lock_name = ?`, [LOCK_NAME]);
    await warehouse.execute(
      `insert into ${OPS_TABLES.lock} values (?, ?, ?, ?, ${nowSql(warehouse.dialect)})`,
      [LOCK_NAME, owner.workflowId, owner.runId, owner.purpose],
    );
  });
  return undefined;
}

/** Takes the warehouse for a run or backfill, or fails retryably (`WarehouseLocked`) while an active holder has it. */
export async function acquireWarehouseLock(warehouse: Warehouse, owner: LockOwner, isRunning: ExecutionLiveness): Promise<void> {
  const holder = await tryWarehouseLock(warehouse, owner, isRunning);
  if (holder) throw ApplicationFailure.create({ type: 'WarehouseLocked', message: `waiting for the warehouse: ${describeHolder(holder)}` });
}

/** Gives the warehouse back; does nothing if `owner` does not hold it (any more). */
export async function releaseWarehouseLock(warehouse: Warehouse, owner: LockOwner): Promise<void> {
  await ensureOpsTables(warehouse);
  await warehouse.execute(`delete from ${OPS_TABLES.lock} where lock_name = ? and owner_workflow_id = ? and owner_run_id = ?`, [
    LOCK_NAME,
    owner.workflowId,
    owner.runId,
  ]);
}

/** Fails non-retryably, naming the registered sources, when a name is not one of them. */
export function checkSourceNames(names: readonly string[], sources: readonly RegisteredSource[]): void {
  const known = sources.map((s) => s.definition.name);
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length) {
    throw ApplicationFailure.nonRetryable(
      `unknown source${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}; registered: ${known.join(', ')}; ${ADD_SOURCE_HINT}`,
      'UnknownSource',
    );
  }
}

/**
 * Writes this run's windows (ops.pipeline_windows), which every dbt model of the raw, source
 * and core layers reads: each source's rows with synced_at in (from - lookback, to].
 */
export async function writeWindows(
  warehouse: Warehouse,
  sources: readonly RegisteredSource[],
  input: WindowsInput,
  defaultLookbackMinutes: number,
): Promise<SourceWindow[]> {
  const names = input.sources ?? sources.map((s) => s.definition.name);
  checkSourceNames(names, sources);
  const windows: SourceWindow[] = names.map((source) => ({
    source,
    ...(input.from[source] ? { from: input.from[source] } : {}),
    to: input.to,
  }));
  await ensureOpsTables(warehouse);
  await warehouse.transaction(async () => {
    for (const statement of replaceWindowsSql(warehouse.dialect, windows, input.lookbackMinutes ?? defaultLookbackMinutes, input.runId)) await warehouse.execute(statement);
  });
  // How many landed rows each window holds, and the latest synced_at among them: what the
  // run (or backfill chunk) reprocesses, and where the source's next window starts.
  for (const window of windows) {
    const source = sources.find((s) => s.definition.name === window.source);
    let rows = 0;
    let latest: string | undefined;
    for (const table of source?.definition.rawTables ?? []) {
      if (!source || !(await warehouse.tableExists(RAW_SCHEMA, table.name))) continue;
      const sql = windowRowsSql(warehouse.dialect, rawTableName(table, warehouse.dialect), source.definition.watermarkColumn);
      const [row] = await warehouse.query<{ n: number; latest: string | null }>(sql, [window.source]);
      rows += Number(row?.n ?? 0);
      if (row?.latest && (!latest || row.latest > latest)) latest = row.latest;
    }
    window.rows = rows;
    if (latest) window.latest = latest;
  }
  return windows;
}

/**
 * Seeds a watermark owner that was never advanced (a warehouse built before it, or whose
 * Temporal history is gone): per source, the latest `synced_at` every core table already
 * holds. Nothing is skipped: rows after it are in the next window.
 */
export async function deriveWatermarks(warehouse: Warehouse): Promise<WatermarkMap> {
  // The smallest of the per-source maxima over the core tables: a run that built core.events
  // but failed before the other core models leaves their rows to the next window.
  const tables = ['events', 'person_identifiers', 'person_traits', 'group_identifiers', 'group_traits', 'membership_identifiers'];
  const present: string[] = [];
  for (const table of tables) if (await warehouse.tableExists(SCHEMAS.core, table)) present.push(table);
  if (!present.includes('events')) return {};
  const maxima = present.map((table) => `select source, max(synced_at) as newest from ${SCHEMAS.core}.${table} group by source`).join(' union all ');
  const rows = await warehouse.query<{ source: string; watermark: string }>(
    `select source, ${DIALECT_SQL[warehouse.dialect].isoText('min(newest)')} as watermark
    from (${maxima}) as per_table
    where source in (select distinct source from ${SCHEMAS.core}.events)
    group by source order by source`,
  );
  return Object.fromEntries(rows.filter((r) => r.watermark).map((r) => [r.source, r.watermark]));
}
