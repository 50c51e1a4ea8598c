/**
 * Orchestration contracts: per-source watermarks and windows, the warehouse lock, backfills.
 * docs/orchestration.md explains how they fit together.
 */

/** Source name -> ISO timestamp (UTC): every row with `synced_at` up to it has been processed. */
export type WatermarkMap = Record<string, string>;

/** Where a run's starting watermarks came from (said in its summary). */
export type WatermarkOrigin =
  /** The watermark owner workflow of the warehouse: the map the last successful run advanced it to. */
  | 'owner'
  /** The owner has never been advanced: the maximum `synced_at` per source the warehouse already holds seeds it. */
  | 'warehouse'
  /** Nothing processed yet anywhere: every row is in the window. */
  | 'none'
  /** `fullRefresh`: every row is in the window. */
  | 'full-refresh';

const ORIGIN_TEXT: Record<WatermarkOrigin, string> = {
  owner: 'from the watermark owner, advanced by',
  warehouse: 'derived from the warehouse (the watermark owner has no history yet)',
  none: 'none yet: everything is new',
  'full-refresh': 'ignored (full refresh)',
};

/** Where a run's watermarks came from, for its summary: "from the watermark owner, advanced by hcrm-run-1". */
export function describeWatermarkOrigin(origin: WatermarkOrigin | undefined, from?: string): string {
  return `${origin ? ORIGIN_TEXT[origin] : ''}${from ? ` ${from}` : ''}`;
}

/** Workflow type of the long-lived owner of a warehouse's watermarks (one execution per warehouse). */
export const WATERMARK_OWNER_WORKFLOW = 'watermarkOwner';
/** Its query: the current {@link WatermarkState}. */
export const WATERMARKS_QUERY = 'watermarks';
/** Its Update: a successful run's {@link WatermarkAdvance}; answers with the new state. */
export const ADVANCE_WATERMARKS_UPDATE = 'advanceWatermarks';

/**
 * The per-source watermarks of one warehouse, as their owner workflow holds them in its history
 * (and shows them in its memo and `watermarks` query in the Temporal UI).
 */
export interface WatermarkState {
  watermarks: WatermarkMap;
  /** How many times runs advanced the map; 0 means never (the next run seeds it from the warehouse). */
  version: number;
  /** The run that advanced it last. */
  advancedBy?: { workflowId: string; runId: string; at: string };
}

/** What a successful pipeline run sends its warehouse's owner once its data is committed. */
export interface WatermarkAdvance {
  workflowId: string;
  runId: string;
  /** The version the run read when it fixed its windows: an owner that moved since refuses it. */
  basedOn: number;
  /** Per source, the latest synced_at the run processed; sources it did not process keep theirs. */
  watermarks: WatermarkMap;
  /** A full refresh read everything: its map replaces the owner's instead of merging into it. */
  replace?: boolean;
}

export const EMPTY_WATERMARK_STATE: WatermarkState = { watermarks: {}, version: 0 };

/**
 * Why an owner in `state` must refuse `advance`, or undefined when it may apply it. The same
 * run sending its advance twice (a retried activity) is accepted and changes nothing.
 */
export function watermarkAdvanceProblem(state: WatermarkState, advance: WatermarkAdvance): string | undefined {
  if (state.advancedBy?.runId === advance.runId) return undefined;
  if (advance.basedOn !== state.version) {
    return (
      `run ${advance.workflowId} started from watermark version ${advance.basedOn}, but the owner is at version ${state.version} ` +
      `(advanced by ${state.advancedBy?.workflowId ?? '?'}); its rows are committed and the next run re-reads them`
    );
  }
  return undefined;
}

/** The state after `advance` (already checked with {@link watermarkAdvanceProblem}); `at` is workflow time. */
export function applyWatermarkAdvance(state: WatermarkState, advance: WatermarkAdvance, at: string): WatermarkState {
  if (state.advancedBy?.runId === advance.runId) return state;
  return {
    watermarks: advance.replace ? { ...advance.watermarks } : { ...state.watermarks, ...advance.watermarks },
    version: state.version + 1,
    advancedBy: { workflowId: advance.workflowId, runId: advance.runId, at },
  };
}

/** The rows one run processes for one source: `synced_at` in (from - lookback, to]. */
export interface SourceWindow {
  source: string;
  /** Exclusive lower bound before the lookback; absent means from the beginning. */
  from?: string;
  /** Inclusive upper bound, fixed when the run starts. */
  to: string;
  /** Landed (raw) rows in the window, lookback included, when the window was fixed. */
  rows?: number;
  /** The latest synced_at among them: the source's next watermark. */
  latest?: string;
}

