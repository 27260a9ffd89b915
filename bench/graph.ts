/**
 * Graph layout times (issue 19): build + collapse + dagre layout (src/model/graph/layout.ts, what the SVG and the
 * view draw), median of 5, for resnext50_32x4d at block and layer depth, resnext101_32x48d_wsl at layer depth, and a
 * re-layout after expanding one block of a stage-level resnext50_32x4d (the view's click).
 */
import { presetConfig, type PresetName } from '../src/model/config';
import { architectureGraph } from '../src/model/graph';
import { collapseGraph, type GraphDepth } from '../src/model/graph/depth';
import { layoutGraph } from '../src/model/graph/layout';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(run: () => unknown, runs = 5): number {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    run();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

export function graphBench(): { name: string; nodes: number; ms: number; targetMs: number }[] {
  const cases: [PresetName, GraphDepth, number][] = [
    ['resnext50_32x4d', 'block', 150],
    ['resnext50_32x4d', 'layer', 150],
    ['resnext101_32x48d_wsl', 'layer', 1000],
  ];
  const out = cases.map(([preset, depth, targetMs]) => {
    const graph = () => collapseGraph(architectureGraph(presetConfig(preset), preset), depth);
    return { name: `${preset} at ${depth} depth`, nodes: graph().nodes.length, ms: time(() => layoutGraph(graph())), targetMs };
  });
  const full = architectureGraph(presetConfig('resnext50_32x4d'), 'resnext50_32x4d');
  const expanded = collapseGraph(full, 'stage', { expanded: new Set(['layer2', 'layer2.0']) });
  out.push({
    name: 'resnext50_32x4d: expand layer2 and layer2.0 of the stage view',
    nodes: expanded.nodes.length,
    ms: time(() => layoutGraph(collapseGraph(full, 'stage', { expanded: new Set(['layer2', 'layer2.0']) }))),
    targetMs: 100,
  });
  return out;
}

export function printGraphBench(): void {
  console.log('graph layout (src/model/graph/layout.ts, dagre; build + collapse + layout, median of 5):');
  for (const r of graphBench()) console.log(`  ${r.name}: ${r.nodes} nodes, ${r.ms.toFixed(0)} ms (target ≤ ${r.targetMs} ms)`);
}
