import { join } from 'node:path';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { RetryState } from '@temporalio/common';
import type { HcrmConfig } from '@hcrm/config';
import { DEFAULT_GENERATE_OPTIONS, generateInto, measureQuality } from '@hcrm/synthetic';
import { registeredSources } from '@hcrm/pipeline';
import { openWarehouse } from '@hcrm/warehouse';
import { fakesnowAvailable, freeLocalPorts, startFakesnow } from '@hcrm/warehouse/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryWarehouse, repoRoot, startPipelineStack, type PipelineStack } from './helpers';

// The parity test of docs/warehouses.md: the same generated input through the DuckDB pipeline
// and through the Snowflake one (Node adapter, dbt-snowflake and the identity SQL in the
// Snowflake dialect, all against fakesnow's server) gives the same persons, groups and
// memberships. Ids are compared through the identifiers each entity holds.
const python = join(repoRoot, '.venv', 'bin', 'python');
const available = fakesnowAvailable(python);
if (!available) console.warn(`Skipping the Snowflake parity test: fakesnow is not installed in ${python} (npm run setup installs it).`);

/** Each entity id with the sorted identifiers it holds, as one text. */
async function identifiersByEntity(config: HcrmConfig, entity: 'person' | 'group'): Promise<Map<string, string>> {
  const rows = await queryWarehouse<{ entity_id: string; identifier: string }>(
    config,
    `select ${entity}_id as entity_id, identifier_type || ':' || identifier_value as identifier from crm.${entity}_identifiers`,
  );
  const byEntity = new Map<string, string[]>();
  for (const row of rows) byEntity.set(row.entity_id, [...(byEntity.get(row.entity_id) ?? []), row.identifier]);
  return new Map([...byEntity].map(([id, identifiers]) => [id, identifiers.sort().join(' ')]));
}

/** The entities as their identifiers, sorted: a grouping, whatever the ids. */
async function groupings(config: HcrmConfig, entity: 'person' | 'group'): Promise<string[]> {
  return [...(await identifiersByEntity(config, entity)).values()].sort();
}

/** Each membership as (its person's identifiers, its group's identifiers, role). */
async function memberships(config: HcrmConfig): Promise<string[]> {
  const persons = await identifiersByEntity(config, 'person');
  const groups = await identifiersByEntity(config, 'group');
  const rows = await queryWarehouse<{ person_id: string; group_id: string; role: string | null }>(config, 'select person_id, group_id, role from crm.memberships');
  return rows.map((row) => `${persons.get(row.person_id)} | ${groups.get(row.group_id)} | ${row.role ?? ''}`).sort();
}

