import { describe, expect, it } from 'vitest';
import { planBackfill } from './orchestration';

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
