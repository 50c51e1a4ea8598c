import type { RawTableDefinition } from '@hcrm/contracts';
import { addMissingRawColumnsSql, createOpsTablesSql, createRawTableSql, insertRawRowsFromSql, replaceWindowsSql, sqlString } from '@hcrm/sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Warehouse } from '../warehouse';
import { openBigQueryWarehouse } from './bigquery-warehouse';
import { type RunningBigQueryEmulator, startBigQueryEmulator } from './emulator';
import { checkOutcomes, createDatasets, emulatorBinaryOrWarn, statementOutcome, type StatementCheck } from './emulator-testing';

/**
 * Runs every statement the ops and raw SQL builders write for the `bigquery` dialect on
 * bigquery-emulator, one at a time, so each outcome is the statement's own. The emulator
 * parses and analyses with googlesql, BigQuery's own front end: a parse or analysis error
 * there is BigQuery's too. (The identity builders: libs/identity/src/bigquery-emulator.test.ts.)
 *
 * EXPECTED records today's outcomes. When a builder is fixed its entry fails here: set it
 * to 'ok'.
 */
const PROJECT = 'hcrm-sql';
const D = 'bigquery' as const;
const binary = emulatorBinaryOrWarn('BigQuery SQL builder checks against bigquery-emulator');

const EXPECTED: Record<string, 'ok' | string> = {
  'createOpsTablesSql[0..3]': 'ok',
  // BigQuery wants a WHERE on every DELETE: the builder writes `where true`.
  'replaceWindowsSql[0..1]': 'ok',
  'createRawTableSql': 'ok',
  // Accepted, but a no-op on the emulator (googlesqlite runs ALTER TABLE as metadata-only).
  'addMissingRawColumnsSql[0..2]': 'ok',
  // BigQuery cannot compare JSON: repeats are dropped as staged text, before the casts.
  'insertRawRowsFromSql (skipExisting, JSON column)': 'ok',
  'insertRawRowsFromSql (as is, JSON column)': 'ok',
  // BigQuery: a quote is escaped with a backslash; sqlString doubles it.
  'sqlString("it\'s")': 'concatenated string literals must be separated by whitespace or comments',
};

const JSON_TABLE: RawTableDefinition = {
  name: 'demo_events_raw',
  columns: { id: 'string', payload: 'json', synced_at: 'timestamp' },
  key: ['id', 'synced_at'],
};

function checks(): StatementCheck[] {
  const select = (expression: string) => `select ${expression} as v`;
  return [
    { name: 'createOpsTablesSql', sql: createOpsTablesSql(D) },
    { name: 'replaceWindowsSql', sql: replaceWindowsSql(D, [{ source: 'manual', from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' }], 10, 'run1') },
    { name: 'createRawTableSql', sql: createRawTableSql(JSON_TABLE, D) },
    { name: 'addMissingRawColumnsSql', sql: addMissingRawColumnsSql(JSON_TABLE, D) },
    { name: 'insertRawRowsFromSql (skipExisting, JSON column)', sql: insertRawRowsFromSql(JSON_TABLE, 'raw.staged_events', D, { skipExisting: true }) },
    { name: 'insertRawRowsFromSql (as is, JSON column)', sql: insertRawRowsFromSql(JSON_TABLE, 'raw.staged_events', D, { skipExisting: false }) },
    { name: 'sqlString("it\'s")', sql: select(sqlString("it's")) },
  ];
}

describe.skipIf(!binary)('SQL builders for BigQuery, run on bigquery-emulator', () => {
  let emulator: RunningBigQueryEmulator;
  let warehouse: Warehouse;

  beforeAll(async () => {
    emulator = await startBigQueryEmulator({ binary: binary ?? '', projectId: PROJECT });
    warehouse = await openBigQueryWarehouse({ projectId: PROJECT, apiEndpoint: emulator.apiEndpoint });
    await createDatasets(emulator.apiEndpoint, PROJECT, ['ops', 'raw']);
    await warehouse.execute(`create table raw.staged_events (id string, payload string, synced_at string)`);
  });
  afterAll(async () => {
    await warehouse?.close();
    await emulator?.stop();
  });

  it('records which statements BigQuery (or only the emulator) refuses', async () => {
    const { outcomes, refused } = await checkOutcomes(checks(), (statement) => statementOutcome(warehouse, statement));
    console.info(`Statements refused on bigquery-emulator:\n${refused.join('\n')}`);
    expect(outcomes).toEqual(
      Object.fromEntries(Object.entries(EXPECTED).map(([name, outcome]) => [name, outcome === 'ok' ? 'ok' : expect.stringContaining(outcome)])),
    );
  });
});
