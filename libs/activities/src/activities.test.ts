import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { discoverSources, duckDbPath, loadConfig, SOURCES_FOLDER, type HcrmConfig } from '@hcrm/config';
import { EMPTY_WATERMARK_STATE, type DbtLayerResult, type LandResult, type Layer, type RegisteredSource, type SourceWindow, type TableCount } from '@hcrm/contracts';
import { openDuckDbWarehouse } from '@hcrm/warehouse';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createActivities } from './activities';

const contacts: RegisteredSource = {
  definition: {
    name: 'demo',
    description: 'test source',
    rawTables: [{ name: 'demo_contacts_raw', columns: { id: 'string', email: 'string', synced_at: 'timestamp' }, key: ['id'] }],
    interfaces: [],
    watermarkColumn: 'synced_at',
    dbtPackage: 'hcrm_source_demo',
  },
  demoRows: () => ({
    demo_contacts_raw: [
      { id: 'c1', email: 'a@example.com', synced_at: '2026-01-01T00:00:00Z' },
      { id: 'c2', email: 'b@example.com', synced_at: '2026-01-02T00:00:00Z' },
    ],
  }),
};

const RAW: { layer: Layer } = { layer: 'raw' };

describe('pipeline activities (real DuckDB file)', () => {
  let stateDir: string;
  let config: HcrmConfig;
  const activitiesFor = (sources: RegisteredSource[], overrides: Partial<HcrmConfig> = {}) => {
    const effective = { ...config, ...overrides };
    return createActivities({
      config: effective,
      openWarehouse: () => openDuckDbWarehouse({ path: duckDbPath(effective.warehouse) }),
      sources,
      isRunning: async () => false,
      watermarkOwner: { read: async () => EMPTY_WATERMARK_STATE, advance: async () => Promise.reject(new Error('no run advances watermarks in these tests')) },
    });
  };

  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'hcrm-activities-'));
    config = loadConfig({ ...process.env, HCRM_STATE_DIR: stateDir, HCRM_DUCKDB_PATH: '' });
  });
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  it('lands demo rows once, however often it runs, and releases the file', async () => {
    const activities = activitiesFor([contacts]);
    const env = new MockActivityEnvironment();
    const first: LandResult = await env.run(activities.landDemoData);
    const second: LandResult = await env.run(activities.landDemoData);
    expect(first.tables).toEqual([{ table: 'demo_contacts_raw', rowsInserted: 2, rowsTotal: 2 }]);
    expect(second.tables).toEqual([{ table: 'demo_contacts_raw', rowsInserted: 0, rowsTotal: 2 }]);

    // The activity closed its handle: another process (here: a fresh instance) can write.
    const warehouse = await openDuckDbWarehouse({ path: duckDbPath(config.warehouse) });
    await warehouse.close();
  });

  it('reports zero rows for final tables that do not exist yet', async () => {
    const env = new MockActivityEnvironment();
    const counts: TableCount[] = await env.run(activitiesFor([]).summarizeFinalTables);
    expect(counts).toEqual([
      { table: 'persons', rows: 0 },
      { table: 'groups', rows: 0 },
      { table: 'memberships', rows: 0 },
      { table: 'identity_merges', rows: 0 },
    ]);
  });

  it('fails without retries, saying what to run, when dbt is not installed', async () => {
    const missing = { ...config.dbt, executable: join(stateDir, 'no-venv', 'bin', 'dbt') };
    const env = new MockActivityEnvironment();
    const attempt = env.run(activitiesFor([], { dbt: missing }).dbtBuild, RAW);
    await expect(attempt).rejects.toBeInstanceOf(ApplicationFailure);
    await expect(env.run(activitiesFor([], { dbt: missing }).dbtBuild, RAW)).rejects.toMatchObject({
      nonRetryable: true,
      type: 'DbtNotInstalled',
      message: expect.stringContaining('npm run setup'),
    });
  });

  it('runs real dbt for one layer and reports its models and tests', async () => {
      // All of them: dbt builds every source lib's package (the worker installs them all).
      const sources = await discoverSources(config.repoRoot);
      const activities = activitiesFor(sources);
      const env = new MockActivityEnvironment();
      await env.run(activities.landDemoData);
      // The windows the layer reads: every source, everything up to now.
      const windows = (await env.run(activities.setWindows, { from: {}, to: new Date().toISOString(), runId: 'test' })) as SourceWindow[];
      expect(windows.map((w) => w.source)).toEqual(sources.map((s) => s.definition.name));
      const raw: DbtLayerResult = await env.run(activities.dbtBuild, RAW);
      expect(raw.layer).toBe('raw');
      // One per raw model file of the source libs, in models/raw or a folder under it, but
      // the ephemeral ones (compiled into the models that use them, never run on their own).
      const rawModels = sources.flatMap(({ definition }) => {
        const folder = join(config.repoRoot, SOURCES_FOLDER, definition.name, 'dbt', 'models', 'raw');
        return readdirSync(folder, { recursive: true, encoding: 'utf8' })
          .filter((file) => file.endsWith('.sql'))
          .filter((file) => !/materialized\s*=\s*'ephemeral'/.test(readFileSync(join(folder, file), 'utf8')));
      });
      expect(raw.models).toBe(rawModels.length);
      expect(raw.tests).toBeGreaterThan(0);
      expect(raw.problems).toEqual([]);
      const warehouse = await openDuckDbWarehouse({ path: duckDbPath(config.warehouse), readOnly: true });
      try {
        expect(await warehouse.query('select count(*) as n from raw.gadget_shops')).toEqual([{ n: 8 }]);
      } finally {
        await warehouse.close();
      }
  });
});
