/**
 * Layout of a graph at its depth (issue 19) with @dagrejs/dagre's layered layout on a compound graph: each open
 * container (a stage, a block, a downsample, SE) is a cluster around what it holds. The one layout the standalone
 * SVG (svg.ts) and the VS Code graph view draw. Node boxes are sized from their text lines at a fixed character
 * width (the SVG and the view draw 11 px monospace-like text; `CHAR_PX` is its advance).
 */
import dagre from '@dagrejs/dagre';
import type { Graph, GraphLayout } from '../../shared/data';
import { childrenOf, nodeLines, shapeLabel } from './formats';

export const CHAR_PX = 6.6;
export const LINE_PX = 14;
const PAD_X = 10;
const PAD_Y = 6;

export function layoutGraph(g: Graph): GraphLayout {
  const dg = new dagre.graphlib.Graph({ compound: true, multigraph: false });
  dg.setGraph({ rankdir: 'TB', nodesep: 18, ranksep: 26, edgesep: 8, marginx: 12, marginy: 12 });
  dg.setDefaultEdgeLabel(() => ({}));
  const children = childrenOf(g);
  const lines = new Map<string, string[]>();
  for (const n of g.nodes) {
    if (children.has(n.id)) {
      dg.setNode(n.id, { label: `${n.id} · ${n.type}`, paddingTop: 20 });
    } else {
      const text = nodeLines(n);
      lines.set(n.id, text);
      const width = Math.ceil(Math.max(...text.map((t) => t.length)) * CHAR_PX + 2 * PAD_X);
      dg.setNode(n.id, { width, height: text.length * LINE_PX + 2 * PAD_Y });
    }
    if (n.parent !== '') dg.setParent(n.id, n.parent);
  }
  for (const e of g.edges) {
    const label = shapeLabel(e.shape);
    dg.setEdge(e.from, e.to, { label, width: label.length * CHAR_PX * 0.9, height: LINE_PX, labelpos: 'c' });
  }
  dagre.layout(dg);
  const graph = dg.graph();
  const box = (id: string) => {
    const d = dg.node(id);
    return { x: d.x - d.width / 2, y: d.y - d.height / 2, width: d.width, height: d.height };
  };
  return {
    width: Math.ceil(graph.width ?? 0),
    height: Math.ceil(graph.height ?? 0),
    clusters: labelled(g.nodes.filter((n) => children.has(n.id)).map((n) => ({ id: n.id, parent: n.parent, label: `${n.id} · ${n.type}`, ...box(n.id) }))),
    nodes: g.nodes.filter((n) => !children.has(n.id)).map((n) => ({ id: n.id, kind: n.kind, lines: lines.get(n.id)!, ...box(n.id) })),
    edges: g.edges.map((e) => ({
      from: e.from,
      to: e.to,
      label: shapeLabel(e.shape),
      points: (dg.edge(e.from, e.to).points ?? []).map((p: { x: number; y: number }): [number, number] => [p.x, p.y]),
    })),
  };
}

/** Label positions: inside the top-left corner; a nested cluster whose top edge is within a line of its parent's
 * puts its label after the parent's (dagre leaves no room for cluster labels of its own). */
function labelled(clusters: { id: string; parent: string; label: string; x: number; y: number; width: number; height: number }[]): GraphLayout['clusters'] {
  const placed = new Map<string, { labelX: number; labelY: number; label: string; y: number }>();
  return clusters.map(({ parent, ...c }) => {
    const up = placed.get(parent);
    let labelX = c.x + 8;
    const labelY = c.y + 13;
    if (up && Math.abs(up.labelY - labelY) < LINE_PX) labelX = Math.max(labelX, up.labelX + up.label.length * CHAR_PX + 14);
    placed.set(c.id, { labelX, labelY, label: c.label, y: c.y });
    return { ...c, labelX, labelY };
  });
}
