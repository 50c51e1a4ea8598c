import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { discoverSources, loadConfig } from '@hcrm/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { landRows, queryWarehouse, repoRoot, runHcrm } from './helpers';

/** Every file of a checkout below `root`, relative to it, leaving out installs, state and caches. */
function listFiles(root: string, dir = root, into: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (['node_modules', '.nx', '.hcrm', '.venv', '.tools', 'dist', 'dbt_packages', 'target', 'logs'].includes(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) listFiles(root, path, into);
    else into.push(relative(root, path));
  }
  return into.sort();
}

/**
 * A scratch copy of this checkout: its tracked and untracked (not ignored) files, the Python
 * venv and tools linked, and a node_modules whose packages link to this one's except the
 * workspace packages (@hcrm/*), which link into the copy, so the copy runs its own code.
 */
function scratchCopy(): string {
  const copy = mkdtempSync(join(tmpdir(), 'hcrm-checkout-'));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repoRoot, encoding: 'utf8' })
    .split('\0')
    .filter((file) => file && existsSync(join(repoRoot, file)));
  for (const file of files) cpSync(join(repoRoot, file), join(copy, file), { recursive: true });
  for (const linked of ['.venv', '.tools']) if (existsSync(join(repoRoot, linked))) symlinkSync(join(repoRoot, linked), join(copy, linked));
  mkdirSync(join(copy, 'node_modules', '@hcrm'), { recursive: true });
  for (const entry of readdirSync(join(repoRoot, 'node_modules'))) {
    if (entry !== '@hcrm') symlinkSync(join(repoRoot, 'node_modules', entry), join(copy, 'node_modules', entry));
  }
  for (const entry of readdirSync(join(repoRoot, 'node_modules', '@hcrm'))) {
    symlinkSync(readlinkSync(join(repoRoot, 'node_modules', '@hcrm', entry)), join(copy, 'node_modules', '@hcrm', entry));
  }
  return copy;
}

/** Nx in the copy, as an engineer runs it (no daemon, no terminal UI). */
function nx(copy: string, args: string[]) {
  return spawnSync(process.execPath, [join(copy, 'node_modules', 'nx', 'dist', 'bin', 'nx.js'), ...args], {
    cwd: copy,
    encoding: 'utf8',
    env: { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false', NX_NO_CLOUD: 'true', NX_INTERACTIVE: 'false' },
  });
}

// Adding a source is one command: the generator's lib, in a scratch copy of the repository,
// is linted, typechecked and tested as generated, and a row landed into its raw table comes
// out of a real pipeline run (Temporal dev server, worker, dbt, DuckDB) as a person identifier.
describe('a source made by the generator (scratch copy of the repository)', () => {
  let copy: string;
  let before: string[];
  const stateDir = mkdtempSync(join(tmpdir(), 'hcrm-e2e-generated-'));
  const env = { HCRM_STATE_DIR: stateDir };

  beforeAll(() => {
    copy = scratchCopy();
    before = listFiles(copy);
  });
  afterAll(() => {
    rmSync(stateDir, { recursive: true, force: true });
    if (copy) rmSync(copy, { recursive: true, force: true });
  });

  it('writes libs/sources/<name>/ and nothing else, after a dry run that writes nothing', () => {
    const dry = nx(copy, ['g', '@hcrm/nx-plugin:source', 'crm_lite', '--dry-run']);
    expect(dry.status, dry.stderr + dry.stdout).toBe(0);
    expect(dry.stdout).toContain('libs/sources/crm_lite/src/source.ts');
    expect(listFiles(copy)).toEqual(before);

    const real = nx(copy, ['g', '@hcrm/nx-plugin:source', 'crm_lite']);
    expect(real.status, real.stderr + real.stdout).toBe(0);
    const after = listFiles(copy);
    const added = after.filter((file) => !before.includes(file));
    expect(added.length).toBeGreaterThan(5);
    expect(added.filter((file) => !file.startsWith('libs/sources/crm_lite/'))).toEqual([]);
    expect(before.filter((file) => !after.includes(file))).toEqual([]);
  });

  it('passes lint, typecheck and its contract test with no edit', () => {
    const checks = nx(copy, ['run-many', '-t', 'lint,typecheck,test', '-p', 'source-crm-lite', '--skip-nx-cache']);
    expect(checks.status, checks.stdout.slice(-4000) + checks.stderr.slice(-2000)).toBe(0);
  });

  it('builds a row landed into its raw table into crm.person_identifiers', async () => {
    const generated = (await discoverSources(copy)).find((s) => s.definition.name === 'crm_lite');
    expect(generated?.definition.interfaces).toContain('person_identifiers');
    const [table] = generated?.definition.rawTables ?? [];
    if (!table) throw new Error('the generated source declares no raw table');
    const config = loadConfig({ ...process.env, HCRM_STATE_DIR: stateDir, HCRM_DUCKDB_PATH: '', TEMPORAL_ADDRESS: '', HCRM_WAREHOUSE: '' }, copy);
    const row: Record<string, string> = {
      id: 'lead-1',
      occurred_at: '2026-06-01T10:00:00Z',
      event_name: 'signed_up',
      email: '  Grace.Hopper@Hopper-Labs.io ',
      person_name: 'Grace Hopper',
      domain: 'hopper-labs.io',
      company_name: 'Hopper Labs',
      role: 'admiral',
      synced_at: new Date().toISOString(),
    };
    await landRows(config, table, [Object.fromEntries(Object.keys(table.columns).map((column) => [column, row[column] ?? null]))]);

    const run = await runHcrm(['run', '--no-demo-data'], env, copy);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    // Only this row was landed (no demo data): it is the one person identifier there is.
    const identifiers = await queryWarehouse(config, 'select identifier_type, identifier_value, cast(sources as varchar) as sources from crm.person_identifiers');
    expect(identifiers).toEqual([{ identifier_type: 'email', identifier_value: 'grace.hopper@hopper-labs.io', sources: expect.stringContaining('crm_lite') }]);
    expect(await queryWarehouse(config, `select count(*) as n from core.events where source = 'crm_lite'`)).toEqual([{ n: 1 }]);
  });
});
