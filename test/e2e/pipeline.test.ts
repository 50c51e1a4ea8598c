import { SOURCE_INTERFACES } from '@hcrm/contracts';
import { registeredSources } from '@hcrm/pipeline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PINNED_DEMO_SOURCES, queryWarehouse, recordHistory, runHcrm, startPipelineStack, type PipelineStack } from './helpers';

// The whole stack for real: the venv's Temporal dev server, the pipeline worker with its real
// activities, real dbt, and a DuckDB file in a temp state dir.
describe('pipeline end to end on the demo data (Temporal + worker + dbt + DuckDB)', () => {
  let stack: PipelineStack;
  const query = <T extends Record<string, string | number | boolean | null>>(sql: string) =>
    queryWarehouse<T>(stack.config, sql);

  beforeAll(async () => {
    // The demo world these tests pin is that of the first three sources (others build empty here;
    // test/e2e/source-demos.test.ts builds every source's demo data).
    stack = await startPipelineStack({ env: { HCRM_DEMO_SOURCES: PINNED_DEMO_SOURCES } });
  });
  afterAll(async () => {
    await stack?.teardown();
  });

  it('lands the demo data of every source and builds every layer', async () => {
    const result = await stack.run('e2e-first');
    // Records a replay fixture (workflows/histories/): see docs/workflows.md.
    if (process.env.HCRM_RECORD_HISTORY) recordHistory(stack, 'e2e-first', process.env.HCRM_RECORD_HISTORY);

    // dbt builds four layers; identity resolution is SQL activities between core and final.
    expect(result.layers.map((layer) => layer.layer)).toEqual(['raw', 'source', 'core', 'final']);
    expect(result.identity?.person?.newEntities).toBe(6);
    expect(result.identity?.group?.newEntities).toBe(11);
    for (const layer of result.layers) {
      expect(layer.problems).toEqual([]);
      expect(layer.models).toBeGreaterThan(0);
    }
    expect(result.landed?.tables).toEqual([
      { table: 'gadget_shops_raw', rowsInserted: 8, rowsTotal: 8 },
      { table: 'manual_records_raw', rowsInserted: 4, rowsTotal: 4 },
      { table: 'manual_record_entities_raw', rowsInserted: 23, rowsTotal: 23 },
      { table: 'manual_record_memberships_raw', rowsInserted: 3, rowsTotal: 3 },
      { table: 'shopify_partner_app_events_raw', rowsInserted: 10, rowsTotal: 10 },
    ]);
    // Omar's manual record names both of his emails: one person, not two.
    expect(result.finalTables).toEqual([
      { table: 'persons', rows: 6 },
      { table: 'groups', rows: 11 },
      { table: 'memberships', rows: 9 },
      { table: 'identity_merges', rows: 0 },
    ]);
  });

  it('builds the core event log from all three sources', async () => {
    expect(await query('select source, count(*) as n from core.events group by source order by source')).toEqual([
      { source: 'gadget', n: 8 },
      { source: 'manual', n: 4 },
      { source: 'shopify_partner', n: 9 },
    ]);
    // The Partner API event re-read by the loader (sp-0004) is one event; charges carry value and unit.
    expect(
      await query(
        `select event_name, event_description, value, value_unit from core.events
         where source = 'shopify_partner' and value is not null order by occurred_at`,
      ),
    ).toEqual([
      { event_name: 'subscription_charge_accepted', event_description: 'Acme Outdoors subscription_charge_accepted Loyalty Lion Cub', value: 19.99, value_unit: 'USD' },
      { event_name: 'one_time_charge_accepted', event_description: 'Bluebird Coffee one_time_charge_accepted Loyalty Lion Cub', value: 49, value_unit: 'USD' },
      { event_name: 'credit_applied', event_description: 'Northwind Tea credit_applied Loyalty Lion Cub', value: 5, value_unit: 'USD' },
      { event_name: 'subscription_charge_accepted', event_description: 'Harbor Books subscription_charge_accepted Loyalty Lion Cub', value: 19.99, value_unit: 'EUR' },
    ]);
    // Shop 1001 is known to both Shopify and Gadget by the same id.
    expect(
      await query(
        `select distinct source from core.group_identifiers
         where identifier_type = 'shopify_shop_id' and identifier_value = '1001' order by source`,
      ),
    ).toEqual([{ source: 'gadget' }, { source: 'shopify_partner' }]);
    // Gadget states each owner's membership on every shop event (created: the first version's
    // spelling; updated: the later one's); the manual demo file states three more.
    const memberships = await query<{ m: string }>(
      `select concat_ws(' ', source, person_identifier, group_identifier_type, group_identifier, role) as m
       from core.membership_identifiers order by lower(m), m`,
    );
    expect(memberships.map((row) => row.m)).toEqual([
      'gadget ana@verdehome.com shopify_shop_id 1006 owner',
      'gadget Jane.Doe@Acme-Outdoors.com shopify_shop_id 1001 owner',
      'gadget jane.doe@acme-outdoors.com shopify_shop_id 1001 owner',
      'gadget li.wei@northwind.example shopify_shop_id 1003 owner',
      'gadget LI.WEI@NORTHWIND.EXAMPLE shopify_shop_id 1004 owner',
      'gadget omar@bluebird.coffee shopify_shop_id 1002 owner',
      'gadget sam@pixelprints.io shopify_shop_id 1005 owner',
      'manual jane.doe@acme-outdoors.com domain acme-outdoors.com founder',
      'manual li.wei@northwind.example domain northwind.example executive',
      'manual priya@harborbooks.com domain harborbooks.com owner',
    ]);
  });

  it('records a materialization per asset and each dbt test as a check, which `hcrm assets` shows', async () => {
    const assets = await query<{ asset: string; kind: string; status: string }>(
      `select asset, kind, status from ops.materializations where workflow_id = 'e2e-first' and kind <> 'check' order by asset`,
    );
    const names = assets.map((a) => a.asset);
    for (const expected of ['raw.gadget_shops_raw', 'ops.pipeline_windows', 'raw.gadget_shops', 'core.events', 'identity.person_map', 'crm.persons', 'crm.memberships']) {
      expect(names).toContain(expected);
    }
    expect(assets.every((a) => a.status === 'success')).toBe(true);
    const [persons] = await query<{ rows_written: number }>(`select rows_written from ops.materializations where workflow_id = 'e2e-first' and asset = 'crm.persons'`);
    expect(persons?.rows_written).toBe(6);
    const [checks] = await query<{ n: number }>(`select count(*) as n from ops.materializations where workflow_id = 'e2e-first' and kind = 'check' and status = 'pass'`);
    expect(checks?.n).toBeGreaterThan(100);

    const env = { HCRM_STATE_DIR: stack.config.stateDir };
    const one = await runHcrm(['assets', 'crm.persons'], env);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toContain('crm.persons  (model, layer final)');
    // Its direct upstream: the identity tables and the crm tables it is built from.
    const upstream = /upstream: {3}(.*)/.exec(one.stdout)?.[1] ?? '';
    for (const asset of ['identity.person_entities', 'identity.person_map', 'crm.person_identifiers', 'crm.person_traits']) expect(upstream).toContain(asset);
    expect(one.stdout).toContain('PASS  unique_persons_person_id');
    const all = await runHcrm(['assets', '--json'], env);
    const rows = JSON.parse(all.stdout) as Array<{ asset: string; layer: string; last_status: string }>;
    expect(rows.find((r) => r.asset === 'identity.person_map')).toMatchObject({ layer: 'identity', last_status: 'success' });
  });

  it('declares only known interfaces', () => {
    for (const { definition } of registeredSources) {
      for (const iface of definition.interfaces) expect(SOURCE_INTERFACES).toContain(iface);
    }
  });

  it('changes nothing when run again on the same data', async () => {
    const before = await query('select source, count(*) as n, max(synced_at) as w from core.events group by 1 order by 1');
    const result = await stack.run('e2e-second');
    expect(result.landed?.tables.every((table) => table.rowsInserted === 0)).toBe(true);
    expect(result.identity?.person).toBeUndefined();
    // Omar's manual record names both of his emails: one person, not two.
    expect(result.finalTables).toEqual([
      { table: 'persons', rows: 6 },
      { table: 'groups', rows: 11 },
      { table: 'memberships', rows: 9 },
      { table: 'identity_merges', rows: 0 },
    ]);
    expect(await query('select source, count(*) as n, max(synced_at) as w from core.events group by 1 order by 1')).toEqual(before);
    expect(await query('select count(*) as n from core.person_identifiers')).toEqual(
      await query('select count(distinct id) as n from core.person_identifiers'),
    );
  });
});