export interface WindowsInput {
  /** Sources to process (default: every registered source); unknown names fail non-retryably. */
  sources?: string[];
  /** Per-source exclusive lower bounds; a source without one is processed from the beginning. */
  from: WatermarkMap;
  /** Inclusive upper bound for every source, fixed when the run starts. */
  to: string;
  /** Re-read this many minutes before each lower bound (default: hcrm.yml pipeline.lookback_minutes). */
  lookbackMinutes?: number;
  runId: string;
}

/** Who holds the warehouse: one pipeline run or backfill at a time works on it. */
export interface LockOwner {
  workflowId: string;
  runId: string;
  /** What the owner is doing, for the message others see while they wait. */
  purpose: string;
}

/** Input of the `backfill` workflow (paste it into the Temporal UI's Start Workflow form). */
export interface BackfillInput {
  /** Registered source names, e.g. ["manual"]. */
  sources: string[];
  /** ISO 8601 timestamps: rows with `synced_at` in (from, to] are reprocessed. */
  from: string;
  to: string;
  /** Length of one chunk in hours (default 24). */
  chunkHours?: number;
}

export interface BackfillProgress {
  status: 'validating' | 'waiting-for-warehouse' | 'running' | 'completed' | 'failed' | 'cancelled';
  chunksDone: number;
  chunksTotal: number;
  /** Landed rows in the chunks processed so far (each reprocessed through every layer). */
  rows: number;
  /** The chunk being processed, or the last error. */
  detail?: string;
}

/** One chunk of a backfill: rows with synced_at in (from, to]. */
export interface BackfillChunk {
  from: string;
  to: string;
}

export const DEFAULT_BACKFILL_CHUNK_HOURS = 24;
export const MAX_BACKFILL_CHUNKS = 1000;

/**
 * Checks a backfill's input and splits its range into chunks. Returns every problem found
 * (the workflow fails non-retryably with them, before touching the warehouse); source names
 * are checked against the registry separately, by an activity.
 */
export function planBackfill(input: unknown): { chunks: BackfillChunk[]; problems: string[] } {
  const problems: string[] = [];
  const value = (input ?? {}) as Partial<Record<keyof BackfillInput, unknown>>;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { chunks: [], problems: ['the input must be an object: { "sources": ["manual"], "from": "<ISO time>", "to": "<ISO time>" }'] };
  }
  const known = ['sources', 'from', 'to', 'chunkHours'];
  for (const key of Object.keys(value)) if (!known.includes(key)) problems.push(`unknown field "${key}"; known: ${known.join(', ')}`);
  const sources = value.sources;
  if (!Array.isArray(sources) || sources.length === 0 || !sources.every((s) => typeof s === 'string' && s.trim() !== '')) {
    problems.push('"sources" must be a non-empty list of source names, e.g. ["manual"]');
  }
  const time = (name: 'from' | 'to'): number | undefined => {
    const raw = value[name];
    // An ISO 8601 date or date-time; without an offset it is read as UTC.
    if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw.trim())) {
      problems.push(`"${name}" must be an ISO 8601 time such as 2026-01-31T00:00:00Z (got ${JSON.stringify(raw)})`);
      return undefined;
    }
    const text = raw.trim().replace(' ', 'T');
    const ms = Date.parse(/[Zz]|[+-]\d{2}:?\d{2}$/.test(text) || text.length === 10 ? text : `${text}Z`);
    if (Number.isNaN(ms)) {
      problems.push(`"${name}" is not a real time: ${JSON.stringify(raw)}`);
      return undefined;
    }
    return ms;
  };
  const from = time('from');
  const to = time('to');
  if (from !== undefined && to !== undefined && from >= to) problems.push(`"from" (${value.from as string}) must be before "to" (${value.to as string})`);
  const chunkHours = value.chunkHours ?? DEFAULT_BACKFILL_CHUNK_HOURS;
  if (typeof chunkHours !== 'number' || !(chunkHours > 0)) problems.push(`"chunkHours" must be a positive number of hours (got ${JSON.stringify(value.chunkHours)})`);
  if (problems.length || from === undefined || to === undefined || typeof chunkHours !== 'number') return { chunks: [], problems };
  const step = chunkHours * 3_600_000;
  const count = Math.ceil((to - from) / step);
  if (count > MAX_BACKFILL_CHUNKS) {
    return { chunks: [], problems: [`the range makes ${count} chunks of ${chunkHours} h; at most ${MAX_BACKFILL_CHUNKS}: raise "chunkHours"`] };
  }
  const chunks: BackfillChunk[] = [];
  for (let start = from; start < to; start += step) {
    chunks.push({ from: new Date(start).toISOString(), to: new Date(Math.min(start + step, to)).toISOString() });
  }
  return { chunks, problems };
}
