/**
 * Layout of a graph at its depth (issue 19) with @dagrejs/dagre's layered layout, hierarchically: each open
 * container (the top level, a stage, a block, a downsample, SE) has its interior laid out on its own as a flat graph
 * of what it holds (a closed container inside is one box of the size of its own interior), with an entry port where
 * edges come in from outside and an exit port where they leave. An edge between two nodes in different containers is
 * the path out through the exit ports, the edge between the two containers at their common level (which carries the
 * label), and the path in through the entry ports. Interiors that are the same (the same children's sizes, labels and
 * edges: the repeated blocks of a stage) are laid out once and reused, so resnext101_32x48d_wsl's 33 blocks cost 8
 * small layouts. The one layout the standalone SVG (svg.ts) and the VS Code graph view draw. Node boxes are sized
 * from their text lines at a fixed character width (the SVG and the view draw 11 px monospace-like text; `CHAR_PX`
 * is its advance).
 */
import dagre from '@dagrejs/dagre';
import type { Graph, GraphLayout, GraphNode } from '../../shared/data';
import { childrenOf, nodeLines, shapeLabel } from './formats';

export const CHAR_PX = 6.6;
export const LINE_PX = 14;
const PAD_X = 10;
const PAD_Y = 6;
/** Inside a cluster: margins, and the room its label takes above what it holds. */
const CLUSTER_MARGIN = 10;
const CLUSTER_LABEL = 16;
const ROOT_MARGIN = 12;
const IN = -1;
const OUT = -2;

type Point = [number, number];
interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
/** One edge of an interior: between two children (by index) or a port (IN, OUT) and a child. */
interface LevelEdge {
  readonly a: number;
  readonly b: number;
  readonly label: string;
}
/** A container's interior laid out, relative to the container's top-left corner. */
interface Interior {
  readonly width: number;
  readonly height: number;
  readonly boxes: readonly Box[];
  readonly points: ReadonlyMap<string, readonly Point[]>;
  readonly labels: ReadonlyMap<string, Point>;
}

const edgeKey = (a: number, b: number): string => `${a}>${b}`;

