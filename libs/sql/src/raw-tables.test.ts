import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Dialect, RawTableDefinition } from '@hcrm/contracts';
import { describe, expect, it } from 'vitest';
import { addMissingRawColumnsSql, createRawSchemaSql, createRawTableSql, insertRawRowsFromSql } from './raw-tables';

const table: RawTableDefinition = {
  name: 'demo_contacts_raw',
  columns: { id: 'string', score: 'integer', synced_at: 'timestamp' },
  key: ['id', 'synced_at'],
};

const expected: Record<Dialect, { schema: string; create: string; insertHead: string; casts: string; keyMatch: string }> = {
  duckdb: {
    casts: `select cast(incoming."id" as varchar), cast(incoming."score" as bigint), timezone('UTC', cast(incoming."synced_at" as timestamptz))`,
    keyMatch: 'existing."id" = typed."id" and existing."synced_at" = typed."synced_at"',
    schema: 'create schema if not exists "raw"',
    create: 'create table if not exists "raw"."demo_contacts_raw" ("id" varchar, "score" bigint, "synced_at" timestamp)',
    insertHead: 'insert into "raw"."demo_contacts_raw" ("id", "score", "synced_at")',
  },
  snowflake: {
    casts: `select cast(incoming."ID" as varchar), cast(incoming."SCORE" as bigint), cast(convert_timezone('UTC', cast(incoming."SYNCED_AT" as timestamp_tz)) as timestamp_ntz)`,
    keyMatch: 'existing."ID" = typed."ID" and existing."SYNCED_AT" = typed."SYNCED_AT"',
    schema: 'create schema if not exists "RAW"',
    create: 'create table if not exists "RAW"."DEMO_CONTACTS_RAW" ("ID" varchar, "SCORE" bigint, "SYNCED_AT" timestamp_ntz)',
    insertHead: 'insert into "RAW"."DEMO_CONTACTS_RAW" ("ID", "SCORE", "SYNCED_AT")',
  },
  bigquery: {
    casts: 'select cast(incoming.`id` as string), cast(incoming.`score` as int64), timestamp(incoming.`synced_at`)',
    keyMatch: 'existing.`id` = typed.`id` and existing.`synced_at` = typed.`synced_at`',
    schema: 'create schema if not exists `raw`',
    create: 'create table if not exists `raw`.`demo_contacts_raw` (`id` string, `score` int64, `synced_at` timestamp)',
    insertHead: 'insert into `raw`.`demo_contacts_raw` (`id`, `score`, `synced_at`)',
  },
};

describe('raw table SQL', () => {
  for (const [dialect, sql] of Object.entries(expected) as Array<[Dialect, (typeof expected)[Dialect]]>) {
    it(`renders for ${dialect}`, () => {
      expect(createRawSchemaSql(dialect)).toBe(sql.schema);
      expect(createRawTableSql(table, dialect)).toBe(sql.create);
      const asIs = insertRawRowsFromSql(table, 'stage', dialect, { skipExisting: false });
      expect(asIs.split('\n')).toEqual([sql.insertHead, sql.casts, 'from stage as incoming']);
      const missing = insertRawRowsFromSql(table, 'stage', dialect, { skipExisting: true });
      expect(missing.startsWith(sql.insertHead)).toBe(true);
      expect(missing).toContain(sql.keyMatch);
    });
  }

  it('adds columns declared after a table was created, keeping its rows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hcrm-sql-'));
    const instance = await DuckDBInstance.create(join(dir, 'w.duckdb'));
    const connection = await instance.connect();
    try {
      await connection.run(createRawSchemaSql('duckdb'));
      await connection.run('create table raw.demo_contacts_raw (id varchar, synced_at timestamp)');
      await connection.run("insert into raw.demo_contacts_raw values ('a', '2026-01-01')");
      for (const sql of addMissingRawColumnsSql(table, 'duckdb')) await connection.run(sql);
      for (const sql of addMissingRawColumnsSql(table, 'duckdb')) await connection.run(sql);
      const reader = await connection.runAndReadAll('select id, score from raw.demo_contacts_raw');
      expect(reader.getRowObjectsJson()).toEqual([{ id: 'a', score: null }]);
    } finally {
      connection.closeSync();
      instance.closeSync();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects names that would need escaping', () => {
    expect(() => createRawTableSql({ ...table, name: 'x; drop table y' }, 'duckdb')).toThrow(/not a valid/);
  });

  it('lands each key once on DuckDB, across batches and within one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hcrm-sql-'));
    const instance = await DuckDBInstance.create(join(dir, 'w.duckdb'));
    const connection = await instance.connect();
    try {
      await connection.run(createRawSchemaSql('duckdb'));
      await connection.run(createRawTableSql(table, 'duckdb'));
      // Text-typed staging, as a bulk load lands it; one key twice in the batch.
      await connection.run('create table stage (id varchar, score varchar, synced_at varchar)');
      await connection.run(
        "insert into stage values ('a', '1', '2026-01-01T00:00:00Z'), ('a', '1', '2026-01-01T00:00:00Z'), ('b', '2', '2026-01-02T00:00:00Z')",
      );
      await connection.run(insertRawRowsFromSql(table, 'stage', 'duckdb', { skipExisting: true }));
      await connection.run(insertRawRowsFromSql(table, 'stage', 'duckdb', { skipExisting: true }));
      const reader = await connection.runAndReadAll('select id, score from raw.demo_contacts_raw order by id');
      expect(reader.getRowObjectsJson()).toEqual([
        { id: 'a', score: '1' },
        { id: 'b', score: '2' },
      ]);
      await connection.run(insertRawRowsFromSql(table, 'stage', 'duckdb', { skipExisting: false }));
      const all = await connection.runAndReadAll('select count(*) as n from raw.demo_contacts_raw');
      expect(all.getRowObjectsJson()).toEqual([{ n: '5' }]);

      // An offset shifts the time to UTC instead of being dropped.
      await connection.run("set TimeZone = 'UTC'");
      await connection.run("delete from stage; insert into stage values ('z', '0', '2024-01-03T08:30:00+02:00')");
      await connection.run(insertRawRowsFromSql(table, 'stage', 'duckdb', { skipExisting: false }));
      const zoned = await connection.runAndReadAll("select cast(synced_at as varchar) as t from raw.demo_contacts_raw where id = 'z'");
      expect(zoned.getRowObjectsJson()).toEqual([{ t: '2024-01-03 06:30:00' }]);
    } finally {
      connection.closeSync();
      instance.closeSync();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
