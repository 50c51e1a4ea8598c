import type { Warehouse } from '../warehouse';
import { bigQueryEmulatorBinary } from './emulator';

/**
 * The emulator binary for a test file, or undefined after saying (once per file) why its
 * tests skip: they need the binary set-up builds with Go.
 */
export function emulatorBinaryOrWarn(what: string): string | undefined {
  const binary = bigQueryEmulatorBinary();
  if (!binary) {
    console.warn(
      `${what}: skipped, no bigquery-emulator binary (run \`node infra/bigquery-emulator.mjs\` (or \`npm test\`) with Go 1.25+ on PATH to build it into .tools/, or set HCRM_BIGQUERY_EMULATOR to one)`,
    );
  }
  return binary;
}

/**
 * Creates datasets through the API. The emulator accepts `create schema` but does nothing
 * (googlesqlite runs it as a no-op), so tests make the datasets their statements expect.
 */
export async function createDatasets(apiEndpoint: string, projectId: string, names: readonly string[]): Promise<void> {
  const client = await emulatorClient(apiEndpoint, projectId);
  for (const name of names) await client.dataset(name).get({ autoCreate: true });
}

/** The names of a dataset's tables, through the API. */
export async function tableNames(apiEndpoint: string, projectId: string, dataset: string): Promise<string[]> {
  const client = await emulatorClient(apiEndpoint, projectId);
  const [exists] = await client.dataset(dataset).exists();
  if (!exists) return [];
  const [tables] = await client.dataset(dataset).getTables();
  return tables.map((table) => table.id ?? '').sort();
}

/** A BigQuery client of the emulator. The driver loads when used: the barrel exports these helpers. */
async function emulatorClient(apiEndpoint: string, projectId: string) {
  const [{ BigQuery }, { PassThroughClient }] = await Promise.all([import('@google-cloud/bigquery'), import('google-auth-library')]);
  return new BigQuery({ projectId, apiEndpoint, authClient: new PassThroughClient() });
}

/**
 * Runs one statement: 'ok', or the first line of its error (after `onError`, e.g. restoring
 * a fixture the statement replaced). For tests that record which statements the emulator
 * refuses.
 */
export async function statementOutcome(warehouse: Warehouse, statement: string, onError?: () => Promise<void>): Promise<string> {
  try {
    await warehouse.query(statement);
    return 'ok';
  } catch (error) {
    await onError?.();
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
    // An execution error quotes the whole SQLite translation: SQLite's complaint is enough.
    return message.replace(/^failed to exec .*: (sqlite3: )/, 'failed to exec: $1');
  }
}

/**
 * One outcome entry per statement of a check, and runs of equal outcomes as one
 * `name[first..last]` entry.
 *
 * @example
 *   groupOutcomes('dropStagingSql', ['ok', 'ok'])  // { 'dropStagingSql[0..1]': 'ok' }
 */
export function groupOutcomes(name: string, results: readonly string[]): Record<string, string> {
  if (results.length === 1) return { [name]: results[0] ?? '' };
  const grouped: Record<string, string> = {};
  let start = 0;
  for (let i = 1; i <= results.length; i += 1) {
    if (i < results.length && results[i] === results[start]) continue;
    grouped[i - 1 === start ? `${name}[${start}]` : `${name}[${start}..${i - 1}]`] = results[start] ?? '';
    start = i;
  }
  return grouped;
}

/** A named builder's statement(s), run one by one to record what the emulator refuses. */
export interface StatementCheck {
  name: string;
  sql: string | readonly string[];
}

/**
 * Runs every statement of every check with `run` (usually {@link statementOutcome}) and
 * returns the outcomes grouped per check ({@link groupOutcomes}) and a readable line per
 * refused statement; `afterCheck` may add outcomes of its own once a check has run.
 */
export async function checkOutcomes<C extends StatementCheck>(
  checks: readonly C[],
  run: (statement: string, check: C) => Promise<string>,
  afterCheck?: (check: C, outcomes: Record<string, string>) => Promise<void>,
): Promise<{ outcomes: Record<string, string>; refused: string[] }> {
  const outcomes: Record<string, string> = {};
  const refused: string[] = [];
  for (const check of checks) {
    const results: string[] = [];
    for (const statement of [check.sql].flat()) {
      const outcome = await run(statement, check);
      results.push(outcome);
      if (outcome !== 'ok') refused.push(`${check.name}: ${outcome}\n    ${statement.replace(/\s+/g, ' ')}`);
    }
    Object.assign(outcomes, groupOutcomes(check.name, results));
    await afterCheck?.(check, outcomes);
  }
  return { outcomes, refused };
}
