import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { PipelineResult } from '@hcrm/core';
import { createPipelineWorker } from '@hcrm/pipeline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshConfig, queryWarehouse } from './helpers';

// The whole stack for real: the venv's Temporal dev server, the pipeline worker with its real
// activities, real dbt, and a DuckDB file in a temp state dir.
describe('pipeline end to end (Temporal + worker + dbt + DuckDB)', () => {
  const config = freshConfig();
  let env: TestWorkflowEnvironment;

  beforeAll(async () => {
    env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: config.temporal.cliPath } },
    });
  });
  afterAll(async () => {
    await env?.teardown();
    rmSync(config.stateDir, { recursive: true, force: true });
  });

  async function runPipeline(workflowId: string): Promise<PipelineResult> {
    const worker = await createPipelineWorker({ config, connection: env.nativeConnection });
    return worker.runUntil(
      env.client.workflow.execute('pipelineRun', { taskQueue: config.temporal.taskQueue, workflowId, args: [{}] }),
    );
  }

  it('lands the demo data and builds every layer into the DuckDB file', async () => {
    const result = await runPipeline('e2e-first');
    if (process.env.HCRM_RECORD_HISTORY) {
      // Refreshes the replay fixture (workflows/histories/): see docs/workflows.md.
      const args = ['workflow', 'show', '--workflow-id', 'e2e-first', '--address', env.address, '--output', 'json'];
      writeFileSync(process.env.HCRM_RECORD_HISTORY, execFileSync(config.temporal.cliPath, args));
    }

    expect(result.layers.map((layer) => layer.layer)).toEqual(['raw', 'source', 'core', 'identity', 'final']);
    for (const layer of result.layers) {
      expect(layer.problems).toEqual([]);
      expect(layer.models).toBeGreaterThan(0);
    }
    expect(result.landed?.tables).toEqual([{ table: 'gadget_shops_raw', rowsInserted: 8, rowsTotal: 8 }]);
    expect(result.finalTables).toEqual([
      { table: 'persons', rows: 5 },
      { table: 'groups', rows: 7 },
    ]);

    // Jane's two spellings (upper-case, trailing space) are one person; Li Wei owns two shops.
    const persons = await queryWarehouse<{ primary_email: string }>(config, 'select primary_email from persons order by 1');
    expect(persons.map((p) => p.primary_email)).toEqual([
      'ana@verdehome.com',
      'jane.doe@acme-outdoors.com',
      'li.wei@northwind.example',
      'omar@bluebird.coffee',
      'sam@pixelprints.io',
    ]);
    const layersInWarehouse = await queryWarehouse<{ n: number }>(
      config,
      `select count(*) as n from information_schema.tables
       where table_name in ('gadget_shops_raw', 'gadget_shops', 'gadget_events', 'events', 'resolved_person_identifiers', 'persons', 'groups')`,
    );
    expect(layersInWarehouse).toEqual([{ n: 7 }]);
  });

  it('changes nothing when run again on the same data', async () => {
    const result = await runPipeline('e2e-second');
    expect(result.landed?.tables).toEqual([{ table: 'gadget_shops_raw', rowsInserted: 0, rowsTotal: 8 }]);
    expect(result.finalTables).toEqual([
      { table: 'persons', rows: 5 },
      { table: 'groups', rows: 7 },
    ]);
    expect(await queryWarehouse(config, 'select count(*) as n from gadget_shops_raw')).toEqual([{ n: 8 }]);
  });
});
