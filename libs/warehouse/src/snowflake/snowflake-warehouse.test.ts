import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, type Socket, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawTableDefinition } from '@hcrm/contracts';
import { findRepoRoot } from '@hcrm/config';
import { rawTableName } from '@hcrm/sql';
import { DIALECT_PROBES } from '@hcrm/sql/testing';
import { freeLocalPorts } from '../local-ports';
import { countRows, ensureRawTable, insertRawRows } from '../raw-landing';
import { type Warehouse, WarehouseUnavailableError } from '../warehouse';
import { type FakesnowServer, fakesnowAvailable, startFakesnow } from './fakesnow';
import { LOGIN_DEADLINE_MS } from './snowflake-connection';
import { type SnowflakeWarehouseOptions, openSnowflakeWarehouse } from './snowflake-warehouse';

const python = join(findRepoRoot(), '.venv', 'bin', 'python');
const available = fakesnowAvailable(python);
if (!available) {
  console.warn(`Skipping the Snowflake adapter tests against fakesnow: ${python} cannot import fakesnow, starlette and uvicorn (npm run setup installs them).`);
}

/** The password the test server accepts; any other gets Snowflake's answer to a wrong one. */
const PASSWORD = 'fake-secret-1';

async function expectUnavailable(opening: Promise<Warehouse>): Promise<WarehouseUnavailableError> {
  const error = await opening.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(WarehouseUnavailableError);
  return error as WarehouseUnavailableError;
}

