import { loadConfig } from '@hcrm/config';
import { describe, expect, it } from 'vitest';
import { refuseWritesWithoutReadOnlyMode } from './commands/query';

describe('hcrm query on a warehouse without a read-only mode', () => {
  const snowflake = loadConfig(
    { HCRM_WAREHOUSE: 'snowflake', SNOWFLAKE_ACCOUNT: 'a', SNOWFLAKE_USER: 'u', SNOWFLAKE_DATABASE: 'd', HCRM_CONFIG: '' },
    '/checkout',
  );

  it('runs one reading statement', () => {
    for (const sql of ['select * from crm.persons', '  WITH x AS (select 1) select * from x;', '(select 1) union all (select 2)', 'show tables', 'describe table crm.persons']) {
      expect(() => refuseWritesWithoutReadOnlyMode(snowflake, sql), sql).not.toThrow();
    }
  });

  it('refuses writes and several statements, saying why', () => {
    for (const sql of ['delete from crm.persons', 'drop table crm.persons', 'select 1; drop table crm.persons', 'insert into t select 1']) {
      expect(() => refuseWritesWithoutReadOnlyMode(snowflake, sql), sql).toThrow(/runs one SELECT, WITH, SHOW, DESCRIBE or EXPLAIN statement: its credentials could write/);
    }
  });

  it('leaves DuckDB to its read-only file handle', () => {
    expect(() => refuseWritesWithoutReadOnlyMode(loadConfig({ HCRM_CONFIG: '' }, '/checkout'), 'delete from crm.persons')).not.toThrow();
  });
});
