import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { dbtWarehouseEnv, sourceDbtPackages, type HcrmConfig } from '@hcrm/config';
import { dbtSourceList, OPS_TABLES, REPORTED_FINAL_TABLES, SCHEMAS, sharedIdentityTable, type Materialization, type DbtLayerResult, type Layer, type PipelineActivities, type RegisteredSource, type TableCount } from '@hcrm/contracts';
import { DbtError, endedBySignal, ensureDbtDeps, type DbtSession, problemNodes, runDbt, runResultsInvocation } from '@hcrm/dbt';
import { appliedTableRows, applyIdentityBatch, iterateComponents, prepareIdentityBatch, resetIdentity, stageMemberships } from '@hcrm/identity';
import { qualifiedName } from '@hcrm/sql';
import { countRows, ensureRawTable, WarehouseUnavailableError, type Warehouse } from '@hcrm/warehouse';
import { landDemoRows } from './land-demo-data';
import { dbtMaterializations, recordMaterializations, withTableRowCounts } from './materializations';
import {
  acquireWarehouseLock,
  checkSourceNames,
  deriveWatermarks,
  releaseWarehouseLock,
  writeWindows,
  type ExecutionLiveness,
  type WatermarkOwnerClient,
} from './orchestration';

export interface ActivityDependencies {
  config: HcrmConfig;
  /** Opens the warehouse for one unit of work; every activity closes what it opened. */
  openWarehouse: () => Promise<Warehouse>;
  sources: readonly RegisteredSource[];
  /** Whether a workflow execution still runs: a lock held by one that does not is taken over. */
  isRunning: ExecutionLiveness;
  /** The warehouse's watermark owner workflow (the worker reaches it through its Temporal client). */
  watermarkOwner: WatermarkOwnerClient;
  /** A long-lived dbt process for the dbt activities; without one each command starts dbt. */
  dbtSession?: DbtSession;
}

/**
 * Builds the pipeline's activities from their dependencies, so tests can hand in real or
 * fake ones. Every activity is idempotent: Temporal may run any of them twice.
 */
