import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findSource } from '@hcrm/pipeline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { landRows, queryWarehouse, runHcrm, startPipelineStack, type PipelineStack } from './helpers';

// Bad input where it enters: a landed row a loader wrote, and a file a user imports. Each bad
// row becomes a reject with its reason; the build goes on, and so do the builds after it.

const [appEventsTable] = findSource('shopify_partner').definition.rawTables;

const appEvent = (id: string, payload: Record<string, unknown>) => ({ event_id: id, payload: JSON.stringify(payload), synced_at: '2026-01-06T10:00:00Z' });
const shop = { id: 'gid://shopify/Shop/7001', name: 'Bad Input Co', myshopifyDomain: 'bad-input.myshopify.com' };
const app = { id: 'gid://partners/App/4242', name: 'Loyalty Lion Cub' };

describe('bad input (Temporal dev server + worker + hcrm processes + dbt + DuckDB)', () => {
  let stack: PipelineStack;
  let dir: string;
  const query = <T extends Record<string, unknown>>(sql: string) => queryWarehouse(stack.config, sql) as Promise<T[]>;
  const hcrm = (...args: string[]) => runHcrm(args, { HCRM_STATE_DIR: stack.config.stateDir });

  beforeAll(async () => {
    stack = await startPipelineStack();
    dir = mkdtempSync(join(tmpdir(), 'hcrm-bad-input-'));
  });
  afterAll(async () => {
    await stack?.teardown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a landed Shopify payload that does not parse is a reject with its reason; the build and the next ones pass', async () => {
    await landRows(stack.config, appEventsTable!, [
      appEvent('bad-amount', { type: 'ONE_TIME_CHARGE_ACCEPTED', occurredAt: '2026-01-06T09:00:00Z', shop, app, charge: { amount: { value: 5 }, currencyCode: 'USD' } }),
      appEvent('bad-time', { type: 'RELATIONSHIP_INSTALLED', occurredAt: 'last tuesday', shop, app }),
      appEvent('no-shop', { type: 'RELATIONSHIP_INSTALLED', occurredAt: '2026-01-06T09:00:00Z', app }),
      appEvent('no-type', { occurredAt: '2026-01-06T09:00:00Z', shop, app }),
      appEvent('good', { type: 'ONE_TIME_CHARGE_ACCEPTED', occurredAt: '2026-01-06T09:30:00Z', shop, app, charge: { amount: '19.90', currencyCode: 'USD' } }),
    ]);
    const first = await stack.run('bad-input-shopify', { landDemoData: false });
    expect(first.layers.every((layer) => layer.problems.every((node) => node.status !== 'error' && node.status !== 'fail'))).toBe(true);
    expect(await query(`select event_id, reject_reason from raw.shopify_partner_app_event_rejects order by event_id`)).toEqual([
      { event_id: 'bad-amount', reject_reason: 'charge.amount is not a number: {"value":5}' },
      { event_id: 'bad-time', reject_reason: 'occurredAt is not a timestamp: last tuesday' },
      { event_id: 'no-shop', reject_reason: 'payload has no shop.id' },
      { event_id: 'no-type', reject_reason: 'payload has no type' },
    ]);
    expect(await query(`select event_id, charge_amount from raw.shopify_partner_app_events where shop_id = '7001'`)).toEqual([{ event_id: 'good', charge_amount: 19.9 }]);
    expect(await query(`select count(*) as n, max(value) as value from core.events where source = 'shopify_partner' and occurred_at >= timestamp '2026-01-06 00:00:00'`)).toEqual([{ n: 1, value: 19.9 }]);
    // The next run re-reads the same window (its lookback) and passes again.
    await stack.run('bad-input-shopify-again', { landDemoData: false });
    expect(await query(`select count(*) as n from raw.shopify_partner_app_event_rejects`)).toEqual([{ n: 4 }]);
  });

  it('a fuzzed manual import lands exactly its good records and rejects the rest with reasons; the pipeline builds them', async () => {
    const record = (id: string, extra: Record<string, unknown> = {}) =>
      JSON.stringify({ id, occurred_at: '2026-01-07T10:00:00Z', event_name: 'fuzzed', persons: [{ identifiers: { email: `${id}@fuzz-shop.com` } }], ...extra });
    const jsonl = Buffer.concat([
      Buffer.from(
        [
          record('ok-1'),
          '{"id": "bad-json", ', // not JSON
          JSON.stringify({ id: 'wrong-type', occurred_at: '2026-01-07T10:00:00Z', persons: [{ identifiers: { email: 42 } }] }),
          record('huge', { event_description: 'x'.repeat(2_000_000) }), // a 2 MB value: kept whole
          record('nul-escaped', { event_description: 'a\u0000b' }), // an escaped NUL is a character like any other
          '',
          record('ok-2'),
          '',
        ].join('\n'),
      ),
      Buffer.from('{"id":"nul-raw","occurred_at":"2026-01-07T10:00:00Z","event_name":"a\u0000b"}\n', 'latin1'), // a raw control character: not JSON
      Buffer.from([...Buffer.from('{"id":"bad-utf8","occurred_at":"2026-01-07T10:00:00Z","event_name":"caf'), 0xe9, ...Buffer.from('"}\n')]), // decoded with U+FFFD
      Buffer.from(`${record('ok-3')}\n`),
    ]);
    const jsonlFile = join(dir, 'fuzz.jsonl');
    writeFileSync(jsonlFile, jsonl);
    const fromJsonl = await hcrm('ingest', 'manual', jsonlFile);
    expect(fromJsonl.code, fromJsonl.stderr).toBe(0);
    expect(fromJsonl.stdout).toContain('Imported 6 records');
    expect(fromJsonl.stdout).toContain('Rejected 3 lines');
    expect(fromJsonl.stdout).toMatch(/line 2: not valid JSON/);
    expect(fromJsonl.stdout).toContain('line 3: identifier persons[0].identifiers.email must be a string or an array of strings');
    expect(fromJsonl.stdout).toMatch(/line 8: not valid JSON: Bad control character/);

    const csvFile = join(dir, 'fuzz.csv');
    writeFileSync(
      csvFile,
      [
        'id,occurred_at,event_name,person.email',
        'c-1,2026-01-07T10:00:00Z,fuzzed,c-1@fuzz-shop.com',
        'c-2,2026-01-07T10:00:00Z', // missing trailing cells are empty cells
        'c-3,2026-01-07T10:00:00Z,fuzzed,c-3@fuzz-shop.com,extra', // more cells than the header
        'c-4,not a time,fuzzed,c-4@fuzz-shop.com',
        '"c-5,2026-01-07T10:00:00Z,fuzzed,c-5@fuzz-shop.com', // an open quote swallows the rest of the file
        'c-6,2026-01-07T10:00:00Z,fuzzed,c-6@fuzz-shop.com',
        '',
      ].join('\n'),
    );
    const fromCsv = await hcrm('ingest', 'manual', csvFile);
    expect(fromCsv.code, fromCsv.stderr).toBe(0);
    expect(fromCsv.stdout).toContain('Imported 2 records');
    expect(fromCsv.stdout).toContain('Rejected 3 lines');
    expect(fromCsv.stdout).toContain('line 4: row has 5 cells but the header has 4');
    expect(fromCsv.stdout).toContain('line 5: occurred_at "not a time" is not an ISO 8601 timestamp');
    // Reported at the end of the file, where the parser gave up on the open quote.
    expect(fromCsv.stdout).toMatch(/line 7: unreadable CSV row: Quote Not Closed/);

    expect(await query(`select count(*) as n from raw.manual_rejects`)).toEqual([{ n: 6 }]);
    await stack.run('bad-input-manual', { landDemoData: false });
    const events = await query<{ n: number; longest: number }>(
      `select count(*) as n, max(length(event_description)) as longest from core.events where source = 'manual' and occurred_at = timestamp '2026-01-07 10:00:00'`,
    );
    expect(events).toEqual([{ n: 8, longest: 2_000_000 }]);
    expect(await query(`select count(*) as n from crm.person_identifiers where identifier_value like '%@fuzz-shop.com'`)).toEqual([{ n: 6 }]);
  });
});
