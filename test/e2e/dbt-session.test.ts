import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@hcrm/config';
import { DbtError, DbtSession, runDbt, type DbtInvocation } from '@hcrm/dbt';
import { openDuckDbWarehouse } from '@hcrm/warehouse';

// The worker's long-lived dbt process with the real dbt and dbt-duckdb from the venv, on a
// small dbt project of its own: commands share one process, their environments stay apart,
// the DuckDB file is free between commands, failures keep dbt's exit codes, and a cancelled
// command kills the process.
describe('dbt session (real dbt, real DuckDB file)', () => {
  const config = loadConfig();
  let dir: string;
  let session: DbtSession;
  let warehousePath: string;

  const invocation = (args: string[], env: Record<string, string> = {}): DbtInvocation => ({
    executable: config.dbt.executable,
    projectDir: join(dir, 'project'),
    profilesDir: join(dir, 'project'),
    targetPath: join(dir, 'target'),
    logPath: join(dir, 'logs'),
    args,
    env: { SESSION_TEST_DUCKDB: warehousePath, ...env },
    session,
  });

  const labels = async (): Promise<string[]> => {
    // Opening for writing proves that the session let go of the file.
    const warehouse = await openDuckDbWarehouse({ path: warehousePath });
    try {
      return (await warehouse.query<{ label: string }>('select label from main.labelled')).map((row) => row.label);
    } finally {
      await warehouse.close();
    }
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hcrm-dbt-session-'));
    warehousePath = join(dir, 'warehouse.duckdb');
    const project = join(dir, 'project');
    mkdirSync(join(project, 'models'), { recursive: true });
    writeFileSync(join(project, 'dbt_project.yml'), 'name: session_test\nversion: "1.0"\nprofile: session_test\nmodel-paths: ["models"]\n');
    writeFileSync(
      join(project, 'profiles.yml'),
      'session_test:\n  target: duckdb\n  outputs:\n    duckdb:\n      type: duckdb\n      path: "{{ env_var(\'SESSION_TEST_DUCKDB\') }}"\n      threads: 1\n',
    );
    writeFileSync(join(project, 'models', 'labelled.sql'), "select '{{ env_var(\"SESSION_TEST_LABEL\", \"unset\") }}' as label\n");
    writeFileSync(join(project, 'models', 'broken.sql'), 'select * from main.no_such_table\n');
    writeFileSync(join(project, 'models', 'slow.py'), 'import time\n\ndef model(dbt, session):\n    time.sleep(120)\n    return session.sql("select 1 as one")\n');
    session = new DbtSession({ python: config.dbt.python });
  });

  afterAll(async () => {
    await session.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs commands in one process, each with its own environment, and frees the file between them', async () => {
    const first = await runDbt(invocation(['run', '--select', 'labelled'], { SESSION_TEST_LABEL: 'first' }));
    expect(first.exitCode).toBe(0);
    expect(first.nodes.map((node) => [node.uniqueId, node.status])).toEqual([['model.session_test.labelled', 'success']]);
    const pid = session.pid;
    expect(pid).toBeGreaterThan(0);
    expect(await labels()).toEqual(['first']);

    // The variable of the first command does not leak into the second.
    const second = await runDbt(invocation(['run', '--select', 'labelled']));
    expect(second.exitCode).toBe(0);
    expect(session.pid).toBe(pid);
    expect(await labels()).toEqual(['unset']);
  });

  it("keeps dbt's exit codes: 1 when a node fails, 2 when dbt itself fails", async () => {
    const failed = await runDbt(invocation(['run', '--select', 'broken']));
    expect(failed.exitCode).toBe(1);
    expect(failed.nodes.map((node) => node.status)).toEqual(['error']);
    expect(failed.tail.join('\n')).toMatch(/no_such_table/);

    const misused = await runDbt(invocation(['run', '--no-such-flag']));
    expect(misused.exitCode).toBe(2);
    expect(misused.tail.join('\n')).toMatch(/no-such-flag|No such option/i);

    // The same process goes on working.
    expect((await runDbt(invocation(['run', '--select', 'labelled']))).exitCode).toBe(0);
  });

  it('kills the process when a command is cancelled and starts a new one for the next command', async () => {
    await runDbt(invocation(['run', '--select', 'labelled']));
    const pid = session.pid;
    const controller = new AbortController();
    const started = Date.now();
    const attempt = runDbt({
      ...invocation(['run', '--select', 'slow']),
      signal: controller.signal,
      killGraceMs: 2000,
      onLine: (line) => {
        if (/START python table model/.test(line)) controller.abort();
      },
    });
    await expect(attempt).rejects.toSatisfy((error: unknown) => error instanceof DbtError && error.kind === 'cancelled');
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(pid !== undefined && existsSync(`/proc/${pid}`)).toBe(false);

    const next = await runDbt(invocation(['run', '--select', 'labelled'], { SESSION_TEST_LABEL: 'after' }));
    expect(next.exitCode).toBe(0);
    expect(session.pid).not.toBe(pid);
    expect(await labels()).toEqual(['after']);
  });

  it('runs a command in a process of its own while the session is busy', async () => {
    const controller = new AbortController();
    const slow = runDbt({ ...invocation(['run', '--select', 'slow']), signal: controller.signal, killGraceMs: 2000 });
    expect(session.busy).toBe(true);
    // The file is taken by the slow command; a parse needs no warehouse.
    const parsed = await runDbt(invocation(['parse']));
    expect(parsed.exitCode).toBe(0);
    expect(parsed.tail.join('\n')).toMatch(/Running with dbt/);
    controller.abort();
    await expect(slow).rejects.toBeInstanceOf(DbtError);
  });
});
