import { findSource } from '@hcrm/pipeline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gadgetShop as shop, landRows, queryWarehouse, startPipelineStack, type PipelineStack } from './helpers';

const [shopsTable] = findSource('gadget').definition.rawTables;
const [recordsTable] = findSource('manual').definition.rawTables;

/** A manual_records_raw row as an import of one line lands it. */
function manualRecord(id: string, syncedAt: string) {
  return {
    id,
    occurred_at: '2026-05-01T00:00:00.000Z',
    event_name: 'note',
    event_type: null,
    event_description: null,
    value: null,
    value_unit: null,
    source_file: 'test.jsonl',
    line_number: 1,
    synced_at: syncedAt,
  };
}

// Per-source watermarks: the core layer follows each source's own synced_at, so a source
// that lags behind another never loses rows because the other moved ahead.
describe('per-source watermarks in the core event log', () => {
  let stack: PipelineStack;
  const coreEvents = () =>
    queryWarehouse(stack.config, 'select source, count(*) as n from core.events group by source order by source');

  beforeAll(async () => {
    stack = await startPipelineStack();
    if (!shopsTable || !recordsTable) throw new Error('unexpected raw table declarations');
  });
  afterAll(async () => {
    await stack?.teardown();
  });

  it("picks up a lagging source's rows that are older than another source's processed rows", async () => {
    // Run 1: gadget synced in January, manual in June.
    await landRows(stack.config, shopsTable!, [shop('2001', '2026-01-10T00:00:00Z')]);
    await landRows(stack.config, recordsTable!, [manualRecord('m-1', '2026-06-01T00:00:00Z')]);
    await stack.run('wm-1', { landDemoData: false });
    expect(await coreEvents()).toEqual([
      { source: 'gadget', n: 1 },
      { source: 'manual', n: 1 },
    ]);

    // A gadget row committed late, synced in March: newer than gadget's watermark, but older
    // than everything manual already brought into core.events.
    await landRows(stack.config, shopsTable!, [shop('2002', '2026-03-15T00:00:00Z')]);
    const [{ newest } = { newest: '' }] = await queryWarehouse<{ newest: string }>(
      stack.config,
      'select max(synced_at) as newest from core.events',
    );
    expect(newest > '2026-03-15').toBe(true); // a single global watermark would skip it

    await stack.run('wm-2', { landDemoData: false });
    expect(await coreEvents()).toEqual([
      { source: 'gadget', n: 2 },
      { source: 'manual', n: 1 },
    ]);
    expect(
      await queryWarehouse(
        stack.config,
        "select identifier_value from core.group_identifiers where identifier_type = 'shopify_shop_id' order by 1",
      ),
    ).toEqual([{ identifier_value: '2001' }, { identifier_value: '2002' }]);
  });

  it('re-reads the lookback window without doubling anything', async () => {
    // Synced five minutes before gadget's watermark: inside the 10-minute lookback.
    await landRows(stack.config, shopsTable!, [shop('2003', '2026-03-14T23:55:00Z')]);
    await stack.run('wm-3', { landDemoData: false });
    expect(await coreEvents()).toEqual([
      { source: 'gadget', n: 3 },
      { source: 'manual', n: 1 },
    ]);
    expect(await queryWarehouse(stack.config, 'select count(*) as n, count(distinct id) as ids from core.group_identifiers')).toEqual([
      { n: 6, ids: 6 },
    ]);
  });
});
