import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers';

const bootstrap = join(repoRoot, 'infra/bootstrap-python.mjs');
const run = (env: Record<string, string>) =>
  spawnSync(process.execPath, [bootstrap], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 20 * 60_000 }); // spawnSync blocks vitest's own timeout: this one ends a hang

describe('Python toolchain bootstrap', () => {
  it('does nothing when the venv already matches the pins', () => {
    const result = run({});
    expect(result.status).toBe(0);
    expect(result.stdout).not.toContain('installing');
  });

  it('says in one message when Python is missing', () => {
    const result = run({ HCRM_PYTHON: '/nonexistent/python3', HCRM_VENV: '/tmp/hcrm-never-created' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('Python 3 was not found (tried /nonexistent/python3)');
  });
});
