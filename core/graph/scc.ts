// Strongly connected components, Tarjan's algorithm: R. E. Tarjan, "Depth-first search and linear
// graph algorithms", SIAM J. Computing 1(2), 1972. Iterative (no recursion limit on deep chains),
// O(V + E). Works on any adjacency function, so callers choose the nodes and edges considered.

/**
 * Every strongly connected component of the graph given by `nodes` and `successors`, each as a list
 * of node ids. Components come in reverse topological order (Tarjan's order); singletons included.
 */
export function stronglyConnectedComponents(nodes: readonly string[], successors: (id: string) => readonly string[]): string[][] {
  // Successors outside `nodes` are visited too (as the callers' adjacency says).
  const ids = [...nodes];
  const at = new Map<string, number>();
  const number = (id: string) => {
    let i = at.get(id);
    if (i === undefined) at.set(id, (i = ids.length)), ids.push(id);
    return i;
  };
  for (const id of nodes) if (!at.has(id)) at.set(id, at.size);
  const lists: number[][] = [];
  for (let i = 0; i < ids.length; i++) lists.push(successors(ids[i]).map(number));
  const starts = new Uint32Array(ids.length + 1);
  for (let i = 0; i < ids.length; i++) starts[i + 1] = starts[i] + lists[i].length;
  const component = componentsOf(ids.length, starts, Uint32Array.from(lists.flat()));
  const out: string[][] = [];
  // Members in no particular order (callers sort them).
  for (let i = ids.length - 1; i >= 0; i--) (out[component[i]] ??= []).push(ids[i]);
  return out;
}

/**
 * The same over nodes 0..n-1 whose successors are `succ[starts[i] .. starts[i+1])`: typed arrays,
 * no string maps (the planner's cycle search runs several times over every planned node). Returns
 * each node's component number; components are numbered in Tarjan's order.
 */
export function componentsOf(n: number, starts: Uint32Array, succ: Uint32Array): Int32Array {
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const component = new Int32Array(n).fill(-1);
  const stack = new Int32Array(n);
  const frameNode = new Int32Array(n);
  const frameAt = new Uint32Array(n);
  let sp = 0;
  let counter = 0;
  let components = 0;
  for (let start = 0; start < n; start++) {
    if (index[start] !== -1) continue;
    let fp = 0;
    index[start] = low[start] = counter++;
    stack[sp++] = start;
    onStack[start] = 1;
    frameNode[fp] = start;
    frameAt[fp++] = starts[start];
    while (fp) {
      const v = frameNode[fp - 1];
      if (frameAt[fp - 1] < starts[v + 1]) {
        const w = succ[frameAt[fp - 1]++];
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack[sp++] = w;
          onStack[w] = 1;
          frameNode[fp] = w;
          frameAt[fp++] = starts[w];
        } else if (onStack[w] && index[w] < low[v]) {
          low[v] = index[w];
        }
        continue;
      }
      fp--;
      if (fp && low[v] < low[frameNode[fp - 1]]) low[frameNode[fp - 1]] = low[v];
      if (low[v] === index[v]) {
        let w: number;
        do {
          w = stack[--sp];
          onStack[w] = 0;
          component[w] = components;
        } while (w !== v);
        components++;
      }
    }
  }
  return component;
}
