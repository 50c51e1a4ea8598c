import type { EntityType, IdentityApplied, IdentityBatch, IdentityRound, IdentityRunSummary, MembershipsStaged } from './identity';
import type { Layer } from './layers';
import type { LockOwner, SourceWindow, WatermarkAdvance, WatermarkMap, WatermarkOrigin, WatermarkState, WindowsInput } from './orchestration';

/** Input of the `pipelineRun` workflow. Everything is optional; `{}` runs the whole pipeline. */
export interface PipelineInput {
  /** Land the bundled demo data set into the raw tables before building (default true). */
  landDemoData?: boolean;
  /**
   * Rebuild every layer from scratch: dbt's incremental models are rebuilt and identity
   * resolution starts over, so entity ids may be renumbered (default false).
   */
  fullRefresh?: boolean;
}

export type StepName = 'lock' | 'land' | 'windows' | Layer | 'summarize' | 'watermarks';
export type StepStatus = 'pending' | 'running' | 'completed' | 'failed';

export interface StepProgress {
  name: StepName;
  status: StepStatus;
  /** Epoch milliseconds, from workflow time. */
  startedAt?: number;
  finishedAt?: number;
  /** One line a person can read: what the step did or why it failed. */
  detail?: string;
}

/** What the `progress` query of a pipeline run answers. */
export interface PipelineProgress {
  steps: StepProgress[];
}

export interface LandedTable {
  table: string;
  /** Rows the landing added; rows already present (same key) are not landed twice. */
  rowsInserted: number;
  rowsTotal: number;
}

export interface LandResult {
  tables: LandedTable[];
}

export interface DbtNodeSummary {
  uniqueId: string;
  resourceType: string;
  status: string;
  seconds: number;
  rowsAffected?: number;
  /** Tests: the number of failing rows. */
  failures?: number;
  message?: string;
}

export interface DbtLayerResult {
  layer: Layer;
  models: number;
  tests: number;
  /** Nodes whose status was neither success nor pass (warnings included). */
  problems: DbtNodeSummary[];
  /** Wall time of the dbt process, start-up included. */
  seconds: number;
  nodes: DbtNodeSummary[];
  /** This attempt ran `dbt retry`: only what failed or was skipped in the previous attempt. */
  retried?: boolean;
}

export interface TableCount {
  table: string;
  rows: number;
}

export interface PipelineResult {
  steps: StepProgress[];
  landed?: LandResult;
  layers: DbtLayerResult[];
  identity?: IdentityRunSummary;
  finalTables: TableCount[];
  /**
   * The watermarks the next run starts from: per source, the latest synced_at its window held
   * (or its previous watermark when nothing arrived), as sent to the watermark owner.
   */
  watermarks?: WatermarkMap;
  /** Where this run's starting watermarks came from (and the run that advanced them), and the windows it processed. */
  watermarkOrigin?: WatermarkOrigin;
  watermarksFrom?: string;
  /** The watermark owner's version after this run advanced it. */
  watermarkVersion?: number;
  windows?: SourceWindow[];
}

/**
 * The activities a pipeline run calls. Workflows import this type only; the implementations
 * live in `@hcrm/activities` and run in the worker.
 */
export interface PipelineActivities {
  /** Lands the bundled demo rows of every registered source into its raw tables. */
  landDemoData(): Promise<LandResult>;
  /** Runs `dbt build` for one layer; its models read the windows the run fixed (ops.pipeline_windows). */
  dbtBuild(input: { layer: Layer; fullRefresh?: boolean }): Promise<DbtLayerResult>;
  /** Drops every identity table, so the next batch resolves all of history from scratch. */
  identityReset(): Promise<void>;
  /** Stages an entity type's new identifiers and the contracted graph they form. */
  identityPrepare(input: { entityType: EntityType; runId: string }): Promise<IdentityBatch>;
  /** Runs connected-component rounds for up to `maxSeconds`; call again until converged. */
  identityIterate(input: { entityType: EntityType; maxSeconds: number }): Promise<IdentityRound>;
  /** Turns the converged components into entities, merges and quarantined edges, in one transaction. */
  identityApply(input: { entityType: EntityType; runId: string; iterations: number }): Promise<IdentityApplied>;
  /** Normalises new membership identifiers for the final layer. */
  identityMemberships(input: { runId: string }): Promise<MembershipsStaged>;
  /** Takes the warehouse for one run or backfill; retryable while another one holds it. */
  acquireWarehouse(owner: LockOwner): Promise<void>;
  /** Gives the warehouse back. */
  releaseWarehouse(owner: LockOwner): Promise<void>;
  /** The warehouse's watermarks, from their owner workflow (started if it is not running). */
  readWatermarks(): Promise<WatermarkState>;
  /** Sends a successful run's new watermarks to their owner (an Update); idempotent per run. */
  advanceWatermarks(advance: WatermarkAdvance): Promise<WatermarkState>;
  /** The latest synced_at per source already in the core event log (seeds an owner that was never advanced). */
  deriveWatermarks(): Promise<WatermarkMap>;
  /** Fixes the windows the next dbt layers read (ops.pipeline_windows); returns them. */
  setWindows(input: WindowsInput): Promise<SourceWindow[]>;
  /** Fails non-retryably unless every name is a registered source. */
  checkSources(input: { sources: string[] }): Promise<void>;
  /** Counts the rows of the final tables, for the run summary. */
  summarizeFinalTables(): Promise<TableCount[]>;
}
