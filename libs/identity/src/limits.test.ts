import { describe, expect, it } from 'vitest';
import { splitByLimits } from './limits';

describe('splitByLimits', () => {
  it('refuses, first come first served, the edge that would give an entity two user ids', () => {
    const { labels, quarantined } = splitByLimits(
      [
        { node: 'e:A', identifier_type: 'user_id', identifier_value: '1' },
        { node: 'i:email', identifier_type: null, identifier_value: null },
        { node: 'i:u2', identifier_type: 'user_id', identifier_value: '2' },
      ],
      [
        { edge_id: 'x', a_node: 'e:A', b_node: 'i:email', a_type: 'user_id', a_value: '1', b_type: 'email', b_value: 'a@x.com' },
        { edge_id: 'y', a_node: 'i:email', b_node: 'i:u2', a_type: 'email', a_value: 'a@x.com', b_type: 'user_id', b_value: '2' },
      ],
      { user_id: 1 },
      'person',
    );
    expect(quarantined.map((q) => q.edgeId)).toEqual(['y']);
    expect(quarantined[0]?.detail).toContain('2 user_id values (limit 1)');
    expect(labels.get('i:email')).toBe(labels.get('e:A'));
    expect(labels.get('i:u2')).toBe('i:u2');
  });
});
