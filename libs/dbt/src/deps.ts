import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertDbtInstalled, DbtError } from './run-dbt';

export interface DepsInvocation {
  executable: string;
  projectDir: string;
  profilesDir: string;
  env?: Record<string, string>;
}

const LOCK_STALE_MS = 5 * 60_000;

/**
 * Runs `dbt deps` when packages.yml changed since the last install (the source libs' local
 * packages are linked into dbt_packages/). A no-op costing one file read otherwise. Several
 * processes may call it at once (parallel tests): a lock directory serialises them.
 */
export async function ensureDbtDeps(invocation: DepsInvocation): Promise<boolean> {
  const packagesFile = join(invocation.projectDir, 'packages.yml');
  const installDir = join(invocation.projectDir, 'dbt_packages');
  const stampFile = join(installDir, '.hcrm-deps-stamp');
  // dbt links local packages by absolute path: a moved or copied checkout must re-link.
  const wanted = createHash('sha256').update(invocation.projectDir).update(readFileSync(packagesFile)).digest('hex');
  const fresh = () => existsSync(stampFile) && readFileSync(stampFile, 'utf8') === wanted;
  if (fresh()) return false;

  const lock = join(invocation.projectDir, '.dbt-deps.lock');
  await acquire(lock);
  try {
    if (fresh()) return false;
    assertDbtInstalled(invocation.executable);
    const result = spawnSync(
      invocation.executable,
      ['deps', '--project-dir', invocation.projectDir, '--profiles-dir', invocation.profilesDir],
      { cwd: invocation.projectDir, encoding: 'utf8', env: { ...process.env, ...invocation.env } },
    );
    if (result.status !== 0) {
      const tail = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-5).join(' | ');
      throw new DbtError(`dbt deps failed (exit ${result.status}): ${tail}`, 'crashed');
    }
    mkdirSync(installDir, { recursive: true });
    writeFileSync(stampFile, wanted);
    return true;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

async function acquire(lock: string): Promise<void> {
  for (;;) {
    try {
      mkdirSync(lock);
      return;
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true });
      } catch {
        // the holder just released it
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
