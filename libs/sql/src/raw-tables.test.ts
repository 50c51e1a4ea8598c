import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Dialect, RawTableDefinition } from '@hcrm/core';
import { describe, expect, it } from 'vitest';
import { addMissingRawColumnsSql, createRawSchemaSql, createRawTableSql, insertMissingRawRowsSql } from './raw-tables';

const table: RawTableDefinition = {
  name: 'demo_contacts_raw',
  columns: { id: 'string', score: 'integer', synced_at: 'timestamp' },
  key: ['id', 'synced_at'],
};

const expected: Record<Dialect, { schema: string; create: string; insertHead: string }> = {
  duckdb: {
    schema: 'create schema if not exists "raw"',
    create: 'create table if not exists "raw"."demo_contacts_raw" ("id" varchar, "score" bigint, "synced_at" timestamp)',
    insertHead: 'insert into "raw"."demo_contacts_raw" ("id", "score", "synced_at")',
  },
};

describe('raw table SQL', () => {
  for (const [dialect, sql] of Object.entries(expected) as Array<[Dialect, (typeof expected)[Dialect]]>) {
    it(`renders for ${dialect}`, () => {
      expect(createRawSchemaSql(dialect)).toBe(sql.schema);
      expect(createRawTableSql(table, dialect)).toBe(sql.create);
      const insert = insertMissingRawRowsSql(table, 2, dialect);
      expect(insert.startsWith(sql.insertHead)).toBe(true);
      expect(insert.match(/\?/g)).toHaveLength(6);
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
      const batch = ['a', 1, '2026-01-01T00:00:00Z', 'a', 1, '2026-01-01T00:00:00Z', 'b', 2, '2026-01-02T00:00:00Z'];
      await connection.run(insertMissingRawRowsSql(table, 3, 'duckdb'), batch);
      await connection.run(insertMissingRawRowsSql(table, 3, 'duckdb'), batch);
      const reader = await connection.runAndReadAll('select id, score from raw.demo_contacts_raw order by id');
      expect(reader.getRowObjectsJson()).toEqual([
        { id: 'a', score: '1' },
        { id: 'b', score: '2' },
      ]);
    } finally {
      connection.closeSync();
      instance.closeSync();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
