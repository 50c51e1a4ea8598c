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
});
