import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { HcrmConfig } from '@hcrm/config';
import { dbtSourceList, type DbtLayerResult, type Layer, type PipelineActivities, type RegisteredSource, type TableCount } from '@hcrm/core';
import { DbtError, ensureDbtDeps, problemNodes, runDbt } from '@hcrm/dbt';
import { qualifiedName } from '@hcrm/sql';
import { countRows, ensureRawTable, WarehouseUnavailableError, type Warehouse } from '@hcrm/warehouse';
import { applyIdentityBatch, iterateComponents, prepareIdentityBatch, resetIdentity, stageMemberships } from './identity';
import { landDemoRows } from './land-demo-data';

/** The final tables a run reports on, in the order they are printed (schema `final`). */
export const FINAL_TABLES = ['persons', 'groups', 'memberships', 'identity_merges'] as const;
export const FINAL_SCHEMA = 'crm';

export interface ActivityDependencies {
  config: HcrmConfig;
  /** Opens the warehouse for one unit of work; every activity closes what it opened. */
  openWarehouse: () => Promise<Warehouse>;
  sources: readonly RegisteredSource[];
}

/**
 * Builds the pipeline's activities from their dependencies, so tests can hand in real or
 * fake ones. Every activity is idempotent: Temporal may run any of them twice.
 */
export function createActivities(deps: ActivityDependencies): PipelineActivities {
  const withWarehouse = async <T>(work: (warehouse: Warehouse) => Promise<T>): Promise<T> => {
    let warehouse: Warehouse;
    try {
      warehouse = await deps.openWarehouse();
    } catch (error) {
      // A missing or misconfigured warehouse does not fix itself on retry.
      if (error instanceof WarehouseUnavailableError) throw nonRetryable(error.message, 'WarehouseUnavailable');
      throw error;
    }
    try {
      return await work(warehouse);
    } finally {
      await warehouse.close();
    }
  };

  return {
    async landDemoData() {
      return withWarehouse((warehouse) => landDemoRows(warehouse, deps.sources));
    },

    async dbtBuild({ layer, fullRefresh }) {
      if (layer === 'raw') {
        // A registered source that has never landed anything still has (empty) raw tables,
        // so its models build instead of failing on a missing table.
        await withWarehouse(async (warehouse) => {
          for (const source of deps.sources) {
            for (const table of source.definition.rawTables) await ensureRawTable(warehouse, table);
          }
        });
      }
      return buildLayer(deps.config, layer, dbtSourceList(deps.sources.map((s) => s.definition)), fullRefresh ?? false);
    },

    async identityReset() {
      await withWarehouse((warehouse) => resetIdentity(warehouse));
    },

    async identityPrepare({ entityType, runId }) {
      return withWarehouse((warehouse) => prepareIdentityBatch(warehouse, deps.config.project.identity, entityType, runId));
    },

    async identityIterate({ entityType, maxSeconds }) {
      const context = Context.current();
      return withWarehouse((warehouse) =>
        iterateComponents(warehouse, entityType, {
          maxSeconds,
          onRound: (round, changed) => context.heartbeat({ entityType, round, changed }),
        }),
      );
    },

    async identityApply({ entityType, runId, iterations }) {
      return withWarehouse((warehouse) =>
        applyIdentityBatch(warehouse, deps.config.project.identity[entityType], entityType, runId, iterations),
      );
    },

    async identityMemberships({ runId }) {
      return withWarehouse((warehouse) => stageMemberships(warehouse, deps.config.project.identity, runId));
    },

    async summarizeFinalTables(): Promise<TableCount[]> {
      return withWarehouse(async (warehouse) => {
        const counts: TableCount[] = [];
        for (const table of FINAL_TABLES) {
          const exists = await warehouse.tableExists(FINAL_SCHEMA, table);
          counts.push({ table, rows: exists ? await countRows(warehouse, qualifiedName(FINAL_SCHEMA, table)) : 0 });
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
async function buildLayer(config: HcrmConfig, layer: Layer, sourceList: string, fullRefresh: boolean): Promise<DbtLayerResult> {
  const context = Context.current();
  const dbtEnv = { HCRM_DUCKDB_PATH: config.warehouse.path, HCRM_SOURCES: sourceList };
  let lastLine = '';
  const heartbeat = setInterval(() => context.heartbeat({ layer, lastLine }), 5000);
  try {
    await ensureDbtDeps({ ...config.dbt, env: dbtEnv });
    const outcome = await runDbt({
      executable: config.dbt.executable,
      projectDir: config.dbt.projectDir,
      profilesDir: config.dbt.profilesDir,
      targetPath: config.dbt.targetPath,
      logPath: config.dbt.logPath,
      args: ['build', '--select', `tag:${layer}`, ...(fullRefresh ? ['--full-refresh'] : [])],
      env: dbtEnv,
      signal: context.cancellationSignal,
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
    };
    if (outcome.exitCode === 0) return result;
    const failed = problems.filter((node) => node.status === 'error' || node.status === 'fail');
    const reason = failed.length
      ? failed.map((node) => `${node.uniqueId}: ${node.message ?? node.status}`).join('; ')
      : outcome.tail.slice(-5).join(' | ');
    const busy = /could not set lock|conflicting lock/i.test(outcome.tail.join('\n'));
    const message = `dbt build of layer "${layer}" failed (exit ${outcome.exitCode}): ${reason}. dbt log: ${config.dbt.logPath}/dbt.log`;
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

function nonRetryable(message: string, type: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({ message, type, nonRetryable: true, details: details ? [details] : [] });
}
