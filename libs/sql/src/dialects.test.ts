import { DuckDBInstance } from '@duckdb/node-api';
import type { Dialect } from '@hcrm/contracts';
import { describe, expect, it } from 'vitest';
import { DIALECT_PROBES } from './dialect-probes';
import { DIALECT_SQL } from './dialects';

/** Each dialect's text for the same parts: a new dialect must say how it writes each. */
const expected: Record<Dialect, { quote: string; regex: string; now: string; rename: string; union: string }> = {
  duckdb: {
    quote: '"persons"',
    regex: "regexp_replace(x, '^www[0-9]*\\.', '', 'g')",
    now: "cast(timezone('UTC', current_timestamp) as timestamp)",
    rename: 'alter table identity.a rename to b',
    union: 'union',
  },
  snowflake: {
    quote: '"PERSONS"',
    regex: "regexp_replace(x, '^www[0-9]*\\\\.', '')",
    now: "cast(convert_timezone('UTC', current_timestamp()) as timestamp_ntz)",
    rename: 'alter table identity.a rename to identity.b',
    union: 'union',
  },
  bigquery: {
    quote: '`persons`',
    regex: "regexp_replace(x, '^www[0-9]*\\\\.', '')",
    now: 'current_timestamp()',
    rename: 'alter table identity.a rename to b',
    union: 'union distinct',
  },
};

describe('dialect SQL', () => {
  for (const [dialect, sql] of Object.entries(expected) as Array<[Dialect, (typeof expected)[Dialect]]>) {
    it(`renders for ${dialect}`, () => {
      const d = DIALECT_SQL[dialect];
      expect(d.quote('persons')).toBe(sql.quote);
      expect(d.regexReplaceAll('x', '^www[0-9]*\\.', '')).toBe(sql.regex);
      expect(d.now).toBe(sql.now);
      expect(d.renameTable('identity', 'a', 'b')).toBe(sql.rename);
      expect(d.unionDistinct).toBe(sql.union);
      expect(() => d.quote('x; drop table y')).toThrow(/not a valid/);
    });
  }

  it('gives every probe its expected value on DuckDB (Snowflake and BigQuery run them in libs/warehouse)', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      await connection.run("set TimeZone = 'UTC'");
      for (const probe of DIALECT_PROBES) {
        const reader = await connection.runAndReadAll(`select ${probe.sql('duckdb')} as v`);
        const [row] = reader.getRowObjectsJS();
        const value = typeof row?.v === 'bigint' ? Number(row.v) : row?.v;
        expect(value, probe.name).toEqual(probe.expected);
      }
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});