export function createActivities(deps: ActivityDependencies): PipelineActivities {
  const withWarehouse = async <T>(work: (warehouse: Warehouse) => Promise<T>, { heartbeat = true }: { heartbeat?: boolean } = {}): Promise<T> => {
    // Every activity that touches the warehouse says it is alive, so a worker that dies in
    // the middle is noticed within the workflow's heartbeat timeout, not its start-to-close.
    const stopHeartbeat = heartbeat ? keepAlive() : () => undefined;
    let warehouse: Warehouse;
    try {
      warehouse = await deps.openWarehouse();
    } catch (error) {
      stopHeartbeat();
      // A missing or misconfigured warehouse does not fix itself on retry.
      if (error instanceof WarehouseUnavailableError) throw nonRetryable(error.message, 'WarehouseUnavailable');
      throw error;
    }
    try {
      return await work(warehouse);
    } finally {
      stopHeartbeat();
      await warehouse.close();
    }
  };

  return {
    async landDemoData() {
      return withWarehouse(async (warehouse) => {
        const started = Date.now();
        const demoSources = deps.config.demoSources;
        if (demoSources) checkSourceNames(demoSources, deps.sources);
        const landed = await landDemoRows(warehouse, demoSources ? deps.sources.filter((s) => demoSources.includes(s.definition.name)) : deps.sources);
        const seconds = (Date.now() - started) / 1000;
        await recordMaterializations(
          warehouse,
          landed.tables.map((t) => ({ asset: `raw.${t.table}`, layer: 'raw', kind: 'source', status: 'success', rows: t.rowsInserted, seconds })),
        );
        return landed;
      });
    },

    async dbtBuild({ layer, fullRefresh }) {
      // A first attempt never continues an earlier invocation's results (see `dbt retry` below).
      if (Context.current().info.attempt === 1) rmSync(join(deps.config.dbt.targetPath, 'run_results.json'), { force: true });
      if (layer === 'raw') {
        // A registered source that has never landed anything still has (empty) raw tables,
        // so its models build instead of failing on a missing table.
        await withWarehouse(async (warehouse) => {
          for (const source of deps.sources) {
            for (const table of source.definition.rawTables) await ensureRawTable(warehouse, table);
          }
        });
      }
      return buildLayer(deps.config, layer, deps.sources, { fullRefresh: fullRefresh ?? false, session: deps.dbtSession }, (rows) =>
        withWarehouse(async (warehouse) => recordMaterializations(warehouse, await withTableRowCounts(warehouse, rows)), { heartbeat: false }),
      );
    },

    async acquireWarehouse(owner) {
      await withWarehouse((warehouse) => acquireWarehouseLock(warehouse, owner, deps.isRunning));
    },

    async releaseWarehouse(owner) {
      await withWarehouse((warehouse) => releaseWarehouseLock(warehouse, owner));
    },

    async readWatermarks() {
      const stopHeartbeat = keepAlive();
      try {
        return await deps.watermarkOwner.read();
      } finally {
        stopHeartbeat();
      }
    },

    async advanceWatermarks(advance) {
      // The Update waits for the owner's worker; heartbeats say this attempt is alive, and a
      // timed-out attempt stops waiting (its retry is de-duplicated by the owner).
      const context = Context.current();
      context.heartbeat();
      const timer = setInterval(() => context.heartbeat(), HEARTBEAT_INTERVAL_MS);
      try {
        return await deps.watermarkOwner.advance(advance, context.cancellationSignal);
      } finally {
        clearInterval(timer);
      }
    },

    async deriveWatermarks() {
      return withWarehouse((warehouse) => deriveWatermarks(warehouse));
    },

    async setWindows(input) {
      return withWarehouse(async (warehouse) => {
        const windows = await writeWindows(warehouse, deps.sources, input, deps.config.project.pipeline.lookbackMinutes);
        await recordMaterializations(warehouse, [{ asset: OPS_TABLES.windows, layer: 'ops', kind: 'activity', status: 'success', rows: windows.length }]);
        return windows;
      });
    },

    async checkSources({ sources }) {
      checkSourceNames(sources, deps.sources);
    },

    async identityReset() {
      await withWarehouse((warehouse) => resetIdentity(warehouse));
    },

    async identityPrepare({ entityType, runId }) {
      return withWarehouse((warehouse) => prepareIdentityBatch(warehouse, deps.config.project.identity, entityType, runId, { lookbackMinutes: deps.config.project.pipeline.lookbackMinutes }));
    },

    async identityIterate({ entityType, maxSeconds }) {
      const context = Context.current();
      let state = { entityType, round: 0, changed: 0 };
      // Heartbeat on a timer too: one round over a large graph may take longer than the
      // heartbeat timeout, and a retry must not start while this attempt still writes.
      const timer = setInterval(() => context.heartbeat(state), HEARTBEAT_INTERVAL_MS);
      try {
        return await withWarehouse(
          (warehouse) =>
            iterateComponents(warehouse, entityType, {
              maxSeconds,
              onRound: (round, changed) => {
                state = { entityType, round, changed };
                context.heartbeat(state);
              },
            }),
          { heartbeat: false },
        );
      } finally {
        clearInterval(timer);
      }
    },

    async identityApply({ entityType, runId, iterations }) {
      return withWarehouse(async (warehouse) => {
        const started = Date.now();
        const applied = await applyIdentityBatch(warehouse, deps.config.project.identity[entityType], entityType, runId, iterations);
        const seconds = (Date.now() - started) / 1000;
        await recordMaterializations(
          warehouse,
          appliedTableRows(entityType, applied).map(([asset, rows]) => ({ asset, layer: 'identity', kind: 'activity', status: 'success', rows, seconds })),
        );
        return applied;
      });
    },

    async identityMemberships({ runId }) {
      return withWarehouse(async (warehouse) => {
        const staged = await stageMemberships(warehouse, deps.config.project.identity, runId, { lookbackMinutes: deps.config.project.pipeline.lookbackMinutes });
        await recordMaterializations(warehouse, [
          { asset: sharedIdentityTable('membership_observations'), layer: 'identity', kind: 'activity', status: 'success', rows: staged.rows },
        ]);
        return staged;
      });
    },

    async summarizeFinalTables(): Promise<TableCount[]> {
      return withWarehouse(async (warehouse) => {
        const counts: TableCount[] = [];
        for (const table of REPORTED_FINAL_TABLES) {
          const exists = await warehouse.tableExists(SCHEMAS.crm, table);
          counts.push({ table, rows: exists ? await countRows(warehouse, qualifiedName(SCHEMAS.crm, table, warehouse.dialect)) : 0 });
        }
        return counts;
      });
    },
  };
}

/**
 * Runs `dbt build --select tag:<layer>` while heartbeating dbt's latest output line. The
 * worker holds no DuckDB handle here: the other activities close theirs before returning.
 */