export function layoutGraph(g: Graph): GraphLayout {
  const children = childrenOf(g);
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const parentOf = (id: string): string => byId.get(id)?.parent ?? '';
  const isOpen = (id: string): boolean => (children.get(id)?.length ?? 0) > 0;
  const lines = new Map<string, string[]>();
  const clusterLabel = (n: GraphNode): string => `${n.id} · ${n.type}`;

  /** The ancestors of id, innermost first, up to the top ('' last). */
  const chain = (id: string): string[] => {
    const out: string[] = [];
    for (let p = parentOf(id); ; p = parentOf(p)) {
      out.push(p);
      if (p === '') return out;
    }
  };
  /** The child of container c that holds id (id itself when it is a child), or undefined when c does not hold it. */
  const childOf = (c: string, id: string): string | undefined => {
    for (let x = id; x !== ''; x = parentOf(x)) if (parentOf(x) === c) return x;
    return undefined;
  };

  // Each original edge's level edges: out through the exit ports, across at the common level, in through the entry ports.
  const levelEdges = new Map<string, LevelEdge[]>();
  const addLevelEdge = (c: string, e: LevelEdge): void => {
    const list = levelEdges.get(c) ?? [];
    const i = list.findIndex((x) => x.a === e.a && x.b === e.b);
    if (i < 0) list.push(e);
    else if (list[i]!.label === '' && e.label !== '') list[i] = e;
    levelEdges.set(c, list);
  };
  const index = new Map<string, number>();
  for (const list of children.values()) list.forEach((n, i) => index.set(n.id, i));
  type Segment = readonly [container: string, a: number, b: number];
  /** The route of each edge: its segments in order, and the one at the common level (which carries the label). */
  const routes = g.edges.map((e) => {
    const up = chain(e.from);
    const down = chain(e.to);
    const common = up.find((c) => down.includes(c)) ?? '';
    const route: Segment[] = [];
    let at = e.from;
    for (const c of up) {
      if (c === common) break;
      route.push([c, index.get(at)!, OUT]);
      at = c;
    }
    const a = childOf(common, e.from);
    const b = childOf(common, e.to);
    const across: Segment = [common, a === undefined ? IN : index.get(a)!, b === undefined ? OUT : index.get(b)!];
    route.push(across);
    const inward: Segment[] = [];
    let to = e.to;
    for (const c of down) {
      if (c === common) break;
      inward.push([c, IN, index.get(to)!]);
      to = c;
    }
    route.push(...inward.reverse());
    for (const seg of route) addLevelEdge(seg[0], { a: seg[1], b: seg[2], label: seg === across ? shapeLabel(e.shape) : '' });
    return { route, across };
  });

  // Interiors bottom-up, each distinct one laid out once (keyed by what decides its layout).
  const signatures = new Map<string, number>();
  const interiors: Interior[] = [];
  const interiorOf = new Map<string, Interior>();
  const sizeOf = new Map<string, { width: number; height: number }>();
  const place = (c: string): void => {
    const kids = children.get(c) ?? [];
    const parts: (number | [number, number])[] = [];
    for (const k of kids) {
      if (isOpen(k.id)) {
        place(k.id);
        parts.push(signatures.get(`#${k.id}`)!);
      } else {
        const text = nodeLines(k);
        lines.set(k.id, text);
        const size = { width: Math.ceil(Math.max(...text.map((t) => t.length)) * CHAR_PX + 2 * PAD_X), height: text.length * LINE_PX + 2 * PAD_Y };
        sizeOf.set(k.id, size);
        parts.push([size.width, size.height]);
      }
    }
    const edges = levelEdges.get(c) ?? [];
    const node = byId.get(c);
    const minWidth = node ? Math.ceil(clusterLabel(node).length * CHAR_PX + 2 * CLUSTER_MARGIN) : 0;
    const key = JSON.stringify([c === '', minWidth, parts, edges.map((e) => [e.a, e.b, e.label])]);
    let sig = signatures.get(key);
    if (sig === undefined) {
      sig = interiors.length;
      signatures.set(key, sig);
      interiors.push(
        layInterior(
          kids.map((k) => sizeOf.get(k.id)!),
          edges,
          c === '',
          minWidth,
        ),
      );
    }
    signatures.set(`#${c}`, sig);
    const interior = interiors[sig]!;
    interiorOf.set(c, interior);
    sizeOf.set(c, { width: interior.width, height: interior.height });
  };
  place('');

  // Absolute positions top-down.
  const origin = new Map<string, Point>([['', [0, 0]]]);
  const boxOf = new Map<string, Box>();
  const visit = (c: string): void => {
    const [ox, oy] = origin.get(c)!;
    const interior = interiorOf.get(c)!;
    (children.get(c) ?? []).forEach((k, i) => {
      const b = interior.boxes[i]!;
      const box = { x: ox + b.x, y: oy + b.y, width: b.width, height: b.height };
      boxOf.set(k.id, box);
      if (isOpen(k.id)) {
        origin.set(k.id, [box.x, box.y]);
        visit(k.id);
      }
    });
  };
  visit('');

  const root = interiorOf.get('')!;
  const clusterNodes = g.nodes.filter((n) => isOpen(n.id));
  return {
    width: Math.ceil(root.width),
    height: Math.ceil(root.height),
    clusters: labelled(clusterNodes.map((n) => ({ id: n.id, parent: n.parent, label: clusterLabel(n), ...boxOf.get(n.id)! }))),
    nodes: g.nodes.filter((n) => !isOpen(n.id)).map((n) => ({ id: n.id, kind: n.kind, lines: lines.get(n.id)!, ...boxOf.get(n.id)! })),
    edges: g.edges.map((e, i) => {
      const { route, across } = routes[i]!;
      const points: Point[] = [];
      let label: Point | undefined;
      for (const seg of route) {
        const [c, a, b] = seg;
        const [ox, oy] = origin.get(c)!;
        const interior = interiorOf.get(c)!;
        const seg2 = (interior.points.get(edgeKey(a, b)) ?? []).map(([x, y]): Point => [ox + x, oy + y]);
        // Joins square, below a cluster's label: into a cluster straight down to its entry port's level, out of one
        // from its exit port's level straight down to where the outer segment starts.
        const last = points[points.length - 1];
        const first = seg2[0];
        if (last && first && Math.abs(last[0] - first[0]) > 0.5) points.push(a === IN ? [last[0], first[1]] : [first[0], last[1]]);
        points.push(...seg2);
        const at = seg === across ? interior.labels.get(edgeKey(a, b)) : undefined;
        if (at) label = [ox + at[0], oy + at[1]];
      }
      return { from: e.from, to: e.to, label: shapeLabel(e.shape), points: withMiddle(points, label) };
    }),
  };
}

