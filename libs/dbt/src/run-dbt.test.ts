import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DbtError, runDbt } from './run-dbt';

// These tests exercise the process handling with small stand-in executables; the real dbt
// runs in the activity and end-to-end tests.
describe('runDbt process handling', () => {
  let dir: string;
  const invocation = (executable: string) => ({
    executable,
    projectDir: dir,
    profilesDir: dir,
    targetPath: join(dir, 'target'),
    logPath: join(dir, 'logs'),
    args: ['build'],
  });
  const script = (name: string, body: string) => {
    const path = join(dir, name);
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hcrm-dbt-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('says how to install dbt when the venv is missing', async () => {
    const attempt = runDbt(invocation(join(dir, 'nope', 'dbt')));
    await expect(attempt).rejects.toThrow(/npm run setup/);
  });

  it('passes the state paths and returns the exit code with the output tail', async () => {
    const fake = script('dbt', 'echo "args: $*"; exit 1');
    const outcome = await runDbt(invocation(fake));
    expect(outcome.exitCode).toBe(1);
    expect(outcome.tail.join('\n')).toContain(`--target-path ${join(dir, 'target')}`);
    expect(outcome.nodes).toEqual([]);
  });

  it('kills dbt when cancelled', async () => {
    const slow = script('dbt', 'echo started; sleep 30');
    const controller = new AbortController();
    const started = Date.now();
    const attempt = runDbt({
      ...invocation(slow),
      signal: controller.signal,
      onLine: (line) => line === 'started' && controller.abort(),
    });
    await expect(attempt).rejects.toBeInstanceOf(DbtError);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
