/** An active identity edge, as `hcrm explain` reads it from identity.<entity>_edges. */
export type ExplainEdge = {
  edge_id: string;
  a_type: string;
  a_value: string;
  b_type: string;
  b_value: string;
  event_id: string;
  source: string;
  occurred_at: string;
};

/** One hop of a path: from one identifier to the next, through the edge that links them. */
export interface PathStep {
  from: string;
  to: string;
  edge: ExplainEdge;
}

export function identifierLabel(type: string, value: string): string {
  return `${type}:${value}`;
}

/**
 * Breadth-first search from `root` over the edges (neighbours in sorted order, so the answer
 * is the same every time): for every identifier reached, the hop that reached it. Follow
 * them back with `pathTo`. Identifiers the edges do not reach are absent.
 */
export function searchFrom(root: string, edges: readonly ExplainEdge[]): Map<string, PathStep | undefined> {
  const adjacency = new Map<string, Array<{ to: string; edge: ExplainEdge }>>();
  const link = (from: string, to: string, edge: ExplainEdge) => {
    const list = adjacency.get(from) ?? [];
    list.push({ to, edge });
    adjacency.set(from, list);
  };
  for (const edge of edges) {
    const a = identifierLabel(edge.a_type, edge.a_value);
    const b = identifierLabel(edge.b_type, edge.b_value);
    link(a, b, edge);
    link(b, a, edge);
  }
  for (const list of adjacency.values()) {
    list.sort((x, y) => (x.to === y.to ? x.edge.edge_id.localeCompare(y.edge.edge_id) : x.to.localeCompare(y.to)));
  }
  const reachedBy = new Map<string, PathStep | undefined>([[root, undefined]]);
  const queue = [root];
  for (let head = 0; head < queue.length; head += 1) {
    const current = queue[head] as string;
    for (const { to, edge } of adjacency.get(current) ?? []) {
      if (reachedBy.has(to)) continue;
      reachedBy.set(to, { from: current, to, edge });
      queue.push(to);
    }
  }
  return reachedBy;
}

/** The hops from the search's root to `target`, root first; undefined when not reached. */
export function pathTo(reachedBy: ReadonlyMap<string, PathStep | undefined>, target: string): PathStep[] | undefined {
  if (!reachedBy.has(target)) return undefined;
  const path: PathStep[] = [];
  for (let step = reachedBy.get(target); step; step = reachedBy.get(step.from)) path.push(step);
  return path.reverse();
}
