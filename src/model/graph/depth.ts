/**
 * Depths of the graph (issue 19): `layer` is graph@1 as built (every module call); `block` collapses every
 * Bottleneck into one node; `stage` collapses every stage (layer1 … / stage_1 …). A collapsed container keeps its
 * id, type, output shape and summed params/MACs; edges into or out of what it held now end at it (one edge per pair).
 */
import type { Graph, GraphNode } from '../../shared/data';

export const GRAPH_DEPTHS = ['stage', 'block', 'layer'] as const;
export type GraphDepth = (typeof GRAPH_DEPTHS)[number];

const BLOCK_TYPES: ReadonlySet<string> = new Set(['Bottleneck', 'ResNeXtBottleneck']);

/** stage: a top-level Sequential of blocks; block: a Bottleneck; part: downsample, SE, global_pool. */
export function containerLevel(n: GraphNode): 'stage' | 'block' | 'part' | undefined {
  if (n.kind !== 'container') return undefined;
  if (BLOCK_TYPES.has(n.type)) return 'block';
  return n.parent === '' && n.type === 'Sequential' ? 'stage' : 'part';
}

/** The graph at a depth; `expanded` keeps those containers open (the view's clicks) and `collapsed` closes more. */
export function collapseGraph(g: Graph, depth: GraphDepth, options: { expanded?: ReadonlySet<string>; collapsed?: ReadonlySet<string> } = {}): Graph {
  const closed = new Set<string>(options.collapsed ?? []);
  for (const n of g.nodes) {
    const level = containerLevel(n);
    if (options.expanded?.has(n.id)) continue;
    if ((depth === 'stage' && level === 'stage') || (depth !== 'layer' && level === 'block')) closed.add(n.id);
  }
  if (closed.size === 0) return g;
  const parentOf = new Map(g.nodes.map((n) => [n.id, n.parent]));
  const shown = new Map<string, string>();
  /** The outermost closed container holding id (itself when closed), or id. */
  const target = (id: string): string => {
    const known = shown.get(id);
    if (known !== undefined) return known;
    let result = id;
    for (let p = id; p !== ''; p = parentOf.get(p) ?? '') if (closed.has(p)) result = p;
    shown.set(id, result);
    return result;
  };
  const nodes = g.nodes.filter((n) => target(n.id) === n.id);
  const pairs = new Set<string>();
  const edges = [];
  for (const e of g.edges) {
    const from = target(e.from);
    const to = target(e.to);
    const key = `${from}\u0000${to}`;
    if (from === to || pairs.has(key)) continue;
    pairs.add(key);
    edges.push({ ...e, from, to });
  }
  return { ...g, nodes, edges };
}
