import { identityTable, OPS_TABLES, SCHEMAS, sharedIdentityTable, type IdentityEntityTable } from './catalog';
import type { EntityType } from './identity';
import type { Layer } from './layers';

/**
 * Assets, the Dagster way: every table the pipeline writes. dbt models come from dbt's
 * manifest; the tables SQL activities write are declared here, with what they read, so
 * lineage runs through both (`hcrm assets`, docs/orchestration.md). Their names come from the
 * table catalog (catalog.ts), which a test holds this list to: every identity table a run
 * keeps, and every ops table but the pipeline's own bookkeeping (the lock, the
 * materializations).
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

const identityOf = (entity: EntityType): ActivityAsset[] => {
  const table = (name: IdentityEntityTable) => identityTable(entity, name);
  return [
    {
      name: table('observations'),
      layer: 'identity',
      writtenBy: 'identityApply',
      upstream: [`${SCHEMAS.core}.${entity}_identifiers`],
      description: `every ${entity} identifier occurrence, as written and normalised`,
    },
    {
      name: table('edges'),
      layer: 'identity',
      writtenBy: 'identityApply',
      upstream: [table('observations')],
      description: `${entity} identifier edges with earliest provenance, active or quarantined`,
    },
    {
      name: table('map'),
      layer: 'identity',
      writtenBy: 'identityApply',
      upstream: [table('edges'), table('observations')],
      description: `${entity} identifier -> entity id (connected components)`,
    },
    {
      name: table('entities'),
      layer: 'identity',
      writtenBy: 'identityApply',
      upstream: [table('map')],
      description: `live ${entity} entities and their seeds`,
    },
  ];
};

export const ACTIVITY_ASSETS: readonly ActivityAsset[] = [
  {
    name: OPS_TABLES.windows,
    layer: 'ops',
    writtenBy: 'setWindows',
    upstream: [],
    description: "each source's window of synced_at for the current run or backfill chunk",
  },
  ...identityOf('person'),
  ...identityOf('group'),
  {
    name: sharedIdentityTable('identity_merges'),
    layer: 'identity',
    writtenBy: 'identityApply',
    upstream: [identityTable('person', 'map'), identityTable('group', 'map')],
    description: 'the merge log: absorbed id, surviving id, entity type, run, time',
  },
  {
    name: sharedIdentityTable('identity_quarantine'),
    layer: 'identity',
    writtenBy: 'identityApply',
    upstream: [identityTable('person', 'observations'), identityTable('group', 'observations')],
    description: 'blocked identifier values and edges refused by a per-type limit',
  },
  {
    name: sharedIdentityTable('identity_runs'),
    layer: 'identity',
    writtenBy: 'identityApply',
    upstream: [identityTable('person', 'map'), identityTable('group', 'map'), sharedIdentityTable('membership_observations')],
    description: 'one row per identity batch applied, by type (membership rows from identityMemberships): the crm tables rebuild what runs since their last build changed',
  },
  {
    name: sharedIdentityTable('membership_observations'),
    layer: 'identity',
    writtenBy: 'identityMemberships',
    upstream: [`${SCHEMAS.core}.membership_identifiers`],
    description: 'membership identifiers, normalised like person and group identifiers',
  },
  {
    name: sharedIdentityTable('membership_retractions'),
    layer: 'identity',
    writtenBy: 'identityMemberships',
    upstream: [sharedIdentityTable('membership_observations')],
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