describe('Snowflake warehouse: credentials and reachability (no server)', () => {
  it('refuses to open without credentials before any network call, naming the settings', async () => {
    const connections: unknown[] = [];
    const listener = createServer((socket) => {
      connections.push(socket);
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const { port } = listener.address() as AddressInfo;
    try {
      const options = { account: 'acme', user: 'hcrm', database: 'HCRM', host: '127.0.0.1', port, protocol: 'http' } as const;
      const error = await expectUnavailable(openSnowflakeWarehouse(options, {}));
      expect(error.message).toMatch(/SNOWFLAKE_PASSWORD/);
      expect(error.message).toMatch(/SNOWFLAKE_PRIVATE_KEY_PATH/);
      // An empty value is no credential either.
      await expectUnavailable(openSnowflakeWarehouse(options, { SNOWFLAKE_PASSWORD: '' }));
      expect(connections).toHaveLength(0);
    } finally {
      await new Promise((resolve) => listener.close(resolve));
    }
  });

  it('names SNOWFLAKE_PRIVATE_KEY_PATH when the key file cannot be read', async () => {
    const error = await expectUnavailable(
      openSnowflakeWarehouse({ account: 'acme', user: 'hcrm', database: 'HCRM' }, { SNOWFLAKE_PRIVATE_KEY_PATH: '/nonexistent/rsa_key.p8' }),
    );
    expect(error.message).toMatch(/SNOWFLAKE_PRIVATE_KEY_PATH is \/nonexistent\/rsa_key\.p8, which cannot be read \(ENOENT\)/);
  });

  it('fails within seconds when the endpoint is unreachable, naming the endpoint and the settings', async () => {
    const [port] = await freeLocalPorts(1);
    const started = Date.now();
    const error = await expectUnavailable(
      openSnowflakeWarehouse(
        { account: 'acme', user: 'hcrm', database: 'HCRM', host: '127.0.0.1', port, protocol: 'http' },
        { SNOWFLAKE_PASSWORD: 'not-shown-anywhere' },
      ),
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error.message).toContain(`Cannot reach Snowflake (account "acme" at http://127.0.0.1:${port})`);
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(error.message).toMatch(/SNOWFLAKE_ACCOUNT, SNOWFLAKE_HOST, SNOWFLAKE_PORT and SNOWFLAKE_PROTOCOL/);
    expect(error.message).not.toContain('not-shown-anywhere');
  });

  it('reports an HTTP error answer (Snowflake answers 403 for an unknown account) with its status', async () => {
    const forbidding = createHttpServer((_request, response) => response.writeHead(403).end('Forbidden'));
    await new Promise<void>((resolve) => forbidding.listen(0, '127.0.0.1', resolve));
    const { port } = forbidding.address() as AddressInfo;
    try {
      const error = await expectUnavailable(
        openSnowflakeWarehouse({ account: 'nope', user: 'hcrm', database: 'HCRM', host: '127.0.0.1', port, protocol: 'http' }, { SNOWFLAKE_PASSWORD: 'x' }),
      );
      expect(error.message).toMatch(/Cannot reach Snowflake \(account "nope" at .*\): .*HTTP 403.*Check SNOWFLAKE_ACCOUNT/);
    } finally {
      forbidding.closeAllConnections();
      await new Promise((resolve) => forbidding.close(resolve));
    }
  });

  it('gives up on an endpoint that accepts connections but never answers', async () => {
    const held: Socket[] = [];
    const silent = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const started = Date.now();
      const error = await expectUnavailable(
        openSnowflakeWarehouse({ account: 'acme', user: 'hcrm', database: 'HCRM', host: '127.0.0.1', port, protocol: 'http' }, { SNOWFLAKE_PASSWORD: 'x' }),
      );
      expect(Date.now() - started).toBeLessThan(LOGIN_DEADLINE_MS + 2_000);
      expect(error.message).toMatch(new RegExp(`Cannot reach Snowflake .*: no answer within ${LOGIN_DEADLINE_MS / 1000} s`));
    } finally {
      held.forEach((socket) => socket.destroy());
      await new Promise((resolve) => silent.close(resolve));
    }
  }, LOGIN_DEADLINE_MS + 10_000);
});

describe.skipIf(!available)('Snowflake warehouse (snowflake-sdk against fakesnow)', () => {
  let server: FakesnowServer;
  let options: SnowflakeWarehouseOptions;
  const open = (env: Record<string, string> = { SNOWFLAKE_PASSWORD: PASSWORD }) => openSnowflakeWarehouse(options, env);

  beforeAll(async () => {
    server = await startFakesnow({ python, password: PASSWORD });
    options = { account: 'fake', user: 'fake', database: 'HCRM', host: server.host, port: server.port, protocol: 'http' };
  });
  afterAll(() => server?.stop());

  it('round-trips rows with lower-case keys and JSON-safe values', async () => {
    const warehouse = await open();
    try {
      await warehouse.execute('create schema if not exists "ROUNDTRIP"');
      await warehouse.execute(
        'create table "ROUNDTRIP"."T" ("ID" varchar, "N" bigint, "X" double, "OK" boolean, "SEEN_AT" timestamp_ntz, "PAYLOAD" variant, "DAY" date, "PRICE" number(10, 2))',
      );
      await warehouse.execute(
        `insert into "ROUNDTRIP"."T" select ?, ?, ?, ?, cast(? as timestamp_ntz), parse_json(?), cast(? as date), 12.5`,
        ['a', 42, 1.5, true, '2026-01-02 03:04:05', '{"tags":["x"],"n":1}', '2026-01-02'],
      );
      await warehouse.execute('insert into "ROUNDTRIP"."T" ("ID", "N") values (?, ?)', ['00123', null]);
      const rows = await warehouse.query('select * from "ROUNDTRIP"."T" order by "ID"');
      expect(rows).toEqual([
        { id: '00123', n: null, x: null, ok: null, seen_at: null, payload: null, day: null, price: null },
        {
          id: 'a',
          n: 42,
          x: 1.5,
          ok: true,
          seen_at: '2026-01-02T03:04:05.000Z',
          payload: expect.any(String),
          day: '2026-01-02T00:00:00.000Z',
          price: 12.5,
        },
      ]);
      expect(JSON.parse(String(rows[1]?.payload))).toEqual({ tags: ['x'], n: 1 });

      // Integers beyond 2^53 keep their digits; unquoted aliases come back in lower case.
      expect(await warehouse.query("select cast('9007199254740993' as bigint) as big, count(*) as n from \"ROUNDTRIP\".\"T\"")).toEqual([
        { big: '9007199254740993', n: 2 },
      ]);
    } finally {
      await warehouse.close();
    }
  });

  it('gives every dialect probe its expected value', async () => {
    const warehouse = await open();
    try {
      for (const probe of DIALECT_PROBES) {
        expect(await warehouse.query(`select ${probe.sql('snowflake')} as v`), probe.name).toEqual([{ v: probe.expected }]);
      }
    } finally {
      await warehouse.close();
    }
  });

  it('runs the session in UTC: text without an offset is UTC, an offset shifts the time', async () => {
    const warehouse = await open();
    try {
      expect(
        await warehouse.query(`select
            cast('2026-01-02 03:04:05' as timestamp_ntz) = cast('2026-01-02 03:04:05 +00:00' as timestamp_tz) as same_instant,
            cast(convert_timezone('UTC', cast('2026-01-02T03:04:05+02:00' as timestamp_tz)) as timestamp_ntz) as shifted`),
      ).toEqual([{ same_instant: true, shifted: '2026-01-02T01:04:05.000Z' }]);
    } finally {
      await warehouse.close();
    }
  });

  it('commits a transaction, and rolls a failed one back', async () => {
    const warehouse = await open();
    try {
      await warehouse.execute('create schema if not exists "TX"');
      await warehouse.execute('create table "TX"."T" ("ID" integer)');
      await warehouse.transaction(() => warehouse.execute('insert into "TX"."T" values (1)'));
      await expect(
        warehouse.transaction(async () => {
          await warehouse.execute('insert into "TX"."T" values (2)');
          await warehouse.bulkInsert(['id'], [['3']], (staging) => `insert into "TX"."T" select cast("ID" as integer) from ${staging}`);
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await warehouse.query('select "ID" as id from "TX"."T"')).toEqual([{ id: 1 }]);
    } finally {
      await warehouse.close();
    }
  });

  it('bulk-loads rows through the staging relation, and leaves nothing staged', async () => {
    const warehouse = await open();
    try {
      await warehouse.execute('create schema if not exists "BULK"');
      await warehouse.execute('create table "BULK"."T" ("ID" varchar, "N" bigint, "OK" boolean, "SEEN_AT" timestamp_ntz)');
      const rows = Array.from({ length: 1000 }, (_, i) => [`r${i}`, i, i % 2 === 0, i === 0 ? null : '2026-01-02T03:04:05Z']);
      await warehouse.bulkInsert(['id', 'n', 'ok', 'seen_at'], rows, (staging) => `insert into "BULK"."T" select id, cast(n as bigint), cast(ok as boolean), cast(seen_at as timestamp_ntz) from ${staging}`);
      expect(
        await warehouse.query('select count(*) as n, sum("N") as total, count("SEEN_AT") as seen, count_if("OK") as ok from "BULK"."T"'),
      ).toEqual([{ n: 1000, total: 499500, seen: 999, ok: 500 }]);
      expect(await warehouse.query('select count(*) as n from "HCRM_STAGING"')).toEqual([{ n: 0 }]);

      // Inside a transaction, a failed move leaves nothing behind.
      await expect(
        warehouse.transaction(() => warehouse.bulkInsert(['id'], [['x']], (staging) => `insert into "BULK"."T" ("N") select cast(id as bigint) from ${staging}`)),
      ).rejects.toThrow(/Could not convert|Conversion Error|not recognized/);
      expect(await warehouse.query('select count(*) as n from "BULK"."T"')).toEqual([{ n: 1000 }]);
      expect(await warehouse.query('select count(*) as n from "HCRM_STAGING"')).toEqual([{ n: 0 }]);
    } finally {
      await warehouse.close();
    }
  });

  it('tells whether a table exists, whatever the case of its name', async () => {
    const warehouse = await open();
    try {
      await warehouse.execute('create schema if not exists "EXISTS"');
      await warehouse.execute('create table "EXISTS"."PERSONS" ("ID" integer)');
      expect(await warehouse.tableExists('exists', 'persons')).toBe(true);
      expect(await warehouse.tableExists('EXISTS', 'PERSONS')).toBe(true);
      expect(await warehouse.tableExists('exists', 'missing')).toBe(false);
      expect(await warehouse.tableExists('raw_nowhere', 'persons')).toBe(false);
    } finally {
      await warehouse.close();
    }
  });

  it('lands raw rows once, with offsets shifted to UTC and JSON kept', async () => {
    const table: RawTableDefinition = {
      name: 'demo_contacts_raw',
      columns: { id: 'string', score: 'integer', seen_at: 'timestamp', payload: 'json' },
      key: ['id'],
    };
    const rows = [
      { id: 'c1', score: 7, seen_at: '2026-01-02T03:04:05+02:00', payload: '{"email":"a@example.com"}' },
      { id: 'c2', score: null, seen_at: '2026-01-02 03:04:05', payload: null },
    ];
    const warehouse = await open();
    try {
      for (let i = 0; i < 2; i += 1) {
        await ensureRawTable(warehouse, table);
        await insertRawRows(warehouse, table, rows);
      }
      const name = rawTableName(table, 'snowflake');
      expect(name).toBe('"RAW"."DEMO_CONTACTS_RAW"');
      expect(await countRows(warehouse, name)).toBe(2);
      const landed = await warehouse.query(`select * from ${name} order by id`);
      expect(landed.map((row) => ({ ...row, payload: row.payload === null ? null : JSON.parse(String(row.payload)) }))).toEqual([
        { id: 'c1', score: 7, seen_at: '2026-01-02T01:04:05.000Z', payload: { email: 'a@example.com' } },
        { id: 'c2', score: null, seen_at: '2026-01-02T03:04:05.000Z', payload: null },
      ]);
    } finally {
      await warehouse.close();
    }
  });

  it('shares its tables with the Python connector (dbt-snowflake) on the same server', async () => {
    const warehouse = await open();
    try {
      await warehouse.execute('create schema if not exists "SHARED"');
      await warehouse.execute('create table "SHARED"."T" ("ID" varchar, "N" bigint, "AT" timestamp_ntz, "OK" boolean)');
      await warehouse.execute(`insert into "SHARED"."T" values ('node', 1, cast('2026-01-02 03:04:05.5' as timestamp_ntz), true)`);
      const script = `
import json, sys, snowflake.connector
conn = snowflake.connector.connect(
    user="fake", password=sys.argv[3], account="fake", host=sys.argv[1], port=int(sys.argv[2]), protocol="http",
    database="HCRM", schema="SHARED", network_timeout=10,
    session_parameters={"CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED": False},
)
cur = conn.cursor()
cur.execute('select "ID", "N", "AT", "OK" from "T"')
rows = [[repr(value) for value in row] for row in cur.fetchall()]
cur.execute("""insert into "T" values ('python', 2, null, false)""")
print(json.dumps(rows))
`;
      const { stdout } = await promisify(execFile)(python, ['-c', script, server.host, String(server.port), PASSWORD]);
      expect(JSON.parse(stdout)).toEqual([["'node'", '1', 'datetime.datetime(2026, 1, 2, 3, 4, 5, 500000)', 'True']]);
      expect(await warehouse.query('select "ID" as id, "OK" as ok from "SHARED"."T" order by 1')).toEqual([
        { id: 'node', ok: true },
        { id: 'python', ok: false },
      ]);
    } finally {
      await warehouse.close();
    }
  });

  it('refuses a wrong password within seconds, naming the setting and not the password', async () => {
    const started = Date.now();
    const error = await expectUnavailable(open({ SNOWFLAKE_PASSWORD: 'wrong-password-42' }));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error.message).toContain(`Cannot log in to Snowflake (account "fake" at http://127.0.0.1:${server.port}) as user "fake"`);
    expect(error.message).toMatch(/Incorrect username or password/);
    expect(error.message).toMatch(/Check SNOWFLAKE_USER and SNOWFLAKE_PASSWORD/);
    expect(error.message).not.toContain('wrong-password-42');
  });

  it('logs in with an encrypted private key (SNOWFLAKE_JWT)', async () => {
    // fakesnow does not verify the JWT: this proves the driver reads and decrypts the key and
    // signs a login with it, not that Snowflake would accept the key.
    const dir = mkdtempSync(join(tmpdir(), 'hcrm-snowflake-key-'));
    try {
      const keyPath = join(dir, 'rsa_key.p8');
      const { privateKey } = generateKeyPairSync('rsa', {
        modulusLength: 2048,
        privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'key-pass' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      });
      writeFileSync(keyPath, privateKey);
      const warehouse = await open({ SNOWFLAKE_PRIVATE_KEY_PATH: keyPath, SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: 'key-pass' });
      try {
        expect(await warehouse.query('select 1 as one')).toEqual([{ one: 1 }]);
      } finally {
        await warehouse.close();
      }
      const error = await expectUnavailable(open({ SNOWFLAKE_PRIVATE_KEY_PATH: keyPath, SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: 'not-the-pass' }));
      expect(error.message).toMatch(/SNOWFLAKE_PRIVATE_KEY_PASSPHRASE/);
      expect(error.message).not.toContain('not-the-pass');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('closes twice without harm, and refuses statements once closed', async () => {
    const warehouse = await open();
    await warehouse.close();
    await warehouse.close();
    await expect(warehouse.query('select 1')).rejects.toThrow(/closed/);
  });
});
