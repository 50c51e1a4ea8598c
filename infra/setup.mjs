#!/usr/bin/env node
// One idempotent set-up step for a fresh clone or an existing checkout: npm packages (only when
// package-lock.json changed since the last install), then the Python toolchain. Fast when done.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BootstrapError, bootstrapPython } from './bootstrap-python.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function fail(message) {
  console.error(`[setup] ${message}`);
  process.exit(1);
}

function ensureNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) fail(`Node ${process.versions.node} is too old: install Node 20.19+.`);
}

function ensureNpmPackages() {
  const lockHash = () => createHash('sha256').update(readFileSync(join(repoRoot, 'package-lock.json'))).digest('hex');
  const stampFile = join(repoRoot, 'node_modules', '.hcrm-lock-stamp');
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === lockHash()) return;
  console.log('[setup] installing npm packages (npm install, from package-lock.json) ...');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
  if (result.status !== 0) fail('npm install failed (see the output above); fix it and re-run.');
  // npm may normalise the lock file while installing: stamp what it left behind.
  writeFileSync(stampFile, lockHash());
}

const started = Date.now();
ensureNode();
ensureNpmPackages();
try {
  bootstrapPython();
} catch (error) {
  if (error instanceof BootstrapError) fail(error.message);
  throw error;
}
console.log(`[setup] ready (${Date.now() - started} ms)`);
