/**
 * The paper's Figure 3(a) beside a block's grouped form (c) (issue 19's "show as C paths"): C parallel paths, each
 * 1×1 (Cin → d) → 3×3 (d → d) → 1×1 (d → Cout), summed — the same function as the grouped block (src/model/forms.ts
 * computes both; `resnext equivalence` checks them). Added as a container `<block>.paths` fed by the block's input
 * and feeding what bn3 feeds, with each path's share of the block's params and MACs (BN folded into each conv).
 */
import type { Architecture } from '../architecture';
import type { Graph, GraphEdge, GraphNode } from '../../shared/data';

/** Bottleneck blocks whose 3×3 is a grouped convolution (C > 1): the ones the switch applies to (a selective-kernel
 * block's grouped paths are mixed by an attention, not summed: no Figure 3(a) form). */
export function groupedBlocks(arch: Architecture): string[] {
  return arch.blocks.filter((b) => b.kind === 'bottleneck' && b.conv2.groups > 1).map((b) => b.name);
}

export function withCPaths(g: Graph, arch: Architecture, blocks: readonly string[]): Graph {
  const nodes = [...g.nodes];
  const edges: GraphEdge[] = [...g.edges];
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  for (const name of blocks) {
    const found = arch.blocks.find((x) => x.name === name);
    const b = found?.kind === 'bottleneck' ? found : undefined;
    const conv1 = byId.get(`${name}.conv1`);
    const conv2 = byId.get(`${name}.conv2`);
    const bn3 = byId.get(b?.bn3.name ?? '');
    if (!b || b.conv2.groups <= 1 || !conv1 || !conv2 || !bn3) continue;
    const c = b.conv2.groups;
    const d = b.conv2.outChannels / c;
    const input = g.edges.find((e) => e.to === conv1.id);
    const after = g.edges.filter((e) => e.from === bn3.id);
    const id = `${name}.paths`;
    const [n, , h1, w1] = conv1.outputShape;
    const [, , h2, w2] = conv2.outputShape;
    const out = bn3.outputShape;
    const share = (node: string): { params: number; macs: number } => {
      const x = byId.get(node);
      return { params: Math.round((x?.params ?? 0) / c), macs: Math.round((x?.macs ?? 0) / c) };
    };
    const pathNodes: GraphNode[] = [];
    for (let i = 0; i < c; i++) {
      const p = `${id}.${i}`;
      pathNodes.push(
        {
          id: `${p}.conv1`,
          kind: 'module',
          type: `Conv2d 1×1 ${b.conv1.inChannels}→${d}`,
          parent: id,
          outputShape: [n!, d, h1!, w1!],
          ...share(`${name}.conv1`),
        },
        { id: `${p}.conv2`, kind: 'module', type: `Conv2d 3×3 ${d}→${d}`, parent: id, outputShape: [n!, d, h2!, w2!], ...share(`${name}.conv2`) },
        { id: `${p}.conv3`, kind: 'module', type: `Conv2d 1×1 ${d}→${b.conv3.outChannels}`, parent: id, outputShape: out, ...share(`${name}.conv3`) },
      );
      if (input) edges.push({ from: input.from, to: `${p}.conv1`, shape: input.shape });
      edges.push(
        { from: `${p}.conv1`, to: `${p}.conv2`, shape: [n!, d, h1!, w1!] },
        { from: `${p}.conv2`, to: `${p}.conv3`, shape: [n!, d, h2!, w2!] },
        { from: `${p}.conv3`, to: `${id}.sum`, shape: out },
      );
    }
    const container: GraphNode = { id, kind: 'container', type: `Fig. 3(a): ${c} paths`, parent: name, outputShape: out, params: 0, macs: 0 };
    const sum: GraphNode = { id: `${id}.sum`, kind: 'function', type: 'sum', parent: id, outputShape: out, params: 0, macs: 0 };
    const at = nodes.indexOf(conv1);
    nodes.splice(at, 0, container, ...pathNodes, sum);
    for (const e of after) edges.push({ from: sum.id, to: e.to, shape: e.shape });
  }
  return { ...g, nodes, edges };
}
