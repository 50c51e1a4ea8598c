import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { freshConfig, hcrmBin, PINNED_DEMO_SOURCES, repoRoot, runHcrm } from './helpers';

// The `hcrm` executable as a user runs it: it starts its own dev server on the state dir's
// SQLite file, or uses a running `hcrm up`.
describe('hcrm CLI end to end', () => {
  const config = freshConfig();
  // The demo world pinned below is that of the first three sources.
  const env = { HCRM_STATE_DIR: config.stateDir, HCRM_DEMO_SOURCES: PINNED_DEMO_SOURCES };
  afterAll(() => rmSync(config.stateDir, { recursive: true, force: true }));

  it('runs the pipeline twice on a stack it starts, keeping both runs in the persisted history', async () => {
    const first = await runHcrm(['run'], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('(a dev server started for this run)');
    expect(first.stdout).toMatch(/ok {2}final/);
    expect(first.stdout).toContain('Final tables: persons 6, groups 11, memberships 9, identity_merges 0');

    const second = await runHcrm(['run'], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('gadget_shops_raw +0 (8 rows)');

    const rows = await runHcrm(['query', '--json', 'select count(*) as persons from persons'], env);
    expect(rows.code).toBe(0);
    expect(JSON.parse(rows.stdout)).toEqual([{ persons: 6 }]);

    // Reopen the same SQLite file: both runs are in Temporal's history.
    const temporal = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: config.temporal.cliPath }, dbFilename: config.temporal.dbFile },
    });
    try {
      const runs = [];
      for await (const execution of temporal.client.workflow.list({ query: "WorkflowType = 'pipelineRun'" })) {
        runs.push(execution.status.name);
      }
      expect(runs).toEqual(['COMPLETED', 'COMPLETED']);
    } finally {
      await temporal.teardown();
    }
  });

  it('serves runs from `hcrm up` and shuts down cleanly on Ctrl-C', async () => {
    const up = spawn(process.execPath, [hcrmBin, 'up'], {
      cwd: repoRoot,
      env: { ...process.env, ...env, TEMPORAL_ADDRESS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let upOut = '';
    up.stdout.on('data', (chunk: Buffer) => (upOut += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => up.on('close', resolve));
    try {
      await waitFor(() => upOut.includes('Ready.'), () => upOut);
      const uiUrl = /Web UI {5}(http:\/\/localhost:\d+)/.exec(upOut)?.[1];
      expect(uiUrl).toBeDefined();
      expect((await fetch(`${uiUrl}/namespaces/default/workflows`)).status).toBe(200);

      const run = await runHcrm(['run', '--no-demo-data'], env);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('(the running `hcrm up`)');
      expect(run.stdout).not.toContain('land');

      const again = await runHcrm(['up'], env);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('is already using the state dir');

      // Schedules live on the `hcrm up` server; create is idempotent.
      const hcrm = async (...args: string[]) => {
        const result = await runHcrm(args, env);
        expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
        return result.stdout;
      };
      expect(await hcrm('schedule', 'create', '--every', '1h')).toContain('Created schedule');
      expect(await hcrm('schedule', 'create', '--every', '2h')).toContain('Updated schedule');
      expect(await hcrm('schedule', 'describe')).toMatch(/when: +every 2h/);
      expect(await hcrm('schedule', 'pause', '--note', 'testing')).toContain('Paused');
      expect(await hcrm('schedule', 'describe')).toContain('PAUSED (testing)');
      expect(await hcrm('schedule', 'trigger')).toContain('Triggered');
      // The triggered run continues the chain of the run above.
      let status: { runs: Array<{ workflow_id: string; status: string }>; watermarks?: Record<string, string>; schedule?: { paused: boolean } } = { runs: [] };
      await waitFor(
        () => status.runs.some((r) => r.workflow_id.includes('-schedule-run') && r.status === 'COMPLETED'),
        () => JSON.stringify(status),
        async () => {
          status = JSON.parse(await hcrm('status', '--json')) as typeof status;
        },
      );
      expect(status.schedule?.paused).toBe(true);
      expect(Object.keys(status.watermarks ?? {})).toEqual(['gadget', 'manual', 'shopify_partner']);
      // The triggered run advanced the watermark owner, which `hcrm status` reads.
      expect(await hcrm('status')).toMatch(/Watermarks \(owner hcrm-watermarks-duckdb-[0-9a-f]{8}, version \d+, advanced by \S+-schedule-run-/);
      expect(await hcrm('schedule', 'delete')).toContain('Deleted schedule');
      const gone = await runHcrm(['schedule', 'describe'], env);
      expect(gone.code).toBe(1);
      expect(gone.stderr).toContain('There is no schedule');
    } finally {
      up.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(upOut).toContain('Stopped.');
  });
});

/** Waits for a condition (the test's timeout ends a hang), saying what it has seen now and then. */
async function waitFor(condition: () => boolean, describe: () => string, poll?: () => Promise<void>): Promise<void> {
  for (let polls = 1; ; polls++) {
    await poll?.();
    if (condition()) return;
    if (polls % 120 === 0) console.log(`still waiting; output so far:\n${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, poll ? 1000 : 200));
  }
}
