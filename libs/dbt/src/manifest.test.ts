import { describe, expect, it } from 'vitest';
import { assetGraph, downstreamOf, upstreamOf } from './manifest';

// A manifest cut down to the fields we read, shaped like dbt 1.11's.
const manifest = {
  sources: {
    'source.hcrm_source_gadget.gadget.gadget_shops_raw': { resource_type: 'source', name: 'gadget_shops_raw', schema: 'raw', identifier: 'gadget_shops_raw' },
    'source.hcrm.identity.person_map': { resource_type: 'source', name: 'person_map', schema: 'identity', identifier: 'person_map' },
  },
  nodes: {
    'model.hcrm_source_gadget.gadget_shops': {
      resource_type: 'model', name: 'gadget_shops', schema: 'raw', alias: 'gadget_shops', tags: ['raw'],
      depends_on: { nodes: ['source.hcrm_source_gadget.gadget.gadget_shops_raw'] },
    },
    'model.hcrm.events': { resource_type: 'model', name: 'events', schema: 'core', alias: 'events', tags: ['core'], depends_on: { nodes: ['model.hcrm_source_gadget.gadget_shops'] } },
    'model.hcrm.crm_person_identifiers': {
      resource_type: 'model', name: 'crm_person_identifiers', schema: 'crm', alias: 'person_identifiers', tags: ['final'],
      depends_on: { nodes: ['source.hcrm.identity.person_map'] },
    },
    'test.hcrm.unique_events_id.abc': { resource_type: 'test', name: 'unique_events_id', schema: 'dbt_test__audit', attached_node: 'model.hcrm.events', depends_on: { nodes: ['model.hcrm.events'] } },
  },
};

describe('asset graph', () => {
  const graph = assetGraph(manifest);
  const byName = new Map(graph.map((a) => [a.name, a]));

  it('names dbt models by their relation, with their layer tag, upstream and checks', () => {
    expect(byName.get('core.events')).toMatchObject({ kind: 'model', layer: 'core', upstream: ['raw.gadget_shops'], checks: ['unique_events_id'] });
    expect(byName.get('crm.person_identifiers')).toMatchObject({ layer: 'final', upstream: ['identity.person_map'] });
    expect(byName.get('raw.gadget_shops_raw')).toMatchObject({ kind: 'source', layer: 'raw' });
  });

  it('counts a dbt source an activity writes as that activity\'s asset, so lineage runs through it', () => {
    expect(byName.get('identity.person_map')).toMatchObject({ kind: 'activity', id: 'identityApply' });
    expect(upstreamOf(graph, 'crm.person_identifiers')).toEqual(
      expect.arrayContaining(['identity.person_map', 'identity.person_edges', 'identity.person_observations', 'core.person_identifiers']),
    );
    expect(downstreamOf(graph, 'raw.gadget_shops_raw')).toEqual(['raw.gadget_shops', 'core.events']);
  });
});
