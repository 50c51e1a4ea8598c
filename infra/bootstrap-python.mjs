#!/usr/bin/env node
// Creates the project's Python virtualenv (dbt and its adapters, fakesnow, the Temporal CLI) from the
// pinned files beside this script. Idempotent: when the pins, the Python interpreter and the
// venv are unchanged it only compares a stamp and returns.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..');
const REQUIREMENTS = join(here, 'python-requirements.txt');
const CONSTRAINTS = join(here, 'python-constraints.txt');
/** Executables the rest of the project calls; the venv is incomplete without them. */
const REQUIRED_BINS = ['dbt', 'temporal'];

export function venvDir(env = process.env) {
  return resolve(env.HCRM_VENV ?? join(repoRoot, '.venv'));
}

class BootstrapError extends Error {}

function findPython(env) {
  const candidates = env.HCRM_PYTHON ? [env.HCRM_PYTHON] : ['python3', 'python'];
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ['-c', 'import sys; print(sys.version_info[0], sys.version_info[1])'], {
      encoding: 'utf8',
    });
    if (probe.status !== 0) continue;
    const [major, minor] = probe.stdout.trim().split(' ').map(Number);
    if (major === 3 && minor >= 10) return { python: candidate, version: `${major}.${minor}` };
    throw new BootstrapError(
      `Python ${major}.${minor} found at "${candidate}", but dbt needs Python 3.10 or newer: install it or point HCRM_PYTHON at one.`,
    );
  }
  throw new BootstrapError(
    `Python 3 was not found (tried ${candidates.join(', ')}): install Python 3.10+ with venv and pip (Debian: apt-get install python3 python3-venv), or set HCRM_PYTHON to its path.`,
  );
}

function stampFor(pythonVersion) {
  const hash = createHash('sha256');
  hash.update(pythonVersion);
  hash.update(readFileSync(REQUIREMENTS));
  hash.update(readFileSync(CONSTRAINTS));
  return hash.digest('hex');
}

function run(cmd, args, what) {
  const result = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error) throw new BootstrapError(`${what} failed: ${result.error.message}`);
  if (result.status !== 0) {
    const output = `${result.stdout}\n${result.stderr}`.trim().split('\n');
    const failed = output.find((line) => /No matching distribution|Could not find a version|ERROR:/.test(line));
    throw new BootstrapError(
      `${what} failed${failed ? `: ${failed.trim()}` : ''}\n  (last output: ${output.slice(-3).join(' | ')})`,
    );
  }
}

/** Ensures the venv exists and matches the pins. Returns its directory. */
export function bootstrapPython(env = process.env, log = console.log) {
  const dir = venvDir(env);
  const { python, version } = findPython(env);
  const stampFile = join(dir, '.hcrm-stamp');
  const stamp = stampFor(version);
  const binsPresent = REQUIRED_BINS.every((bin) => existsSync(join(dir, 'bin', bin)));
  if (binsPresent && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return dir;

  const started = Date.now();
  log(`[setup] installing the Python toolchain (dbt with its DuckDB, Snowflake and BigQuery adapters, fakesnow, temporal) into ${dir} ...`);
  if (!existsSync(join(dir, 'bin', 'python'))) {
    run(python, ['-m', 'venv', dir], `Creating the virtualenv with "${python} -m venv" (Debian: apt-get install python3-venv)`);
  }
  const pip = join(dir, 'bin', 'pip');
  if (!existsSync(pip)) {
    throw new BootstrapError(`pip is missing from ${dir}: delete that folder and install python3-venv/ensurepip, then re-run.`);
  }
  run(
    pip,
    ['install', '--disable-pip-version-check', '--quiet', '-r', REQUIREMENTS, '-c', CONSTRAINTS],
    `Installing ${REQUIREMENTS.replace(`${repoRoot}/`, '')} with pip`,
  );
  for (const bin of REQUIRED_BINS) {
    if (!existsSync(join(dir, 'bin', bin))) {
      throw new BootstrapError(`pip finished but ${join(dir, 'bin', bin)} is missing: check ${REQUIREMENTS}.`);
    }
  }
  writeFileSync(stampFile, stamp);
  log(`[setup] Python toolchain ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return dir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    bootstrapPython();
  } catch (error) {
    if (!(error instanceof BootstrapError)) throw error;
    console.error(`[setup] ${error.message}`);
    process.exit(1);
  }
}

export { BootstrapError };
