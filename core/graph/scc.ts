// Strongly connected components, Tarjan's algorithm: R. E. Tarjan, "Depth-first search and linear
// graph algorithms", SIAM J. Computing 1(2), 1972. Iterative (no recursion limit on deep chains),
// O(V + E). Works on any adjacency function, so callers choose the nodes and edges considered.

/**
 * Every strongly connected component of the graph given by `nodes` and `successors`, each as a list
 * of node ids. Components come in reverse topological order (Tarjan's order); singletons included.
 */
export function stronglyConnectedComponents(nodes: readonly string[], successors: (id: string) => readonly string[]): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;

  for (const start of nodes) {
    if (index.has(start)) continue;
    // Each frame: the node and the position in its successor list.
    const frames: { id: string; succ: readonly string[]; i: number }[] = [];
    const visit = (id: string) => {
      index.set(id, counter);
      low.set(id, counter);
      counter++;
      stack.push(id);
      onStack.add(id);
      frames.push({ id, succ: successors(id), i: 0 });
    };
    visit(start);
    while (frames.length) {
      const frame = frames[frames.length - 1];
      if (frame.i < frame.succ.length) {
        const next = frame.succ[frame.i++];
        if (!index.has(next)) visit(next);
        else if (onStack.has(next)) low.set(frame.id, Math.min(low.get(frame.id)!, index.get(next)!));
        continue;
      }
      frames.pop();
      if (frames.length) {
        const parent = frames[frames.length - 1].id;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.id)!));
      }
      if (low.get(frame.id) === index.get(frame.id)) {
        const component: string[] = [];
        let id: string;
        do {
          id = stack.pop()!;
          onStack.delete(id);
          component.push(id);
        } while (id !== frame.id);
        components.push(component);
      }
    }
  }
  return components;
}
