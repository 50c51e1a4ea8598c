import type { Layer } from './layers';

/** Input of the `pipelineRun` workflow. Everything is optional; `{}` runs the whole pipeline. */
export interface PipelineInput {
  /** Land the bundled demo data set into the raw tables before building (default true). */
  landDemoData?: boolean;
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
  dbtBuild(input: { layer: Layer }): Promise<DbtLayerResult>;
  /** Counts the rows of the final tables, for the run summary. */
  summarizeFinalTables(): Promise<TableCount[]>;
}
