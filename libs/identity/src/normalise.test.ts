import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRepoRoot } from '@hcrm/config';
import { DEFAULT_IDENTITY_CONFIG, type Dialect } from '@hcrm/contracts';
import { DIALECT_SQL } from '@hcrm/sql';
import { openDuckDbWarehouse, openWarehouse, type Warehouse } from '@hcrm/warehouse';
import { bigQueryEmulatorBinary, fakesnowAvailable, startBigQueryEmulator, startFakesnow } from '@hcrm/warehouse/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { blockedSql, normalizeIdentifierSql } from './normalise';

/** A warehouse of each kind for SQL-only checks: a DuckDB file, fakesnow, bigquery-emulator. */
interface SqlTarget {
  dialect: Dialect;
  /** Why the target cannot run here, if it cannot. */
  missing?: string;
  start(): Promise<{ warehouse: Warehouse; stop(): Promise<void> }>;
}

const python = join(findRepoRoot(), '.venv', 'bin', 'python');
const emulator = bigQueryEmulatorBinary();
const SQL_TARGETS: SqlTarget[] = [
  {
    dialect: 'duckdb',
    async start() {
      const dir = mkdtempSync(join(tmpdir(), 'hcrm-normalise-'));
      const warehouse = await openDuckDbWarehouse({ path: join(dir, 'w.duckdb') });
      return { warehouse, stop: async () => { await warehouse.close(); rmSync(dir, { recursive: true, force: true }); } };
    },
  },
  {
    dialect: 'snowflake',
    ...(fakesnowAvailable(python) ? {} : { missing: `fakesnow is not installed in ${python}` }),
    async start() {
      const server = await startFakesnow({ python });
      const warehouse = await openWarehouse(
        { kind: 'snowflake', account: 'fake', user: 'fake', database: 'HCRM', host: server.host, port: server.port, protocol: 'http' },
        {},
        { SNOWFLAKE_PASSWORD: 'fake' },
      );
      return { warehouse, stop: async () => { await warehouse.close(); await server.stop(); } };
    },
  },
  {
    dialect: 'bigquery',
    ...(emulator ? {} : { missing: 'bigquery-emulator is not built (npm test builds it when Go is installed)' }),
    async start() {
      const running = await startBigQueryEmulator({ binary: emulator ?? '', projectId: 'hcrm-normalise' });
      const warehouse = await openWarehouse({ kind: 'bigquery', projectId: 'hcrm-normalise', apiEndpoint: running.apiEndpoint });
      return { warehouse, stop: async () => { await warehouse.close(); await running.stop(); } };
    },
  },
];
for (const target of SQL_TARGETS) if (target.missing) console.warn(`Skipping identifier normalisation on ${target.dialect}: ${target.missing}.`);

describe.each(SQL_TARGETS)('identifier normalisation and blocking on $dialect', (target) => {
  let warehouse: Warehouse;
  let stop: () => Promise<void>;
  const { dialect } = target;
  const literal = DIALECT_SQL[dialect].literal;
  beforeAll(async () => {
    if (target.missing) return;
    ({ warehouse, stop } = await target.start());
  });
  afterAll(async () => {
    await stop?.();
  });
  beforeEach((context) => {
    if (target.missing) context.skip();
  });

  const normalise = async (type: string, value: string, region = 'US') => {
    const [row] = await warehouse.query<{ v: string }>(`select ${normalizeIdentifierSql(literal(type), literal(value), dialect, region)} as v`);
    return row?.v;
  };
  const blocked = async (entity: 'person' | 'group', type: string, value: string) => {
    const normalised = normalizeIdentifierSql(literal(type), literal(value), dialect, 'US');
    const [row] = await warehouse.query<{ b: boolean }>(
      `select ${blockedSql(literal(type), literal(value), normalised, DEFAULT_IDENTITY_CONFIG[entity], dialect)} as b`,
    );
    return row?.b;
  };

  it.each([
    ['email', '  Ann.Lee@Example.COM ', 'ann.lee@example.com'],
    ['phone', '+1 (555) 010-2000', '+15550102000'],
    ['phone', '555.010.2000', '+15550102000'],
    ['phone', '1-555-010-2000', '+15550102000'],
    ['phone', '0044 20 7946 0018', '+442079460018'],
    ['domain', 'HTTPS://www.Acme.com/about?x=1', 'acme.com'],
    ['domain', 'acme.com.', 'acme.com'],
    ['website', 'http://user@www2.acme.com:8080/', 'acme.com'],
    ['myshopify_domain', 'Shop.MyShopify.com', 'shop.myshopify.com'],
    ['user_id', '  AbC-1 ', 'AbC-1'],
  ])('%s %j -> %j', async (type, value, expected) => {
    expect(await normalise(type, value)).toBe(expected);
  });

  it('reads national numbers in the default region', async () => {
    expect(await normalise('phone', '020 7946 0018', 'GB')).toBe('+442079460018');
    expect(await normalise('phone', '030 1234567', 'DE')).toBe('+49301234567');
    expect(await normalise('phone', '+44 20 7946 0018', 'DE')).toBe('+442079460018');
  });

  it.each([
    ['person', 'email', 'TEST@test.com', true],
    ['person', 'email', 'noreply@acme.com', true],
    ['person', 'email', 'ann@acme.com', false],
    ['person', 'phone', '000-000-0000', true],
    ['person', 'phone', 'N/A', true],
    ['person', 'phone', '+1 555 010 2000', false],
    ['person', 'user_id', 'unknown', true],
    ['person', 'user_id', ' ', true],
    ['person', 'user_id', '42', false],
    ['group', 'domain', 'https://www.gmail.com', true],
    ['group', 'domain', 'acme.com', false],
  ] as const)('%s %s %j blocked: %s', async (entity, type, value, expected) => {
    expect(await blocked(entity, type, value)).toBe(expected);
  });
});
