import { describe, expect, it } from 'vitest';
import { loadConfig } from './config';
import { duckDbPath } from './warehouse-config';

describe('loadConfig', () => {
  const root = '/checkout';

  it('keeps all state under <repo>/.hcrm by default', () => {
    const config = loadConfig({}, root);
    expect(config.stateDir).toBe('/checkout/.hcrm');
    expect(duckDbPath(config.warehouse)).toBe('/checkout/.hcrm/warehouse.duckdb');
    expect(config.temporal.dbFile).toBe('/checkout/.hcrm/temporal.sqlite');
    expect(config.dbt.targetPath).toBe('/checkout/.hcrm/dbt/target');
    expect(config.temporal.address).toBeUndefined();
  });

  it('moves every piece of state with HCRM_STATE_DIR alone', () => {
    const config = loadConfig({ HCRM_STATE_DIR: '/tmp/other' }, root);
    const statePaths = [
      config.logDir,
      duckDbPath(config.warehouse),
      config.temporal.dbFile,
      config.temporal.stackFile,
      config.dbt.targetPath,
      config.dbt.logPath,
    ];
    for (const path of statePaths) expect(path.startsWith('/tmp/other/')).toBe(true);
  });

  it('reads the Temporal address, namespace and venv from the environment', () => {
    const config = loadConfig(
      { TEMPORAL_ADDRESS: ' temporal.internal:7233 ', TEMPORAL_NAMESPACE: 'crm', HCRM_VENV: '/opt/venv' },
      root,
    );
    expect(config.temporal.address).toBe('temporal.internal:7233');
    expect(config.temporal.namespace).toBe('crm');
    expect(config.dbt.executable).toBe('/opt/venv/bin/dbt');
    expect(config.dbt.python).toBe('/opt/venv/bin/python');
    expect(config.dbt.session).toBe(true);
    expect(config.temporal.cliPath).toBe('/opt/venv/bin/temporal');
  });

  it('gives each state dir its own task queue unless HCRM_TASK_QUEUE says otherwise', () => {
    const a = loadConfig({ HCRM_STATE_DIR: '/tmp/a' }, root).temporal.taskQueue;
    const b = loadConfig({ HCRM_STATE_DIR: '/tmp/b' }, root).temporal.taskQueue;
    expect(a).toMatch(/^hcrm-pipeline-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(loadConfig({ HCRM_STATE_DIR: '/tmp/a' }, root).temporal.taskQueue).toBe(a);
    expect(loadConfig({ HCRM_STATE_DIR: '/tmp/a', HCRM_TASK_QUEUE: 'crm' }, root).temporal.taskQueue).toBe('crm');
  });

  it('names one watermark owner per warehouse, whatever the state dir or task queue', () => {
    const a = loadConfig({ HCRM_STATE_DIR: '/tmp/a' }, root).temporal.watermarkWorkflowId;
    expect(a).toMatch(/^hcrm-watermarks-duckdb-[0-9a-f]{8}$/);
    expect(loadConfig({ HCRM_STATE_DIR: '/tmp/b' }, root).temporal.watermarkWorkflowId).not.toBe(a);
    // Another state dir writing to the same file shares its owner.
    expect(loadConfig({ HCRM_STATE_DIR: '/tmp/b', HCRM_DUCKDB_PATH: '/tmp/a/warehouse.duckdb', HCRM_TASK_QUEUE: 'other' }, root).temporal.watermarkWorkflowId).toBe(a);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ TEMPORAL_ADDRESS: '' }, root).temporal.address).toBeUndefined();
  });
});
