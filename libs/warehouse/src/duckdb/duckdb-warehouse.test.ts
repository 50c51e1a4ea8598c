import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WarehouseBusyError, WarehouseUnavailableError } from '../warehouse';
import { openDuckDbWarehouse } from './duckdb-warehouse';

/** Opens the file read-write in another process and keeps it open, like a running worker. */
const HOLD_FILE_SCRIPT = `
import { DuckDBInstance } from '@duckdb/node-api';
const instance = await DuckDBInstance.create(process.argv[1]);
await (await instance.connect()).run('create table held (id integer)');
console.log('ready');
setInterval(() => {}, 1000);
`;

describe('DuckDB warehouse (real file)', () => {
  let dir: string;
  let path: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hcrm-duckdb-'));
    path = join(dir, 'warehouse.duckdb');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }));

  it('round-trips rows with JSON-safe values', async () => {
    const warehouse = await openDuckDbWarehouse({ path });
    try {
      await warehouse.execute(`create table t (id varchar, n bigint, seen_at timestamp, zip varchar)`);
      await warehouse.execute(`insert into t values (?, ?, ?::timestamp, ?)`, ['a', 42, '2026-01-02 03:04:05', '00123']);
      const rows = await warehouse.query('select * from t');
      expect(rows).toEqual([{ id: 'a', n: 42, seen_at: '2026-01-02T03:04:05.000Z', zip: '00123' }]);
      expect(await warehouse.tableExists('main', 't')).toBe(true);
      expect(await warehouse.tableExists('main', 'missing')).toBe(false);
      expect(await warehouse.tableExists('raw', 't')).toBe(false);
    } finally {
      await warehouse.close();
    }
  });

  it('rolls a failed transaction back', async () => {
    const warehouse = await openDuckDbWarehouse({ path });
    try {
      await warehouse.execute('create table t (id integer)');
      await expect(
        warehouse.transaction(async () => {
          await warehouse.execute('insert into t values (1)');
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await warehouse.query('select count(*) as n from t')).toEqual([{ n: 0 }]);
    } finally {
      await warehouse.close();
    }
  });

  it('bulk-loads rows through a staging table and cleans it up', async () => {
    const warehouse = await openDuckDbWarehouse({ path });
    try {
      await warehouse.execute('create table t (id varchar, n bigint, ok boolean, seen_at timestamp)');
      const rows = Array.from({ length: 1000 }, (_, i) => [`r${i}`, i, i % 2 === 0, i === 0 ? null : '2026-01-02T03:04:05Z']);
      await warehouse.bulkInsert(['id', 'n', 'ok', 'seen_at'], rows, (staging) => `insert into t select * from ${staging}`);
      expect(await warehouse.query('select count(*) as n, sum(n) as total, count(seen_at) as seen, count(*) filter (where ok) as ok from t')).toEqual([
        { n: 1000, total: 499500, seen: 999, ok: 500 },
      ]);
      expect(await warehouse.query("select count(*) as n from duckdb_tables() where table_name like 'hcrm_staging_%'")).toEqual([{ n: 0 }]);

      // Inside a transaction, a failed move leaves nothing behind.
      await expect(
        warehouse.transaction(() =>
          warehouse.bulkInsert(['id'], [['x']], (staging) => `insert into t (n) select cast(id as bigint) from ${staging}`),
        ),
      ).rejects.toThrow(/Conversion Error|Could not convert/);
      expect(await warehouse.query('select count(*) as n from t')).toEqual([{ n: 1000 }]);
    } finally {
      await warehouse.close();
    }
  });

  it('opens read-only and refuses writes', async () => {
    const writer = await openDuckDbWarehouse({ path });
    await writer.execute('create table t (id integer)');
    await writer.close();
    await writer.close(); // closing twice is harmless

    const reader = await openDuckDbWarehouse({ path, readOnly: true });
    try {
      await expect(reader.execute('insert into t values (1)')).rejects.toThrow(/read-only/i);
    } finally {
      await reader.close();
    }
  });

  it('resolves names in the search path schemas that exist, and can forbid file access', async () => {
    const writer = await openDuckDbWarehouse({ path });
    await writer.execute('create schema crm');
    await writer.execute('create table crm.persons (id integer)');
    await writer.close();
    const reader = await openDuckDbWarehouse({ path, readOnly: true, noExternalAccess: true, searchPath: ['crm', 'core', 'main'] });
    try {
      expect(await reader.query('select count(*) as n from persons')).toEqual([{ n: 0 }]);
      await expect(reader.execute(`copy (select 1) to '${join(dir, 'out.csv')}'`)).rejects.toThrow(/disabled|external/i);
    } finally {
      await reader.close();
    }
  });

  it('says plainly when there is no warehouse yet', async () => {
    await expect(openDuckDbWarehouse({ path, readOnly: true })).rejects.toThrow(WarehouseUnavailableError);
    await expect(openDuckDbWarehouse({ path, readOnly: true })).rejects.toThrow(/hcrm run/);
  });

  it('reports a file held by another process as busy, naming the file', async () => {
    const holder = spawn(
      process.execPath,
      ['--input-type=module', '-e', HOLD_FILE_SCRIPT, path],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
        holder.on('exit', (code) => reject(new Error(`holder exited early with ${code}`)));
      });
      const attempt = openDuckDbWarehouse({ path, readOnly: true });
      await expect(attempt).rejects.toThrow(WarehouseBusyError);
      await expect(openDuckDbWarehouse({ path, readOnly: true })).rejects.toThrow(path);
    } finally {
      // Wait for the holder to go: removing the folder while it still runs races its exit.
      const exited = holder.exitCode !== null ? Promise.resolve() : new Promise((resolve) => holder.once('exit', resolve));
      holder.kill();
      await exited;
    }
  });

  it('refuses a second handle on a file this process already writes (DuckDB would not)', async () => {
    const writer = await openDuckDbWarehouse({ path });
    await writer.execute('create table t (id integer)');
    try {
      // DuckDB's lock belongs to the process: a second handle here would be let in, and
      // closing it would drop the writer's lock for every other process.
      await expect(openDuckDbWarehouse({ path })).rejects.toThrow(WarehouseBusyError);
      await expect(openDuckDbWarehouse({ path, readOnly: true })).rejects.toThrow(/already open for writing in this process/);
    } finally {
      await writer.close();
    }
    // Once closed, the file opens again; readers may share it, a writer waits for them.
    const first = await openDuckDbWarehouse({ path, readOnly: true });
    const second = await openDuckDbWarehouse({ path, readOnly: true });
    await expect(openDuckDbWarehouse({ path })).rejects.toThrow(WarehouseBusyError);
    await first.close();
    await expect(openDuckDbWarehouse({ path })).rejects.toThrow(WarehouseBusyError);
    await second.close();
    const again = await openDuckDbWarehouse({ path });
    await again.execute('insert into t values (1)');
    await again.close();
  });
});
