import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { loadProjectConfig, type ProjectConfig } from './project-config';
import { findRepoRoot } from './repo-root';
import { resolveWarehouseSettings, type WarehouseSettings } from './warehouse-config';

/** Default local ports; `hcrm up` and `hcrm run` fall back to free ports when these are taken. */
export const DEFAULT_TEMPORAL_PORT = 7233;
export const DEFAULT_TEMPORAL_UI_PORT = 8233;
/** Prefix of the default task queue; the rest is derived from the state dir (see loadConfig). */
export const TASK_QUEUE_PREFIX = 'hcrm-pipeline';

/**
 * Everything a process of the project needs to find its state, tools and servers. Built from
 * the environment and the committed project config (hcrm.yml); no secrets live here (warehouse credentials stay in the environment
 * of the worker and are read by the warehouse adapter itself).
 */
export interface HcrmConfig {
  repoRoot: string;
  /** Holds the DuckDB warehouse, Temporal's SQLite file, dbt's artifacts and logs. `HCRM_STATE_DIR`. */
  stateDir: string;
  logDir: string;
  /** `HCRM_WAREHOUSE` (or hcrm.yml `warehouse.type`) and the warehouse's non-secret settings. */
  warehouse: WarehouseSettings;
  /** The project's Python virtualenv with dbt and the temporal CLI. `HCRM_VENV`. */
  venvDir: string;
  dbt: {
    executable: string;
    projectDir: string;
    profilesDir: string;
    targetPath: string;
    logPath: string;
    /** The venv's Python, which runs the worker's long-lived dbt process. */
    python: string;
    /**
     * Whether the worker keeps one dbt process for its commands (no start-up cost per layer).
     * `HCRM_DBT_SESSION=0` runs every command as its own `dbt` process instead.
     */
    session: boolean;
  };
  temporal: {
    /** host:port of the frontend; from `TEMPORAL_ADDRESS` when set. */
    address?: string;
    namespace: string;
    taskQueue: string;
    /**
     * Workflow id of the warehouse's watermark owner (workflow `watermarkOwner`): one per
     * warehouse, so every checkout or worker writing to the same warehouse shares it.
     */
    watermarkWorkflowId: string;
    cliPath: string;
    /** SQLite file of the local dev server, so history survives restarts. */
    dbFile: string;
    /** Where a running local stack of this state dir records its address (see `hcrm up`). */
    stackFile: string;
  };
  /** The committed project config (`HCRM_CONFIG` or `<repo>/hcrm.yml`): identity resolution settings. */
  project: ProjectConfig;
  /**
   * The sources whose demo rows `hcrm run` lands (default: every source). `HCRM_DEMO_SOURCES`,
   * a comma-separated list: a demo world pinned to some sources stays the same when others are added.
   */
  demoSources?: string[];
}

export type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env, repoRoot: string = findRepoRoot()): HcrmConfig {
  const stateDir = resolve(nonEmpty(env.HCRM_STATE_DIR) ?? join(repoRoot, '.hcrm'));
  const venvDir = resolve(nonEmpty(env.HCRM_VENV) ?? join(repoRoot, '.venv'));
  const dbtState = join(stateDir, 'dbt');
  const project = loadProjectConfig(env, repoRoot);
  const warehouse = resolveWarehouseSettings(env, project.warehouse, stateDir);
  return {
    repoRoot,
    stateDir,
    logDir: join(stateDir, 'logs'),
    warehouse,
    venvDir,
    dbt: {
      executable: join(venvDir, 'bin', 'dbt'),
      projectDir: join(repoRoot, 'dbt_project'),
      profilesDir: join(repoRoot, 'dbt_project'),
      targetPath: join(dbtState, 'target'),
      logPath: join(dbtState, 'logs'),
      python: join(venvDir, 'bin', 'python'),
      session: nonEmpty(env.HCRM_DBT_SESSION) !== '0',
    },
    temporal: {
      address: nonEmpty(env.TEMPORAL_ADDRESS),
      namespace: nonEmpty(env.TEMPORAL_NAMESPACE) ?? 'default',
      // One queue per state dir: on a shared Temporal server, a run of one checkout must never
      // be picked up by the worker of another, which writes to its own warehouse.
      taskQueue: nonEmpty(env.HCRM_TASK_QUEUE) ?? `${TASK_QUEUE_PREFIX}-${shortHash(stateDir)}`,
      watermarkWorkflowId: `hcrm-watermarks-${warehouse.kind}-${shortHash(warehouseIdentity(warehouse))}`,
      cliPath: join(venvDir, 'bin', 'temporal'),
      dbFile: join(stateDir, 'temporal.sqlite'),
      stackFile: join(stateDir, 'stack.json'),
    },
    project,
    ...(nonEmpty(env.HCRM_DEMO_SOURCES) ? { demoSources: (env.HCRM_DEMO_SOURCES as string).split(',').map((name) => name.trim()).filter(Boolean) } : {}),
  };
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/**
 * What names one warehouse: the DuckDB file; the Snowflake account and database; the BigQuery
 * project; with the endpoint when it is not the cloud's own (a stand-in is another warehouse).
 */
function warehouseIdentity(warehouse: WarehouseSettings): string {
  if (warehouse.kind === 'duckdb') return resolve(warehouse.path);
  if (warehouse.kind === 'snowflake') {
    const endpoint = warehouse.host ? `@${warehouse.host}:${warehouse.port ?? ''}` : '';
    return `${warehouse.account.toLowerCase()}/${warehouse.database.toLowerCase()}${endpoint}`;
  }
  return `${warehouse.projectId}${warehouse.apiEndpoint ? `@${warehouse.apiEndpoint}` : ''}`;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
