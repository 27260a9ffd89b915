/**
 * graph@1 (issue 19) against torch.fx: test/fixtures/graph/make_graphs.py traces every preset and every custom
 * family with `torch.fx.symbolic_trace` (torchvision under Debian's torch 1.13, timm's SE / deep stem / avg-down
 * under timm itself) and writes the module calls, the functional ops graph@1 keeps and the edges with their shapes.
 * Small cases are compared node by node and edge by edge; the full-size presets by the sha256 of the same text.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v from 'valibot';
import { architectureGraph, type Graph } from '../../src/model/graph';
import { buildGraph } from '../../src/model/graph/build';
import { checkedArchitecture } from '../../src/model/architecture';
import { staticTrace } from '../../src/model/shapes';
import { layerRows } from '../../src/model/accounting';
import { resolveSpec } from '../../src/cli/configSpec';
import { readWeightsFile } from '../../src/model/weights/load';
import { configForWeights } from '../../src/model/weights/resolve';
import { parseInputSize } from '../../src/cli/args';
import { presetConfig, type NetworkConfig, type PresetName } from '../../src/model/config';
import { GraphSchema } from '../../src/shared/data';
import { FIXTURES } from '../helpers';

const DIR = path.join(FIXTURES, 'graph');
type FxEdge = [string, string, number[]];
interface FxCase {
  spec?: string;
  config?: { preset: PresetName } & Partial<NetworkConfig>;
  weights?: string;
  input?: string;
  nodes?: [string, string][];
  edges?: FxEdge[];
  nodeCount?: number;
  edgeCount?: number;
  sha256?: string;
}
const cases = (file: string): FxCase[] => (JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')) as { cases: FxCase[] }).cases;

function graphOf(c: FxCase): Graph {
  if (c.config) {
    // a preset with other fields (the CIFAR layout with other stage depths, as --weights infers them)
    const { preset, ...fields } = c.config;
    return architectureGraph({ ...presetConfig(preset), ...fields }, `${preset} ${JSON.stringify(fields)}`);
  }
  if (c.spec !== undefined) {
    const { model, config } = resolveSpec(c.spec);
    return architectureGraph(config, model);
  }
  const file = path.join(FIXTURES, c.weights!);
  const { stateDict, choice } = readWeightsFile(file);
  const { height, width } = parseInputSize(c.input!);
  const { model, config } = configForWeights(stateDict, file, undefined, { inputHeightPx: height, inputWidthPx: width }, false, choice);
  return architectureGraph(config, model);
}

/** What fx has: module calls and kept functions in execution order, and the edges (containers are graph@1's own). */
function fxForm(g: Graph): { nodes: [string, string][]; edges: FxEdge[] } {
  return {
    nodes: g.nodes.filter((n) => n.kind === 'module' || n.kind === 'function').map((n) => [n.id, n.type]),
    edges: g.edges.map((e): FxEdge => [e.from, e.to, [...e.shape]]).sort((a, b) => (a.join() < b.join() ? -1 : 1)),
  };
}

/** make_graphs.py `canonical`. */
function canonical(form: { nodes: [string, string][]; edges: FxEdge[] }): string {
  const edgeLines = form.edges.map(([a, b, s]) => `E ${a} ${b} ${s.join('x')}`).sort();
  return [...form.nodes.map(([i, t]) => `N ${i} ${t}`), ...edgeLines].join('\n');
}

for (const file of ['torchvision.json', 'timm.json'].filter((f) => fs.existsSync(path.join(DIR, f)))) {
  for (const c of cases(file)) {
    test(`graph@1 equals torch.fx's graph: ${c.spec ?? (c.config ? JSON.stringify(c.config) : `--weights ${c.weights} --input ${c.input}`)} (${file})`, () => {
      const g = graphOf(c);
      v.parse(GraphSchema, g);
      const form = fxForm(g);
      if (c.nodes) {
        assert.deepEqual(form.nodes, c.nodes);
        const sorted = [...c.edges!].sort((a, b) => (a.join() < b.join() ? -1 : 1));
        assert.deepEqual(form.edges, sorted);
      } else {
        assert.equal(form.nodes.length, c.nodeCount);
        assert.equal(form.edges.length, c.edgeCount);
        assert.equal(crypto.createHash('sha256').update(canonical(form)).digest('hex'), c.sha256);
      }
    });
  }
}

test('graph@1 is the summary trace: the same calls, and every module node carries its summary row', () => {
  const { config, model } = resolveSpec('seresnext50_32x4d:layers=1,2,1,1,input=96x64');
  const arch = checkedArchitecture(config);
  const { graph, calls } = buildGraph(arch, model);
  assert.deepEqual(calls, staticTrace(arch));
  const rows = layerRows(arch, calls);
  const modules = graph.nodes.filter((n) => n.kind === 'module');
  assert.equal(modules.length, rows.length);
  modules.forEach((n, i) => {
    assert.equal(n.id.replace(/#\d+$/, ''), rows[i]!.name);
    assert.deepEqual([n.outputShape, n.params, n.macs], [rows[i]!.outputShape, rows[i]!.params, rows[i]!.macs]);
  });
});

test('graph@1 containers: parents, sums and order (each container before what it holds)', () => {
  const { config, model } = resolveSpec('resnext50_32x4d');
  const g = architectureGraph(config, model);
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const seen = new Set<string>();
  for (const n of g.nodes) {
    assert.ok(n.parent === '' || seen.has(n.parent), `${n.id}'s parent ${n.parent} comes first`);
    seen.add(n.id);
  }
  assert.deepEqual(
    g.nodes.filter((n) => n.kind === 'container' && n.parent === '').map((n) => n.id),
    ['layer1', 'layer2', 'layer3', 'layer4'],
  );
  const block = byId.get('layer2.0')!;
  assert.deepEqual([block.kind, block.type, block.parent, block.outputShape], ['container', 'Bottleneck', 'layer2', [1, 512, 28, 28]]);
  assert.equal(byId.get('layer2.0.downsample')!.parent, 'layer2.0');
  assert.equal(byId.get('layer2.0.downsample.0')!.parent, 'layer2.0.downsample');
  assert.deepEqual([byId.get('layer2.0.add')!.kind, byId.get('layer2.0.add')!.parent], ['function', 'layer2.0']);
  assert.deepEqual(
    ['layer1.0.relu', 'layer1.0.relu#1', 'layer1.0.relu#2'].map((id) => byId.get(id)?.parent),
    ['layer1.0', 'layer1.0', 'layer1.0'],
  );
  const leaves = g.nodes.filter((n) => n.kind !== 'container');
  const total = leaves.reduce((a, n) => a + n.params, 0);
  assert.equal(total, 25_028_904); // torchvision's resnext50_32x4d
  const stages = g.nodes.filter((n) => n.kind === 'container' && n.parent === '');
  const inside = leaves.filter((n) => n.parent.startsWith('layer')).reduce((a, n) => a + n.macs, 0);
  assert.equal(
    stages.reduce((a, n) => a + n.macs, 0),
    inside,
  );
});
