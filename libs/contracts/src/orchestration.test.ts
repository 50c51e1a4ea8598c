import { describe, expect, it } from 'vitest';
import { applyWatermarkAdvance, EMPTY_WATERMARK_STATE, planBackfill, watermarkAdvanceProblem } from './orchestration';

describe('planBackfill', () => {
  it('splits the range into chunks of chunkHours, the last one cut at "to"', () => {
    const { chunks, problems } = planBackfill({ sources: ['manual'], from: '2026-01-01', to: '2026-01-02T12:00:00Z' });
    expect(problems).toEqual([]);
    expect(chunks).toEqual([
      { from: '2026-01-01T00:00:00.000Z', to: '2026-01-02T00:00:00.000Z' },
      { from: '2026-01-02T00:00:00.000Z', to: '2026-01-02T12:00:00.000Z' },
    ]);
    expect(planBackfill({ sources: ['x'], from: '2026-01-01T00:00:00+02:00', to: '2026-01-01T01:00:00Z', chunkHours: 1 }).chunks).toHaveLength(3);
  });

  it('reports every problem of bad input at once', () => {
    expect(planBackfill({ sources: [], from: 'yesterday', to: '2026-13-01', extra: 1 }).problems).toEqual([
      'unknown field "extra"; known: sources, from, to, chunkHours',
      '"sources" must be a non-empty list of source names, e.g. ["manual"]',
      '"from" must be an ISO 8601 time such as 2026-01-31T00:00:00Z (got "yesterday")',
      '"to" is not a real time: "2026-13-01"',
    ]);
    expect(planBackfill({ sources: ['manual'], from: '2026-02-01', to: '2026-01-01' }).problems).toEqual([
      '"from" (2026-02-01) must be before "to" (2026-01-01)',
    ]);
    expect(planBackfill({ sources: ['manual'], from: '2020-01-01', to: '2026-01-01', chunkHours: 1 }).problems[0]).toMatch(/at most 1000: raise "chunkHours"/);
    expect(planBackfill(null).problems[0]).toMatch(/must be an object/);
  });
});

describe('watermark advances', () => {
  const at = '2026-03-01T00:00:00.000Z';
  const state = applyWatermarkAdvance(EMPTY_WATERMARK_STATE, { workflowId: 'w1', runId: 'r1', basedOn: 0, watermarks: { a: '1', b: '2' } }, at);

  it('merges a run\'s map, counts versions, and names the run', () => {
    expect(state).toEqual({ watermarks: { a: '1', b: '2' }, version: 1, advancedBy: { workflowId: 'w1', runId: 'r1', at } });
    expect(applyWatermarkAdvance(state, { workflowId: 'w2', runId: 'r2', basedOn: 1, watermarks: { a: '3' } }, at).watermarks).toEqual({ a: '3', b: '2' });
  });

  it('lets a full refresh replace the map: a source it found nothing for starts over', () => {
    expect(applyWatermarkAdvance(state, { workflowId: 'w2', runId: 'r2', basedOn: 1, watermarks: { a: '3' }, replace: true }, at).watermarks).toEqual({ a: '3' });
  });

  it('accepts the same run twice without moving, and refuses a run based on another version', () => {
    const again = { workflowId: 'w1', runId: 'r1', basedOn: 0, watermarks: { a: '9' } };
    expect(watermarkAdvanceProblem(state, again)).toBeUndefined();
    expect(applyWatermarkAdvance(state, again, at)).toBe(state);
    expect(watermarkAdvanceProblem(state, { workflowId: 'w3', runId: 'r3', basedOn: 0, watermarks: {} })).toMatch(/started from watermark version 0, but the owner is at version 1 \(advanced by w1\)/);
  });
});
