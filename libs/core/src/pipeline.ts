import type { EntityType, IdentityApplied, IdentityBatch, IdentityRound, IdentityRunSummary, MembershipsStaged } from './identity';
import type { Layer } from './layers';

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

export type StepName = 'land' | Layer | 'summarize';
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
}

export interface TableCount {
  table: string;
  rows: number;
}

export interface PipelineResult {
  steps: StepProgress[];
  landed?: LandResult;
  layers: DbtLayerResult[];
  /** Absent in runs recorded before identity resolution moved to SQL activities. */
  identity?: IdentityRunSummary;
  finalTables: TableCount[];
}

/**
 * The activities a pipeline run calls. Workflows import this type only; the implementations
 * live in `@hcrm/activities` and run in the worker.
 */
export interface PipelineActivities {
  /** Lands the bundled demo rows of every registered source into its raw tables. */
  landDemoData(): Promise<LandResult>;
  /** Runs `dbt build` for one layer. The worker holds no DuckDB handle while dbt runs. */
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
  /** Counts the rows of the final tables, for the run summary. */
  summarizeFinalTables(): Promise<TableCount[]>;
}
