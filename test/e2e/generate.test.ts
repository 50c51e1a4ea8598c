import { duckDbPath } from '@hcrm/config';
import { DEFAULT_GENERATE_OPTIONS, generateInto, measureQuality } from '@hcrm/synthetic';
import { registeredSources } from '@hcrm/pipeline';
import { openDuckDbWarehouse } from '@hcrm/warehouse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryWarehouse, runHcrm, startPipelineStack, type PipelineStack } from './helpers';

// The load generator through the real pipeline: its noise (case and format variants, junk,
// shared generic addresses) must not cost a single pair when every person is linkable.
describe('generated data through the pipeline', () => {
  let stack: PipelineStack;

  beforeAll(async () => {
    stack = await startPipelineStack();
  });
  afterAll(async () => {
    await stack?.teardown();
  });

  it('resolves a small generated data set with perfect precision and recall', async () => {
    const warehouse = await openDuckDbWarehouse({ path: duckDbPath(stack.config.warehouse) });
    try {
      const summary = await generateInto(warehouse, registeredSources, {
        ...DEFAULT_GENERATE_OPTIONS,
        persons: 400,
        seed: 11,
        linkAllShare: 1,
        syncedBefore: new Date(),
        append: false,
      });
      expect(summary.persons).toBe(400);
    } finally {
      await warehouse.close();
    }
    await stack.run('generated', { landDemoData: false });
    const measured = await openDuckDbWarehouse({ path: duckDbPath(stack.config.warehouse) });
    try {
      for (const entityType of ['person', 'group'] as const) {
        const quality = await measureQuality(measured, entityType);
        expect(quality, entityType).toMatchObject({ precision: 1, recall: 1, recallLinkable: 1, overMerged: 0, underMerged: 0 });
      }
    } finally {
      await measured.close();
    }
    expect(await queryWarehouse(stack.config, 'select count(*) as n from crm.persons')).toEqual([{ n: 400 }]);
  });

  it('`hcrm generate --append` continues the numbering and adds events for earlier persons', async () => {
    const result = await runHcrm(['generate', '--persons', '50', '--seed', '12', '--append', '--existing-persons', '20'], {
      HCRM_STATE_DIR: stack.config.stateDir,
    });
    expect(result.code, result.stderr).toBe(0);
    // Each of 20 earlier persons with two identifiers gets a record linking them.
    const appended = /Generated 50 persons \(seed 12, numbered from 400\).*; (\d+) new records for earlier persons/.exec(result.stdout);
    expect(Number(appended?.[1])).toBeGreaterThanOrEqual(15);
    const run = await stack.run('generated-append', { landDemoData: false });
    expect(run.identity?.person?.newEntities).toBeGreaterThanOrEqual(50);
    expect(await queryWarehouse(stack.config, `select count(distinct true_id) as n from truth.identifiers where entity_type = 'person' and kind = 'real'`)).toEqual([
      { n: 450 },
    ]);
  });
});
