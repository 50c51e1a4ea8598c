import { describe, expect, it } from 'vitest';
import { pathTo, searchFrom, type ExplainEdge } from './explain-paths';

function edge(id: string, a: string, b: string): ExplainEdge {
  const [aType, aValue] = a.split(':') as [string, string];
  const [bType, bValue] = b.split(':') as [string, string];
  return { edge_id: id, a_type: aType, a_value: aValue, b_type: bType, b_value: bValue, event_id: `ev-${id}`, source: 'test', occurred_at: '2025-01-01' };
}

describe('explain paths', () => {
  const edges = [edge('1', 'email:a', 'phone:1'), edge('2', 'phone:1', 'user_id:7'), edge('3', 'email:a', 'user_id:7'), edge('4', 'email:z', 'phone:9')];

  it('finds the shortest path from the root to each identifier, hop by hop', () => {
    const reached = searchFrom('email:a', edges);
    expect(pathTo(reached, 'email:a')).toEqual([]);
    expect(pathTo(reached, 'user_id:7')?.map((s) => s.edge.edge_id)).toEqual(['3']);
    expect(pathTo(reached, 'phone:1')?.map((s) => [s.from, s.to])).toEqual([['email:a', 'phone:1']]);
  });

  it('leaves out identifiers the edges do not reach', () => {
    expect(pathTo(searchFrom('email:a', edges), 'phone:9')).toBeUndefined();
  });

  it('walks a long chain without copying paths', () => {
    const chain = Array.from({ length: 5000 }, (_, i) => edge(String(i), `user_id:${i}`, `user_id:${i + 1}`));
    const path = pathTo(searchFrom('user_id:0', chain), 'user_id:5000');
    expect(path).toHaveLength(5000);
    expect(path?.at(-1)?.to).toBe('user_id:5000');
  });
});