describe.skipIf(!available)('the same input through DuckDB and Snowflake (fakesnow)', () => {
  let server: Awaited<ReturnType<typeof startFakesnow>>;
  let duckdb: PipelineStack;
  let snowflake: PipelineStack;
  const syncedBefore = new Date(Date.now() - 60_000);
  const options = { ...DEFAULT_GENERATE_OPTIONS, persons: 120, seed: 31, syncedBefore, append: false };

  beforeAll(async () => {
    server = await startFakesnow({ python });
    // The worker's adapter and dbt read the password from the environment, as in production.
    process.env.SNOWFLAKE_PASSWORD = 'fake';
    // dbt-snowflake's unit tests stage their fixtures in schema-qualified temporary tables,
    // which fakesnow (DuckDB) cannot create; they are logic tests and the DuckDB suite runs them.
    process.env.DBT_EXCLUDE_RESOURCE_TYPES = 'unit_test';
    [duckdb, snowflake] = await Promise.all([
      startPipelineStack(),
      startPipelineStack({
        env: {
          HCRM_WAREHOUSE: 'snowflake',
          SNOWFLAKE_ACCOUNT: 'fake',
          SNOWFLAKE_USER: 'fake',
          SNOWFLAKE_DATABASE: 'HCRM',
          SNOWFLAKE_HOST: server.host,
          SNOWFLAKE_PORT: String(server.port),
          SNOWFLAKE_PROTOCOL: 'http',
        },
      }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([duckdb?.teardown(), snowflake?.teardown()]);
    await server?.stop();
  });

  /** Generates into both warehouses, runs both pipelines, and compares what they built. */
  async function generateRunAndCompare(runName: string, generate: Parameters<typeof generateInto>[2]): Promise<void> {
    for (const stack of [duckdb, snowflake]) {
      const warehouse = await openWarehouse(stack.config.warehouse);
      try {
        await generateInto(warehouse, registeredSources, generate);
      } finally {
        await warehouse.close();
      }
    }
    const onDuckDb = await duckdb.run(`${runName}-duckdb`, { landDemoData: false });
    const onSnowflake = await snowflake.run(`${runName}-snowflake`, { landDemoData: false });
    expect(onSnowflake.finalTables, runName).toEqual(onDuckDb.finalTables);
    expect(onSnowflake.watermarks, runName).toEqual(onDuckDb.watermarks);
    for (const entity of ['person', 'group'] as const) {
      const expected = await groupings(duckdb.config, entity);
      expect(expected.length, entity).toBeGreaterThan(0);
      expect(await groupings(snowflake.config, entity), `${runName}: ${entity}`).toEqual(expected);
    }
    const expectedMemberships = await memberships(duckdb.config);
    expect(expectedMemberships.length).toBeGreaterThan(0);
    expect(await memberships(snowflake.config), `${runName}: memberships`).toEqual(expectedMemberships);
  }

  it('builds the same persons, groups and memberships, in a first run and an incremental one', async () => {
    await generateRunAndCompare('parity', options);
    // A second increment: later rows, read from the watermarks the first run left.
    await generateRunAndCompare('parity-increment', { ...options, persons: 40, seed: 32, syncedBefore: new Date(), append: true });
    const persons = await queryWarehouse<{ n: number }>(snowflake.config, 'select count(*) as n from crm.persons');
    expect(persons[0]?.n).toBeGreaterThan(140);

    // And the Snowflake result is right, not merely the same: measured against the generator's truth.
    const warehouse = await openWarehouse(snowflake.config.warehouse);
    try {
      const quality = await measureQuality(warehouse, 'person');
      expect(quality.precision).toBe(1);
      expect(quality.overMerged).toBe(0);
    } finally {
      await warehouse.close();
    }
  }); // Two builds on fakesnow take 3-7 minutes on a 2-core machine; the suite's timeout leaves room for 3x that.
});

/** The failure of the run's first activity, which Temporal did not retry; its type and message. */
async function firstActivityFailure(stack: PipelineStack, workflowId: string): Promise<ApplicationFailure> {
  const outcome = await stack.run(workflowId, { landDemoData: false }).catch((error: unknown) => error);
  expect(outcome).toBeInstanceOf(WorkflowFailedError);
  const activity = (outcome as WorkflowFailedError).cause;
  expect(activity).toBeInstanceOf(ActivityFailure);
  // Not a retry storm: the server gave up after the one attempt because the failure says so.
  expect((activity as ActivityFailure).retryState).toBe(RetryState.NON_RETRYABLE_FAILURE);
  const cause = activity?.cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

describe.skipIf(!available)('a Snowflake warehouse that cannot be used', () => {
  const snowflakeEnv = (host: string, port: number) => ({
    HCRM_WAREHOUSE: 'snowflake',
    SNOWFLAKE_ACCOUNT: 'fake',
    SNOWFLAKE_USER: 'fake',
    SNOWFLAKE_DATABASE: 'HCRM',
    SNOWFLAKE_HOST: host,
    SNOWFLAKE_PORT: String(port),
    SNOWFLAKE_PROTOCOL: 'http',
  });

  it('fails the first activity at once, without retries, saying which setting to check', async () => {
    // A server that knows the real password; this process has another one.
    const guarded = await startFakesnow({ python, password: 'the-real-one' });
    process.env.SNOWFLAKE_PASSWORD = 'a-wrong-one';
    const wrongPassword = await startPipelineStack({ env: snowflakeEnv(guarded.host, guarded.port) });
    const unreachable = await startPipelineStack({ env: snowflakeEnv('127.0.0.1', (await freeLocalPorts(1))[0] ?? 0) });
    try {
      const refused = await firstActivityFailure(wrongPassword, 'wrong-password');
      expect(refused.nonRetryable).toBe(true);
      expect(refused.type).toBe('WarehouseUnavailable');
      expect(refused.message).toMatch(/SNOWFLAKE_PASSWORD/);
      expect(refused.message).not.toContain('a-wrong-one');

      const down = await firstActivityFailure(unreachable, 'unreachable');
      expect(down.nonRetryable).toBe(true);
      expect(down.message).toMatch(/Snowflake/);
      expect(down.message).toMatch(/SNOWFLAKE_HOST|SNOWFLAKE_ACCOUNT/);
    } finally {
      process.env.SNOWFLAKE_PASSWORD = 'fake';
      await Promise.all([wrongPassword.teardown(), unreachable.teardown()]);
      await guarded.stop();
    }
  });
});
