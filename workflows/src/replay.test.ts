import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';

// Histories recorded from real runs of earlier workflow versions (workflows/histories/). A
// change to the workflow code that cannot replay them would break runs in flight: it must
// come with a new workflow type or a patch (`patched()`), and this test says so.
const historiesDir = fileURLToPath(new URL('../histories/', import.meta.url));
const resolve = createRequire(import.meta.url).resolve;

function histories() {
  return readdirSync(historiesDir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({ file, history: JSON.parse(readFileSync(`${historiesDir}${file}`, 'utf8')) as unknown }));
}

describe('replay of recorded pipeline histories', () => {
  it('has recorded histories to replay', () => {
    expect(histories().length).toBeGreaterThan(0);
  });

  for (const { file, history } of histories()) {
    it(`replays ${file} with the current workflow code`, async () => {
      await Worker.runReplayHistory({ workflowsPath: resolve('./index.ts') }, history);
    });

    it(`rejects ${file} with an incompatible workflow`, async () => {
      const attempt = Worker.runReplayHistory({ workflowsPath: resolve('./__fixtures__/reordered-pipeline.ts') }, history);
      await expect(attempt).rejects.toMatchObject({ name: 'DeterminismViolationError' });
    });
  }
});
