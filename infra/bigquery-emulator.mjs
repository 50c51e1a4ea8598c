#!/usr/bin/env node
// Builds goccy/bigquery-emulator from source with Go, once, into .tools/: the BigQuery
// adapter's integration tests run against it (libs/warehouse/src/bigquery). There is no
// prebuilt binary to fetch here, and `go install ...@version` fails behind a proxy that
// refuses the module's version list (go install reads it for deprecation notices), so a
// throwaway module requires the emulator and `go build` compiles its command. Optional: without
// Go, or when the build fails, set-up goes on and those tests skip, saying why.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIGQUERY_EMULATOR_VERSION = 'v0.8.1';
const MODULE = 'github.com/goccy/bigquery-emulator';
const COMMAND = `${MODULE}/cmd/bigquery-emulator`;
/** A cold build downloads ~150 modules and compiles a pure-Go SQLite: minutes, not hours. */
const STEP_TIMEOUT_MS = 30 * 60 * 1000;

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const toolsDir = join(repoRoot, '.tools');

/** Where the binary lives; the tests look for it here (libs/warehouse/src/bigquery/emulator.ts). */
export function bigQueryEmulatorBinary() {
  return join(toolsDir, `bigquery-emulator-${BIGQUERY_EMULATOR_VERSION}`, 'bigquery-emulator');
}

class BuildError extends Error {}

/**
 * Returns the emulator binary's path, building it first when it is missing; undefined (with
 * the reason logged) when it is skipped or cannot be built. The binary is renamed into place
 * only once complete, so its existence is the idempotency check: the second call is instant.
 */
export function ensureBigQueryEmulator({ log = console.log, env = process.env } = {}) {
  const binary = bigQueryEmulatorBinary();
  if (env.HCRM_SKIP_BIGQUERY_EMULATOR === '1') {
    log('[setup] not building bigquery-emulator (HCRM_SKIP_BIGQUERY_EMULATOR=1): the BigQuery integration tests will skip');
    return undefined;
  }
  if (existsSync(binary)) return binary;
  // A build that failed is not tried on every test run (it can take minutes to fail).
  const failed = `${binary}.failed`;
  if (existsSync(failed)) {
    log(`[setup] bigquery-emulator is not built (an earlier build failed: ${readFileSync(failed, 'utf8').trim()}); the BigQuery integration tests will skip. Delete ${failed} to try again.`);
    return undefined;
  }
  if (!goVersion(env)) {
    log(
      `[setup] go is not on PATH, so bigquery-emulator ${BIGQUERY_EMULATOR_VERSION} is not built and the BigQuery integration tests will skip (install Go 1.25+ and re-run setup to run them)`,
    );
    return undefined;
  }
  const started = Date.now();
  log(`[setup] building bigquery-emulator ${BIGQUERY_EMULATOR_VERSION} with go (a few minutes, once) ...`);
  try {
    build(binary, env, log);
  } catch (error) {
    if (!(error instanceof BuildError)) throw error;
    log(`[setup] could not build bigquery-emulator, so the BigQuery integration tests will skip: ${error.message}`);
    mkdirSync(dirname(failed), { recursive: true });
    writeFileSync(failed, `${error.message}\n`);
    return undefined;
  }
  log(`[setup] bigquery-emulator ready in ${((Date.now() - started) / 1000).toFixed(0)} s: ${binary}`);
  return binary;
}

function goVersion(env) {
  const probe = spawnSync('go', ['version'], { encoding: 'utf8', env });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

function build(binary, env, log) {
  const moduleDir = join(toolsDir, `bigquery-emulator-${BIGQUERY_EMULATOR_VERSION}-build`);
  const partial = `${binary}.partial`;
  rmSync(moduleDir, { recursive: true, force: true });
  mkdirSync(moduleDir, { recursive: true });
  mkdirSync(dirname(binary), { recursive: true });
  // -mod=mod lets go update go.mod/go.sum as it resolves; the module is ours and throwaway.
  // No VCS stamping: the build module sits inside this repository's checkout.
  const goEnv = { ...env, GOFLAGS: '-mod=mod -buildvcs=false', GOWORK: 'off' };
  const go = (args, what) => run('go', args, { cwd: moduleDir, env: goEnv }, what);
  try {
    go(['mod', 'init', 'hcrm.local/bigquery-emulator-build'], 'go mod init');
    log(`[setup]   go get ${MODULE}@${BIGQUERY_EMULATOR_VERSION} (downloads its modules) ...`);
    go(['get', `${MODULE}@${BIGQUERY_EMULATOR_VERSION}`], `go get ${MODULE}@${BIGQUERY_EMULATOR_VERSION}`);
    // Importing the command keeps its dependencies in go.mod through `go mod tidy`.
    writeFileSync(join(moduleDir, 'tools.go'), `//go:build tools\n\npackage tools\n\nimport _ "${COMMAND}"\n`);
    go(['mod', 'tidy'], 'go mod tidy');
    log('[setup]   go build (compiles the emulator and its SQLite engine) ...');
    go(['build', '-o', partial, COMMAND], `go build ${COMMAND}`);
    run(partial, ['--version'], { env }, 'running the built emulator');
    renameSync(partial, binary);
  } finally {
    rmSync(partial, { force: true });
    rmSync(moduleDir, { recursive: true, force: true });
  }
}

function run(command, args, options, what) {
  const result = spawnSync(command, args, { ...options, encoding: 'utf8', timeout: STEP_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error) throw new BuildError(`${what} failed: ${result.error.message}`);
  if (result.status !== 0) {
    const lines = `${result.stdout}\n${result.stderr}`.trim().split('\n').filter(Boolean);
    throw new BuildError(`${what} failed (exit ${result.status}): ${lines.slice(-5).join(' | ')}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  ensureBigQueryEmulator();
}
