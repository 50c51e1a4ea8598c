import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@hcrm/config';
import { fakesnowAvailable, freeLocalPorts, startFakesnow, type FakesnowServer } from '@hcrm/warehouse/testing';
import { freshConfig, PINNED_DEMO_SOURCES, runHcrm, type CliRun } from './helpers';

// Secrets never leave the environment: every warehouse setting that is a secret gets a value
// unique to this test; commands that read them run (a DuckDB run with all of them set, failing
// Snowflake logins, a BigQuery that cannot be reached), and the Temporal history, every file
// under the state dirs and all command output are searched for the values.

const python = join(loadConfig().venvDir, 'bin', 'python');
const available = fakesnowAvailable(python);
if (!available) console.warn(`Skipping the secrets test: fakesnow is not installed in ${python} (npm run setup installs it).`);

const secret = (name: string) => `hcrm-secret-${name}-${randomUUID()}`;
const SECRETS = {
  SNOWFLAKE_PASSWORD: secret('password'),
  SNOWFLAKE_PRIVATE_KEY_PASSPHRASE: secret('passphrase'),
  BIGQUERY_ACCESS_TOKEN: secret('token'),
};

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** The secret values found in `text`, by setting name. */
function leaks(text: string | Buffer): string[] {
  const haystack = typeof text === 'string' ? text : text.toString('latin1');
  return Object.entries(SECRETS)
    .filter(([, value]) => haystack.includes(value))
    .map(([name]) => name);
}

describe.skipIf(!available)('secrets stay out of histories, logs and output (real hcrm processes, Temporal, dbt, DuckDB, fakesnow)', () => {
  let server: FakesnowServer;
  const states: string[] = [];
  const outputs: Array<{ what: string; run: CliRun }> = [];
  const hcrm = async (what: string, args: string[], env: Record<string, string>) => {
    const stateDir = freshConfig().stateDir;
    states.push(stateDir);
    const run = await runHcrm(args, { ...SECRETS, HCRM_STATE_DIR: stateDir, HCRM_DEMO_SOURCES: PINNED_DEMO_SOURCES, ...env });
    outputs.push({ what, run });
    return run;
  };

  beforeAll(async () => {
    // A real password other than the test's: every login with SNOWFLAKE_PASSWORD fails.
    server = await startFakesnow({ python, password: 'the-right-password' });
  });
  afterAll(async () => {
    await server?.stop();
    for (const dir of states) rmSync(dir, { recursive: true, force: true });
  });

  it('a DuckDB run, failing Snowflake logins and an unreachable BigQuery leave no secret anywhere', async () => {
    const snowflake = {
      HCRM_WAREHOUSE: 'snowflake',
      SNOWFLAKE_ACCOUNT: 'fake',
      SNOWFLAKE_USER: 'fake',
      SNOWFLAKE_DATABASE: 'HCRM',
      SNOWFLAKE_HOST: server.host,
      SNOWFLAKE_PORT: String(server.port),
      SNOWFLAKE_PROTOCOL: 'http',
    };
    const duckdb = await hcrm('duckdb run', ['run'], {});
    expect(duckdb.code, duckdb.stderr).toBe(0);

    const wrongPassword = await hcrm('snowflake run, wrong password', ['run'], snowflake);
    expect(wrongPassword.code).not.toBe(0);
    expect(wrongPassword.stdout + wrongPassword.stderr).toMatch(/Cannot log in to Snowflake .*Check SNOWFLAKE_USER and SNOWFLAKE_PASSWORD/);
    const query = await hcrm('snowflake query, wrong password', ['query', 'select 1'], snowflake);
    expect(query.code).not.toBe(0);

    const missingKey = await hcrm('snowflake run, unreadable key', ['run'], { ...snowflake, SNOWFLAKE_PRIVATE_KEY_PATH: '/nonexistent/hcrm-test-key.p8' });
    expect(missingKey.code).not.toBe(0);
    expect(missingKey.stdout + missingKey.stderr).toContain('SNOWFLAKE_PRIVATE_KEY_PATH is /nonexistent/hcrm-test-key.p8, which cannot be read');

    const [closedPort] = await freeLocalPorts(1);
    const bigquery = await hcrm('bigquery run, unreachable', ['run'], {
      HCRM_WAREHOUSE: 'bigquery',
      BIGQUERY_PROJECT: 'hcrm-secrets-test',
      BIGQUERY_API_ENDPOINT: `http://127.0.0.1:${closedPort}`,
    });
    expect(bigquery.code).not.toBe(0);
    expect(bigquery.stdout + bigquery.stderr).toMatch(/Cannot reach BigQuery project "hcrm-secrets-test"/);

    // Command output.
    for (const { what, run } of outputs) expect(leaks(run.stdout + run.stderr), `${what}: output`).toEqual([]);
    // Every file the commands wrote: logs, dbt's logs and artifacts, the warehouse, the history's SQLite file.
    const files = states.flatMap(filesUnder);
    expect(files.length).toBeGreaterThan(states.length);
    for (const file of files) expect(leaks(readFileSync(file)), file).toEqual([]);
    // The Temporal history, event by event with payloads decoded, read back from each SQLite file.
    let events = 0;
    for (const stateDir of states) {
      const config = loadConfig({ ...process.env, HCRM_STATE_DIR: stateDir, HCRM_DUCKDB_PATH: '', HCRM_WAREHOUSE: '', TEMPORAL_ADDRESS: '' });
      const temporal = await TestWorkflowEnvironment.createLocal({
        server: { executable: { type: 'existing-path', path: config.temporal.cliPath }, dbFilename: config.temporal.dbFile },
      });
      try {
        for await (const execution of temporal.client.workflow.list()) {
          const history = await temporal.client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
          events += history.events?.length ?? 0;
          const text = JSON.stringify(history, (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value));
          expect(leaks(text), `${stateDir}: history of ${execution.workflowId}`).toEqual([]);
        }
      } finally {
        await temporal.teardown();
      }
    }
    expect(events).toBeGreaterThan(0);
  });
});
