import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RegisteredSource } from '@hcrm/contracts';
import { openDuckDbWarehouse, type Warehouse } from '@hcrm/warehouse';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  acquireWarehouseLock,
  deriveWatermarks,
  processLockOwner,
  processOwnerAlive,
  releaseWarehouseLock,
  tryWarehouseLock,
  warehouseLockHolder,
  writeWindows,
} from './orchestration';

const source = (name: string): RegisteredSource => ({
  definition: { name, description: name, rawTables: [], interfaces: [], watermarkColumn: 'synced_at', dbtPackage: `hcrm_source_${name}` },
  demoRows: () => ({}),
});

describe('warehouse lock and windows (real DuckDB file)', () => {
  let dir: string;
  let warehouse: Warehouse;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hcrm-ops-'));
    warehouse = await openDuckDbWarehouse({ path: join(dir, 'w.duckdb') });
  });
  afterEach(async () => {
    await warehouse.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const a = { workflowId: 'run-a', runId: '1', purpose: 'pipeline run' };
  const b = { workflowId: 'backfill-b', runId: '2', purpose: 'backfill' };

  it('lets one owner hold the warehouse; another waits (retryable) while the holder runs', async () => {
    await acquireWarehouseLock(warehouse, a, async () => true);
    await acquireWarehouseLock(warehouse, a, async () => true); // a retried acquire by the holder
    await expect(acquireWarehouseLock(warehouse, b, async () => true)).rejects.toMatchObject({
      type: 'WarehouseLocked',
      nonRetryable: false,
      message: expect.stringMatching(/^waiting for the warehouse: pipeline run run-a has held it since /),
    });
    await releaseWarehouseLock(warehouse, b); // not the holder: nothing happens
    await expect(acquireWarehouseLock(warehouse, b, async () => true)).rejects.toMatchObject({ type: 'WarehouseLocked' });
    await releaseWarehouseLock(warehouse, a);
    await acquireWarehouseLock(warehouse, b, async () => true);
  });

  it('takes over a lock whose holder no longer runs', async () => {
    await acquireWarehouseLock(warehouse, a, async () => true);
    await acquireWarehouseLock(warehouse, b, async (id) => id !== 'run-a');
    const [holder] = await warehouse.query('select owner_workflow_id from ops.warehouse_lock');
    expect(holder).toEqual({ owner_workflow_id: 'backfill-b' });
  });

  it('a command-line process holds the lock as its host and pid: a run waits while it lives and takes over once it is gone', async () => {
    const ingest = processLockOwner('hcrm ingest manual', 'import-1');
    expect(ingest.workflowId).toBe(`process:${hostname()}:${process.pid}`);
    expect(await tryWarehouseLock(warehouse, ingest, async () => true)).toBeUndefined();
    const never = async () => {
      throw new Error('a process holder is not asked of Temporal');
    };
    await expect(acquireWarehouseLock(warehouse, a, never)).rejects.toMatchObject({
      type: 'WarehouseLocked',
      message: expect.stringMatching(new RegExp(`^waiting for the warehouse: hcrm ingest manual \\(process ${hostname()}:${process.pid}\\) has held it since `)),
    });
    // A process that died holding it (no process has pid 2^22 + 1 here): the run takes over.
    const dead = processLockOwner('hcrm generate', 'gen-1', 4_194_305);
    expect(processOwnerAlive(dead.workflowId)).toBe(false);
    await releaseWarehouseLock(warehouse, ingest);
    expect(await tryWarehouseLock(warehouse, dead, async () => true)).toBeUndefined();
    await acquireWarehouseLock(warehouse, a, never);
    expect(await warehouseLockHolder(warehouse)).toMatchObject({ workflowId: 'run-a' });
    // The run holds it: the command gets the holder back, and nothing changes.
    expect(await tryWarehouseLock(warehouse, ingest, async () => true)).toMatchObject({ workflowId: 'run-a', purpose: 'pipeline run' });
    // A holder on another host cannot be asked: it counts as alive.
    expect(processOwnerAlive('process:some-other-host:1')).toBe(true);
  });

  it('writes one window per source, lower bound less the lookback, and refuses unknown sources', async () => {
    const sources = [source('gadget'), source('manual')];
    const windows = await writeWindows(
      warehouse,
      sources,
      { from: { manual: '2026-01-01T00:10:00.000Z' }, to: '2026-01-02T00:00:00.000Z', runId: 'r' },
      10,
    );
    // The sources here declare no raw tables: no landed rows in their windows.
    expect(windows).toEqual([
      { source: 'gadget', to: '2026-01-02T00:00:00.000Z', rows: 0 },
      { source: 'manual', from: '2026-01-01T00:10:00.000Z', to: '2026-01-02T00:00:00.000Z', rows: 0 },
    ]);
    expect(
      await warehouse.query(`select source, cast(lower_bound as varchar) as lower_bound, cast(upper_bound as varchar) as upper_bound from ops.pipeline_windows order by source`),
    ).toEqual([
      { source: 'gadget', lower_bound: null, upper_bound: '2026-01-02 00:00:00' },
      { source: 'manual', lower_bound: '2026-01-01 00:00:00', upper_bound: '2026-01-02 00:00:00' },
    ]);
    await expect(writeWindows(warehouse, sources, { sources: ['manul'], from: {}, to: '2026-01-02T00:00:00Z', runId: 'r' }, 0)).rejects.toMatchObject({
      type: 'UnknownSource',
      nonRetryable: true,
      message: 'unknown source "manul"; registered: gadget, manual; add one with `npx nx g @hcrm/nx-plugin:source <name>` (docs/sources.md)',
    });
  });

  it('derives watermarks from the core event log, or none when there is none', async () => {
    expect(await deriveWatermarks(warehouse)).toEqual({});
    await warehouse.execute('create schema core');
    await warehouse.execute('create table core.events (source varchar, synced_at timestamp)');
    await warehouse.execute(`insert into core.events values ('manual', '2026-03-01 10:00:00'), ('manual', '2026-03-02 11:30:00'), ('gadget', '2026-01-01 00:00:00')`);
    expect(await deriveWatermarks(warehouse)).toEqual({ gadget: '2026-01-01T00:00:00.000Z', manual: '2026-03-02T11:30:00.000Z' });
  });
});
