/**
 * Graph layout times (issue 19): build + collapse + layout (src/model/graph/layout.ts, what the SVG and the view
 * draw), median of 5, for resnext50_32x4d at block and layer depth, resnext101_32x48d_wsl at layer depth, and a
 * re-layout after expanding one block of a stage-level resnext50_32x4d (the view's click). The baseline, measured in
 * the same run on the same graphs: one dagre layout of the whole compound graph (what layout.ts did before it laid
 * out each container's interior on its own), so the ratio holds on a shared, noisy machine.
 */
import dagre from '@dagrejs/dagre';
import type { Graph } from '../src/shared/data';
import { presetConfig, type PresetName } from '../src/model/config';
import { architectureGraph } from '../src/model/graph';
import { collapseGraph, type GraphDepth } from '../src/model/graph/depth';
import { childrenOf, nodeLines, shapeLabel } from '../src/model/graph/formats';
import { CHAR_PX, layoutGraph, LINE_PX } from '../src/model/graph/layout';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Medians of `runs` (wall ms of each, and the CPU ms of the first, which waits less on a loaded machine), the two
 * layouts interleaved so that both see the same load. */
function time2(a: () => unknown, b: () => unknown, runs = 5): [number, number, number] {
  const ms: [number[], number[]] = [[], []];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++)
    [a, b].forEach((run, k) => {
      const c = process.cpuUsage();
      const t = performance.now();
      run();
      ms[k]!.push(performance.now() - t);
      const u = process.cpuUsage(c);
      if (k === 0) cpu.push((u.user + u.system) / 1000);
    });
  return [median(ms[0]), median(ms[1]), median(cpu)];
}

/** The baseline: the whole graph as one compound dagre graph (clusters around what they hold), laid out once. */
function compoundLayout(g: Graph): void {
  const dg = new dagre.graphlib.Graph({ compound: true, multigraph: false });
  dg.setGraph({ rankdir: 'TB', nodesep: 18, ranksep: 26, edgesep: 8, marginx: 12, marginy: 12 });
  dg.setDefaultEdgeLabel(() => ({}));
  const children = childrenOf(g);
  for (const n of g.nodes) {
    if (children.has(n.id)) dg.setNode(n.id, { label: `${n.id} · ${n.type}`, paddingTop: 20 });
    else {
      const text = nodeLines(n);
      dg.setNode(n.id, { width: Math.ceil(Math.max(...text.map((t) => t.length)) * CHAR_PX + 20), height: text.length * LINE_PX + 12 });
    }
    if (n.parent !== '') dg.setParent(n.id, n.parent);
  }
  for (const e of g.edges) {
    const label = shapeLabel(e.shape);
    dg.setEdge(e.from, e.to, { label, width: label.length * CHAR_PX * 0.9, height: LINE_PX, labelpos: 'c' });
  }
  dagre.layout(dg);
}

export interface GraphBenchLine {
  name: string;
  nodes: number;
  ms: number;
  baselineMs: number;
  /** CPU time of the process during the layout (median). */
  cpuMs: number;
  targetMs: number;
}

export function graphBench(): GraphBenchLine[] {
  const cases: [PresetName, GraphDepth, number][] = [
    ['resnext50_32x4d', 'block', 150],
    ['resnext50_32x4d', 'layer', 150],
    ['resnext101_32x48d_wsl', 'layer', 1000],
  ];
  const out = cases.map(([preset, depth, targetMs]): GraphBenchLine => {
    const graph = () => collapseGraph(architectureGraph(presetConfig(preset), preset), depth);
    const [ms, baselineMs, cpuMs] = time2(
      () => layoutGraph(graph()),
      () => compoundLayout(graph()),
    );
    return { name: `${preset} at ${depth} depth`, nodes: graph().nodes.length, ms, baselineMs, cpuMs, targetMs };
  });
  const full = architectureGraph(presetConfig('resnext50_32x4d'), 'resnext50_32x4d');
  const expanded = () => collapseGraph(full, 'stage', { expanded: new Set(['layer2', 'layer2.0']) });
  const [ms, baselineMs, cpuMs] = time2(
    () => layoutGraph(expanded()),
    () => compoundLayout(expanded()),
  );
  out.push({ name: 'resnext50_32x4d: expand layer2 and layer2.0 of the stage view', nodes: expanded().nodes.length, ms, baselineMs, cpuMs, targetMs: 100 });
  return out;
}

export function printGraphBench(): void {
  console.log('graph layout (src/model/graph/layout.ts, dagre per container; build + collapse + layout, median of 5; baseline: one compound dagre layout):');
  for (const r of graphBench())
    console.log(
      `  ${r.name}: ${r.nodes} nodes, ${r.ms.toFixed(0)} ms (CPU ${r.cpuMs.toFixed(0)} ms; target ≤ ${r.targetMs} ms); baseline ${r.baselineMs.toFixed(0)} ms, ratio ${(r.ms / r.baselineMs).toFixed(2)}`,
    );
}
