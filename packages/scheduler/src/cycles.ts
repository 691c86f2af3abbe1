/**
 * Cycle detection with the path, for DAG definitions and for triggers between DAGs.
 * @module
 */

/**
 * Finds a cycle in a graph given as adjacency lists; returns its path (first node repeated).
 * @param nodes every node
 * @param edges node → the nodes it points to
 */
export function findCycle(nodes: Iterable<string>, edges: (node: string) => readonly string[]): string[] | null {
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    state.set(node, 1);
    stack.push(node);
    for (const next of edges(node)) {
      const s = state.get(next);
      if (s === 1) return [...stack.slice(stack.indexOf(next)), next];
      if (s === undefined) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(node, 2);
    return null;
  };
  for (const node of nodes) {
    if (!state.has(node)) {
      const found = visit(node);
      if (found) return found;
    }
  }
  return null;
}
