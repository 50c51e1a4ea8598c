import type { EntityType, Layer, PipelineActivities } from '@hcrm/contracts';

/**
 * Where and how the fault suite disturbs a run. A point names one activity of the pipeline
 * (and its layer or entity type), the moment inside it, and what dies there:
 * - `kill-worker`: the worker process SIGKILLs itself (nothing flushed, nothing reported);
 * - `kill-dbt`: the worker SIGKILLs its dbt process and lives on;
 * - `kill-server`: the test SIGKILLs the Temporal dev server and starts it again.
 */
export type FaultAction = 'kill-worker' | 'kill-dbt' | 'kill-server';

export type FaultMoment =
  | { kind: 'start' }
  /** After the activity's work, before it reports: committed, but Temporal never hears of it. */
  | { kind: 'end' }
  /** Once dbt has reported this many finished nodes (models and tests) of the layer. */
  | { kind: 'nodes'; count: number }
  /** Right after this many warehouse statements of the activity (inside its transaction, if any). */
  | { kind: 'statements'; count: number };

export interface FaultPoint {
  /** Position in the plan: the worker arms the points after the last one that fired, in order. */
  index: number;
  action: FaultAction;
  activity: keyof PipelineActivities;
  layer?: Layer;
  entityType?: EntityType;
  at: FaultMoment;
}

/** Which step an activity call is: `dbtBuild:source`, `identityApply:person`, `landDemoData`. */
export function stepKey(activity: string, input: unknown): string {
  const arg = (input ?? {}) as { layer?: string; entityType?: string };
  const part = arg.layer ?? arg.entityType;
  return part ? `${activity}:${part}` : activity;
}

export function pointKey(point: FaultPoint): string {
  return stepKey(point.activity, { layer: point.layer, entityType: point.entityType });
}

export function describePoint(point: FaultPoint): string {
  const at =
    point.at.kind === 'nodes'
      ? `after ${point.at.count} dbt nodes`
      : point.at.kind === 'statements'
        ? `after ${point.at.count} statements`
        : point.at.kind === 'start'
          ? 'at its start'
          : 'after its work, before it reports';
  return `#${point.index} ${point.action} in ${pointKey(point)} ${at}`;
}

/** How much work each step did in an undisturbed run: the fault plan picks its moments inside these. */
export interface StepWork {
  step: string;
  statements: number;
  nodes: number;
}

/** The steps of a run in the order the pipeline takes them (the plan keeps this order). */
export const STEP_ORDER = [
  'acquireWarehouse',
  'landDemoData',
  'setWindows',
  'dbtBuild:raw',
  'dbtBuild:source',
  'dbtBuild:core',
  'identityPrepare:person',
  'identityIterate:person',
  'identityApply:person',
  'identityPrepare:group',
  'identityIterate:group',
  'identityApply:group',
  'identityMemberships',
  'dbtBuild:final',
  'summarizeFinalTables',
  'advanceWatermarks',
  'releaseWarehouse',
] as const;

/** A small seeded generator (mulberry32): the same seed gives the same plan. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A plan of `workerKills` worker kills at distinct moments, one dbt kill inside a dbt layer and
 * one server kill inside another, in pipeline order, chosen by `seed` from the work an
 * undisturbed run did (`work`). Every step with work gets a kill at a moment inside that work
 * where it has some (a dbt node, a statement), at its end otherwise.
 */
export function faultPlan(seed: number, work: readonly StepWork[], workerKills: number): FaultPoint[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const inside = (count: number) => 1 + Math.floor(random() * Math.max(1, count - 1));
  const byStep = new Map(work.map((w) => [w.step, w]));
  const steps = STEP_ORDER.filter((step) => byStep.has(step));
  const dbtSteps = steps.filter((step) => step.startsWith('dbtBuild:') && byStep.get(step)!.nodes > 1);
  const points: Omit<FaultPoint, 'index'>[] = [];
  const target = (step: string) => {
    const [activity, part] = step.split(':') as [keyof PipelineActivities, string | undefined];
    if (!part) return { activity };
    return activity === 'dbtBuild' ? { activity, layer: part as Layer } : { activity, entityType: part as EntityType };
  };
  const momentIn = (step: string): FaultMoment => {
    const w = byStep.get(step)!;
    if (w.nodes > 1) return { kind: 'nodes', count: inside(w.nodes) };
    if (w.statements > 1 && random() < 0.7) return { kind: 'statements', count: inside(w.statements) };
    return { kind: random() < 0.5 ? 'start' : 'end' };
  };
  // Worker kills: the steps in a seeded order, as many as asked (steps repeat when asked for more).
  const shuffled = [...steps].sort(() => random() - 0.5);
  for (let i = 0; i < workerKills; i++) {
    const step = shuffled[i % shuffled.length]!;
    points.push({ action: 'kill-worker', ...target(step), at: momentIn(step) });
  }
  // The last moment of all, the crash between commit and the watermark Update, is always in.
  if (!points.some((p) => p.activity === 'advanceWatermarks')) points[0] = { action: 'kill-worker', activity: 'advanceWatermarks', at: { kind: 'start' } };
  const dbtStep = pick(dbtSteps);
  points.push({ action: 'kill-dbt', ...target(dbtStep), at: momentIn(dbtStep) });
  const serverStep = pick(dbtSteps.filter((step) => step !== dbtStep));
  points.push({ action: 'kill-server', ...target(serverStep), at: momentIn(serverStep) });
  const order = (p: Omit<FaultPoint, 'index'>) => {
    const step = STEP_ORDER.indexOf(pointKey({ ...p, index: 0 }) as (typeof STEP_ORDER)[number]);
    const at = p.at.kind === 'start' ? 0 : p.at.kind === 'end' ? 1e8 : p.at.count;
    return step * 1e9 + at;
  };
  return points.sort((a, b) => order(a) - order(b)).map((p, index) => ({ ...p, index }));
}
