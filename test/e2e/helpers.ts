import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type HcrmConfig } from '@hcrm/config';
import { openDuckDbWarehouse, type Row } from '@hcrm/warehouse';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const hcrmBin = join(repoRoot, 'apps/cli/bin/hcrm.js');

/** A config whose state (warehouse, Temporal history, logs) lives in a fresh temp dir. */
export function freshConfig(): HcrmConfig {
  const stateDir = mkdtempSync(join(tmpdir(), 'hcrm-e2e-'));
  return loadConfig({ ...process.env, HCRM_STATE_DIR: stateDir, HCRM_DUCKDB_PATH: '', TEMPORAL_ADDRESS: '' });
}

export async function queryWarehouse<T extends Row = Row>(config: HcrmConfig, sql: string): Promise<T[]> {
  const warehouse = await openDuckDbWarehouse({ path: config.warehouse.path, readOnly: true });
  try {
    return await warehouse.query<T>(sql);
  } finally {
    await warehouse.close();
  }
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `hcrm` executable, as a user would from the repository root. */
export function runHcrm(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [hcrmBin, ...args], {
      cwd: repoRoot,
      env: { ...process.env, TEMPORAL_ADDRESS: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
