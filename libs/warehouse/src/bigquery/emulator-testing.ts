import { BigQuery } from '@google-cloud/bigquery';
import { PassThroughClient } from 'google-auth-library';
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
  const client = new BigQuery({ projectId, apiEndpoint, authClient: new PassThroughClient() });
  for (const name of names) await client.dataset(name).get({ autoCreate: true });
}

/** The names of a dataset's tables, through the API. */
export async function tableNames(apiEndpoint: string, projectId: string, dataset: string): Promise<string[]> {
  const client = new BigQuery({ projectId, apiEndpoint, authClient: new PassThroughClient() });
  const [exists] = await client.dataset(dataset).exists();
  if (!exists) return [];
  const [tables] = await client.dataset(dataset).getTables();
  return tables.map((table) => table.id ?? '').sort();
}
