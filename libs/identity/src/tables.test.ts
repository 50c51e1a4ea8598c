import {
  ENTITY_TYPES,
  IDENTITY_ENTITY_TABLES,
  IDENTITY_SHARED_TABLES,
  MEMBERSHIP_BATCH_TABLE,
  identityTable,
  sharedIdentityTable,
  type Dialect,
} from '@hcrm/contracts';
import { describe, expect, it } from 'vitest';
import { createIdentityTablesSql, dropIdentityTablesSql, dropStagingSql } from './tables';

const DIALECTS: Record<Dialect, true> = { duckdb: true, snowflake: true, bigquery: true };
const KEPT = [...ENTITY_TYPES.flatMap((entity) => IDENTITY_ENTITY_TABLES.map((name) => identityTable(entity, name))), ...IDENTITY_SHARED_TABLES.map(sharedIdentityTable)];
const named = (statements: readonly string[], prefix: string) => statements.map((s) => s.slice(prefix.length).split(' ')[0]);

describe('identity tables', () => {
  it.each(Object.keys(DIALECTS) as Dialect[])('%s: creates the tables the catalog says a run keeps, in its order', (dialect) => {
    const [schema, ...tables] = createIdentityTablesSql(dialect);
    expect(schema).toBe('create schema if not exists identity');
    expect(named(tables, 'create table if not exists ')).toEqual(KEPT);
  });

  it('a full refresh drops every catalogued table once: the kept ones, each batch staging and the membership batch', () => {
    const dropped = named(dropIdentityTablesSql(), 'drop table if exists ');
    const staging = ENTITY_TYPES.flatMap((entity) => named(dropStagingSql(entity), 'drop table if exists '));
    expect(new Set(dropped).size).toBe(dropped.length);
    expect([...dropped].sort()).toEqual([...KEPT, ...staging, sharedIdentityTable(MEMBERSHIP_BATCH_TABLE)].sort());
  });
});
