import type { DemoCheck, RawRow, RegisteredSource } from '@hcrm/contracts';
import { registeredSources } from '@hcrm/pipeline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { landRows, queryWarehouse, startPipelineStack, type PipelineStack } from './helpers';

/** The middle of a source's demo watermarks: the first run lands the rows up to it, the second the rest. */
function cutOf(source: RegisteredSource): string {
  const column = source.definition.watermarkColumn;
  const marks = Object.values(source.demoRows())
    .flat()
    .map((row) => new Date(String(row[column])).toISOString())
    .sort();
  return marks[Math.floor((marks.length - 1) / 2)] ?? '';
}

async function landHalf(stack: PipelineStack, half: 'first' | 'second'): Promise<void> {
  for (const source of registeredSources) {
    const cut = cutOf(source);
    const rows = source.demoRows();
    for (const table of source.definition.rawTables) {
      const mark = (row: RawRow) => new Date(String(row[source.definition.watermarkColumn])).toISOString();
      const chosen = (rows[table.name] ?? []).filter((row) => (half === 'first' ? mark(row) <= cut : mark(row) > cut));
      await landRows(stack.config, table, chosen);
    }
  }
}

const checks = (after: 'first' | 'second') =>
  registeredSources.flatMap((source) => (source.demoChecks ?? []).filter((check) => (check.after ?? 'second') === after).map((check) => ({ source: source.definition.name, check })));

async function expectCheck(stack: PipelineStack, source: string, check: DemoCheck): Promise<void> {
  expect(await queryWarehouse(stack.config, check.sql), `${source}: ${check.description}`).toEqual(check.expected);
}

// Every source's demo data built by the real stack in two increments (each source's rows up to
// the middle of their watermarks, then the rest), and what each source says its demo data
// must show (RegisteredSource.demoChecks) checked after the run it names.
describe("every source's demo data, in two increments", () => {
  let stack: PipelineStack;
  beforeAll(async () => {
    stack = await startPipelineStack();
  });
  afterAll(async () => {
    await stack?.teardown();
  });

  it('builds the first half with every dbt test passing, and what the sources expect of it holds', async () => {
    await landHalf(stack, 'first');
    const result = await stack.run('demos-first', { landDemoData: false });
    for (const layer of result.layers) expect(layer.problems, layer.layer).toEqual([]);
    for (const { source, check } of checks('first')) await expectCheck(stack, source, check);
  });

  it('builds the rest incrementally, and what the sources expect of all of it holds', async () => {
    await landHalf(stack, 'second');
    const result = await stack.run('demos-second', { landDemoData: false });
    for (const layer of result.layers) expect(layer.problems, layer.layer).toEqual([]);
    const sources = await queryWarehouse<{ source: string }>(stack.config, 'select distinct source from core.events order by source');
    expect(sources.map((row) => row.source)).toEqual(registeredSources.map((s) => s.definition.name));
    expect(checks('second').length).toBeGreaterThan(0);
    for (const { source, check } of checks('second')) await expectCheck(stack, source, check);
  });

  // The contract every source implements, checked generically for each registered source on
  // all of its demo data (after the second increment above).
  for (const { definition } of registeredSources) {
    for (const iface of definition.interfaces) {
      const model = `${definition.name}_${iface}`;
      it(`${model} follows the ${iface} contract`, async () => {
        const core = await queryWarehouse<{ column_name: string; data_type: string }>(
          stack.config,
          `select column_name, data_type from information_schema.columns
           where table_schema = 'core' and table_name = '${iface}' order by ordinal_position`,
        );
        const own = await queryWarehouse<{ column_name: string; data_type: string }>(
          stack.config,
          `select column_name, data_type from information_schema.columns
           where table_schema = 'source' and table_name = '${model}'`,
        );
        const ownTypes = Object.fromEntries(own.map((c) => [c.column_name, c.data_type]));
        for (const column of core) expect([column.column_name, ownTypes[column.column_name]]).toEqual([column.column_name, column.data_type]);

        const [counts] = await queryWarehouse<{ rows: number; ids: number; null_keys: number }>(
          stack.config,
          `select count(*) as rows, count(distinct id) as ids,
                  count(*) filter (where id is null or source is null or synced_at is null or occurred_at is null) as null_keys
           from source.${model}`,
        );
        expect(counts?.rows).toBeGreaterThan(0);
        expect(counts?.ids).toBe(counts?.rows);
        expect(counts?.null_keys).toBe(0);
        if (iface !== 'events') {
          const orphans = await queryWarehouse(
            stack.config,
            `select count(*) as n from source.${model} x
             where not exists (select 1 from source.${definition.name}_events e where e.id = x.event_id)`,
          );
          expect(orphans).toEqual([{ n: 0 }]);
        }
      });
    }
  }
});
