import type { Layer } from './layers';

/**
 * Assets, the Dagster way: every table the pipeline writes. dbt models come from dbt's
 * manifest; the tables SQL activities write are declared here, with what they read, so
 * lineage runs through both (`hcrm assets`, docs/orchestration.md).
 */
export interface ActivityAsset {
  /** `schema.table` */
  name: string;
  layer: Layer | 'ops';
  /** The activity that writes it. */
  writtenBy: string;
  upstream: string[];
  description: string;
}

const identityOf = (entity: 'person' | 'group'): ActivityAsset[] => [
  {
    name: `identity.${entity}_observations`,
    layer: 'identity',
    writtenBy: 'identityApply',
    upstream: [`core.${entity}_identifiers`],
    description: `every ${entity} identifier occurrence, as written and normalised`,
  },
  {
    name: `identity.${entity}_edges`,
    layer: 'identity',
    writtenBy: 'identityApply',
    upstream: [`identity.${entity}_observations`],
    description: `${entity} identifier edges with earliest provenance, active or quarantined`,
  },
  {
    name: `identity.${entity}_map`,
    layer: 'identity',
    writtenBy: 'identityApply',
    upstream: [`identity.${entity}_edges`, `identity.${entity}_observations`],
    description: `${entity} identifier -> entity id (connected components)`,
  },
  {
    name: `identity.${entity}_entities`,
    layer: 'identity',
    writtenBy: 'identityApply',
    upstream: [`identity.${entity}_map`],
    description: `live ${entity} entities and their seeds`,
  },
];

export const ACTIVITY_ASSETS: readonly ActivityAsset[] = [
  {
    name: 'ops.pipeline_windows',
    layer: 'ops',
    writtenBy: 'setWindows',
    upstream: [],
    description: "each source's window of synced_at for the current run or backfill chunk",
  },
  ...identityOf('person'),
  ...identityOf('group'),
  {
    name: 'identity.identity_merges',
    layer: 'identity',
    writtenBy: 'identityApply',
    upstream: ['identity.person_map', 'identity.group_map'],
    description: 'the merge log: absorbed id, surviving id, entity type, run, time',
  },
  {
    name: 'identity.identity_quarantine',
    layer: 'identity',
    writtenBy: 'identityApply',
    upstream: ['identity.person_observations', 'identity.group_observations'],
    description: 'blocked identifier values and edges refused by a per-type limit',
  },
  {
    name: 'identity.membership_observations',
    layer: 'identity',
    writtenBy: 'identityMemberships',
    upstream: ['core.membership_identifiers'],
    description: 'membership identifiers, normalised like person and group identifiers',
  },
  {
    name: 'identity.membership_retractions',
    layer: 'identity',
    writtenBy: 'identityMemberships',
    upstream: ['identity.membership_observations'],
    description: 'versions of memberships a run replaced, so crm.memberships drops the links they named',
  },
];

/** One recorded materialization of an asset (a row of ops.materializations). */
export interface Materialization {
  asset: string;
  layer: string;
  kind: 'model' | 'activity' | 'check' | 'source';
  status: string;
  rows?: number;
  seconds?: number;
  /** For checks: the dbt test's name. */
  check?: string;
}