/** The polyline with `at` as its middle point (the drawers put an edge's label at points[⌊n/2⌋]). */
function withMiddle(points: Point[], at: Point | undefined): Point[] {
  if (!at || points.length < 2) return points;
  if (points.length === 2) return [points[0]!, at, points[1]!];
  // Split at the inner point nearest to `at` (which it replaces; the ends stay), then even out the two sides.
  let best = 1;
  for (let i = 2; i < points.length - 1; i++)
    if (Math.hypot(points[i]![0] - at[0], points[i]![1] - at[1]) < Math.hypot(points[best]![0] - at[0], points[best]![1] - at[1])) best = i;
  const before = points.slice(0, best);
  const after = points.slice(best + 1);
  // Padded with copies of `at` itself, so the ends (and the arrowhead's direction) stay as they are.
  while (before.length < after.length) before.push(at);
  while (after.length < before.length) after.unshift(at);
  return [...before, at, ...after];
}

/** One interior: the children's boxes (sizes given) and the ports, laid out by dagre, relative to its top-left corner. */
function layInterior(sizes: readonly { width: number; height: number }[], edges: readonly LevelEdge[], isRoot: boolean, minWidth: number): Interior {
  const dg = new dagre.graphlib.Graph({ multigraph: false });
  const margin = isRoot ? ROOT_MARGIN : CLUSTER_MARGIN;
  dg.setGraph({ rankdir: 'TB', nodesep: 18, ranksep: 26, edgesep: 8, marginx: margin, marginy: margin });
  dg.setDefaultEdgeLabel(() => ({}));
  sizes.forEach((s, i) => dg.setNode(String(i), { width: s.width, height: s.height }));
  const name = (i: number): string => (i === IN ? 'in' : i === OUT ? 'out' : String(i));
  if (edges.some((e) => e.a === IN)) dg.setNode('in', { width: 1, height: 1 });
  if (edges.some((e) => e.b === OUT)) dg.setNode('out', { width: 1, height: 1 });
  for (const e of edges)
    dg.setEdge(name(e.a), name(e.b), e.label ? { label: e.label, width: e.label.length * CHAR_PX * 0.9, height: LINE_PX, labelpos: 'c' } : {});
  dagre.layout(dg);
  const top = isRoot ? 0 : CLUSTER_LABEL;
  const graph = dg.graph();
  const width = Math.max(Math.ceil(graph.width ?? 0), minWidth);
  // A label wider than what the cluster holds: centre the contents.
  const dx = (width - Math.ceil(graph.width ?? 0)) / 2;
  const boxes = sizes.map((_, i) => {
    const d = dg.node(String(i));
    return { x: d.x - d.width / 2 + dx, y: d.y - d.height / 2 + top, width: d.width, height: d.height };
  });
  const points = new Map<string, Point[]>();
  const labels = new Map<string, Point>();
  for (const e of edges) {
    const d = dg.edge(name(e.a), name(e.b)) as { points?: { x: number; y: number }[]; x?: number; y?: number };
    points.set(
      edgeKey(e.a, e.b),
      (d.points ?? []).map((p): Point => [p.x + dx, p.y + top]),
    );
    if (e.label && d.x !== undefined && d.y !== undefined) labels.set(edgeKey(e.a, e.b), [d.x + dx, d.y + top]);
  }
  return { width, height: Math.ceil(graph.height ?? 0) + top, boxes, points, labels };
}

/** Label positions: inside the top-left corner; a nested cluster whose top edge is within a line of its parent's
 * puts its label after the parent's. */
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
