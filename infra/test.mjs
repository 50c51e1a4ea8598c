#!/usr/bin/env node
// The test command's second half (after infra/setup.mjs): the BigQuery emulator the BigQuery
// tests need (built once with Go; without it they skip, saying why), then lint, typecheck,
// build and test every Nx project, unit and end-to-end alike, non-interactively.
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { ensureBigQueryEmulator } from './bigquery-emulator.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
ensureBigQueryEmulator({ log: console.log });
const nx = join(repoRoot, 'node_modules', '.bin', 'nx');
// Nx caches task results across checkouts of this repository on a machine; CI must run them.
const cacheArgs = process.env.CI ? ['--skip-nx-cache'] : [];
const result = spawnSync(
  nx,
  ['run-many', '--targets=lint,typecheck,build,test', '--outputStyle=stream', ...cacheArgs, ...process.argv.slice(2)],
  {
    cwd: repoRoot,
    stdio: 'inherit',
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: '0' },
  },
);
process.exit(result.status ?? 1);