async function buildLayer(
  config: HcrmConfig,
  layer: Layer,
  sources: readonly RegisteredSource[],
  { fullRefresh, session }: { fullRefresh: boolean; session: DbtSession | undefined },
  record: (rows: Materialization[]) => Promise<void>,
): Promise<DbtLayerResult> {
  const context = Context.current();
  // HCRM_PIPELINE_WINDOWS: models read the windows the run fixed in ops.pipeline_windows.
  const dbtEnv = {
    ...dbtWarehouseEnv(config.warehouse),
    HCRM_SOURCES: dbtSourceList(sources.map((s) => s.definition)),
    HCRM_PIPELINE_WINDOWS: '1',
    HCRM_LOOKBACK_MINUTES: String(config.project.pipeline.lookbackMinutes),
  };
  const dbtPaths = {
    executable: config.dbt.executable,
    projectDir: config.dbt.projectDir,
    profilesDir: config.dbt.profilesDir,
    targetPath: config.dbt.targetPath,
    logPath: config.dbt.logPath,
    env: dbtEnv,
    signal: context.cancellationSignal,
    session,
  };
  let lastLine = '';
  const heartbeat = setInterval(() => context.heartbeat({ layer, lastLine }), HEARTBEAT_INTERVAL_MS);
  try {
    await ensureDbtDeps({ ...config.dbt, env: dbtEnv, packages: sourceDbtPackages(config.repoRoot) });
    // A retried attempt re-runs only what failed or was skipped in this layer's last build.
    const retry = context.info.attempt > 1 && previousBuildOf(config.dbt.targetPath, layer);
    const outcome = await runDbt({
      ...dbtPaths,
      args: retry ? ['retry'] : ['build', '--select', `tag:${layer}`, ...(fullRefresh ? ['--full-refresh'] : [])],
      keepPreviousResults: retry,
      onLine: (line) => {
        lastLine = line;
      },
    });
    const problems = problemNodes(outcome.nodes);
    const result: DbtLayerResult = {
      layer,
      models: outcome.nodes.filter((node) => node.resourceType === 'model').length,
      tests: outcome.nodes.filter((node) => node.resourceType === 'test').length,
      problems,
      seconds: Math.round(outcome.seconds * 10) / 10,
      nodes: outcome.nodes,
      ...(retry ? { retried: true } : {}),
    };
    await record(dbtMaterializations(config.dbt.targetPath, layer, outcome.nodes)).catch(() => undefined);
    if (outcome.exitCode === 0) return result;
    if (endedBySignal(outcome.exitCode)) {
      // Killed from outside (by hand, out of memory, its worker's restart): the layer's
      // models are incremental or rebuilt whole, so building it again is safe.
      throw ApplicationFailure.retryable(`dbt was killed while building layer "${layer}"; the layer is built again. dbt log: ${config.dbt.logPath}/dbt.log`, 'DbtInterrupted');
    }
    const failed = problems.filter((node) => node.status === 'error' || node.status === 'fail');
    const failedTests = failed.filter((node) => node.resourceType === 'test' && node.status === 'fail');
    let stored = '';
    if (failedTests.length) {
      // The failing rows of each failed test (an asset check), kept for inspection.
      const names = failedTests.map((node) => node.uniqueId.split('.').at(-2) ?? node.uniqueId);
      const kept = await runDbt({ ...dbtPaths, args: ['test', '--select', ...names, '--store-failures'] }).catch(() => undefined);
      if (kept) stored = ` Failing rows kept in ${names.map((name) => `dbt_test__audit.${name}`).join(', ')}.`;
    }
    const reason = failed.length
      ? failed.map((node) => `${node.uniqueId}: ${node.message ?? node.status}${node.failures ? ` (${node.failures} failing rows)` : ''}`).join('; ')
      : outcome.tail.slice(-5).join(' | ');
    const busy = /could not set lock|conflicting lock/i.test(outcome.tail.join('\n'));
    const message = `dbt build of layer "${layer}" failed (exit ${outcome.exitCode}): ${reason}.${stored} dbt log: ${config.dbt.logPath}/dbt.log`;
    // A held file lock clears when the other writer finishes; a failing model or test does not.
    if (busy) throw ApplicationFailure.retryable(message, 'WarehouseBusy');
    throw nonRetryable(message, 'DbtBuildFailed', result);
  } catch (error) {
    if (error instanceof DbtError && error.kind === 'not-installed') throw nonRetryable(error.message, 'DbtNotInstalled');
    throw error;
  } finally {
    clearInterval(heartbeat);
  }
}

/** Whether the last dbt invocation was this layer's build (so `dbt retry` would repeat it). */
function previousBuildOf(targetPath: string, layer: Layer): boolean {
  const file = join(targetPath, 'run_results.json');
  if (!existsSync(file)) return false;
  try {
    const invocation = runResultsInvocation(readFileSync(file, 'utf8'));
    return invocation.which === 'build' && invocation.select.includes(`tag:${layer}`);
  } catch {
    return false;
  }
}

/** How often an activity heartbeats; the workflow's heartbeat timeouts are several of these. */
const HEARTBEAT_INTERVAL_MS = 5000;

/** Heartbeats on a timer while an activity works (nothing outside an activity, as in unit tests); returns the stop. */
function keepAlive(): () => void {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return () => undefined;
  }
  context.heartbeat();
  const timer = setInterval(() => context.heartbeat(), HEARTBEAT_INTERVAL_MS);
  return () => clearInterval(timer);
}

function nonRetryable(message: string, type: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({ message, type, nonRetryable: true, details: details ? [details] : [] });
}
