/**
 * `resnext graph` (issue 19): depths, Mermaid, DOT (accepted by Graphviz: @viz-js/viz, Graphviz compiled to wasm),
 * the standalone SVG and the CLI's arguments.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v from 'valibot';
import { instance } from '@viz-js/viz';
import { architectureGraph } from '../../src/model/graph';
import { collapseGraph } from '../../src/model/graph/depth';
import { graphToDot, graphToMermaid } from '../../src/model/graph/formats';
import { graphToSvg } from '../../src/model/graph/svg';
import { layoutGraph } from '../../src/model/graph/layout';
import { resolveSpec } from '../../src/cli/configSpec';
import { compare } from '../../src/model/compare';
import { summarize } from '../../src/model/summarize';
import { compareMarkdown } from '../../src/model/report/compare';
import { GraphLayoutSchema, GraphSchema } from '../../src/shared/data';
import { FIXTURES, runCli } from '../helpers';

const full = (spec: string) => {
  const { config, model } = resolveSpec(spec);
  return architectureGraph(config, model);
};

test('depths: block collapses each Bottleneck, stage each stage; sums, shapes and edges carry over', () => {
  const g = full('resnext50_32x4d');
  const blocks = collapseGraph(g, 'block');
  v.parse(GraphSchema, blocks);
  const ids = blocks.nodes.map((n) => n.id);
  assert.deepEqual(ids.slice(0, 8), ['input', 'conv1', 'bn1', 'relu', 'maxpool', 'layer1', 'layer1.0', 'layer1.1']);
  assert.ok(!ids.some((id) => id.startsWith('layer1.0.')), 'nothing inside a block at block depth');
  assert.deepEqual(
    blocks.edges.filter((e) => e.from.startsWith('layer1') || e.to.startsWith('layer1')).map((e) => `${e.from}>${e.to} ${e.shape.join('x')}`),
    ['maxpool>layer1.0 1x64x56x56', 'layer1.0>layer1.1 1x256x56x56', 'layer1.1>layer1.2 1x256x56x56', 'layer1.2>layer2.0 1x256x56x56'],
  );
  const block = blocks.nodes.find((n) => n.id === 'layer2.0')!;
  const inside = g.nodes.filter((n) => n.kind !== 'container' && (n.parent === 'layer2.0' || n.parent.startsWith('layer2.0.')));
  assert.equal(
    block.params,
    inside.reduce((a, n) => a + n.params, 0),
  );
  assert.equal(
    block.macs,
    inside.reduce((a, n) => a + n.macs, 0),
  );
  const stages = collapseGraph(g, 'stage');
  assert.deepEqual(
    stages.nodes.map((n) => n.id),
    ['input', 'conv1', 'bn1', 'relu', 'maxpool', 'layer1', 'layer2', 'layer3', 'layer4', 'avgpool', 'flatten', 'fc', 'output'],
  );
  assert.deepEqual(stages.nodes.find((n) => n.id === 'layer3')!.outputShape, [1, 1024, 14, 14]);
  // Expanding one block of a stage-collapsed graph (the view's click) shows its layers, the rest stays closed.
  const open = collapseGraph(g, 'stage', { expanded: new Set(['layer2', 'layer2.0']) });
  assert.ok(
    open.nodes.some((n) => n.id === 'layer2.0.conv2') && open.nodes.some((n) => n.id === 'layer2.1') && !open.nodes.some((n) => n.id === 'layer2.1.conv2'),
  );
  assert.ok(open.edges.some((e) => e.from === 'layer2.0.relu#2' && e.to === 'layer2.1'));
});

test('Mermaid: flowchart TB, one subgraph per open container, every node and edge with its label', () => {
  const text = graphToMermaid(collapseGraph(full('seresnext50_32x4d:layers=1,1,1,1'), 'layer'));
  assert.match(text, /^flowchart TB\n/);
  assert.equal((text.match(/^\s*subgraph /gm) ?? []).length, 4 + 4 + 4 + 4 + 1, 'stages, blocks, downsamples, SE modules, global_pool');
  assert.equal((text.match(/^\s*subgraph /gm) ?? []).length, (text.match(/^\s*end$/gm) ?? []).length);
  assert.match(text, /\["layer1\.0\.se\.mul<br\/>mul\(\)"\]|\(\("layer1\.0\.se\.mul<br\/>mul\(\)"\)\)/);
  assert.match(text, /-->\|"1×2048×7×7"\|/);
  assert.ok(!/[<>]/.test(text.replace(/<br\/>/g, '').replace(/-->/g, '')), 'no raw < or > outside line breaks and arrows');
});

test('DOT is accepted by Graphviz (@viz-js/viz) at every depth, with one cluster per open container', async () => {
  const viz = await instance();
  for (const depth of ['stage', 'block', 'layer'] as const) {
    const g = collapseGraph(full('resnext50_32x4d:layers=1,2,1,1,input=64x64'), depth);
    const result = viz.render(graphToDot(g), { format: 'json', engine: 'dot' });
    assert.equal(result.status, 'success', `${depth}: ${JSON.stringify(result.errors)}`);
    const json = JSON.parse(result.output!) as { objects: { name: string; label?: string }[]; edges?: unknown[] };
    const nodes = json.objects.filter((o) => !o.name.startsWith('cluster_'));
    assert.deepEqual(
      nodes.map((o) => o.name).sort(),
      g.nodes
        .filter((n) => !g.nodes.some((c) => c.parent === n.id))
        .map((n) => n.id)
        .sort(),
    );
    assert.equal(json.edges?.length, g.edges.length);
  }
  const broken = viz.render('digraph { a -> }', { format: 'json' });
  assert.equal(broken.status, 'failure', 'the check itself rejects bad DOT');
});

test('layout: every node inside its cluster, edges from node to node, and a standalone SVG', () => {
  const g = collapseGraph(full('resnext50_32x4d:layers=1,2,1,1,input=64x64'), 'layer');
  const layout = v.parse(GraphLayoutSchema, layoutGraph(g));
  const clusters = new Map(layout.clusters.map((c) => [c.id, c]));
  const parent = new Map(g.nodes.map((n) => [n.id, n.parent]));
  for (const n of layout.nodes) {
    const c = clusters.get(parent.get(n.id)!);
    if (!c) continue;
    assert.ok(n.x >= c.x - 0.5 && n.y >= c.y - 0.5 && n.x + n.width <= c.x + c.width + 0.5 && n.y + n.height <= c.y + c.height + 0.5, `${n.id} inside ${c.id}`);
  }
  assert.equal(layout.edges.length, g.edges.length);
  assert.ok(layout.edges.every((e) => e.points.length >= 2));
  const svg = graphToSvg(g);
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.equal((svg.match(/<g class="node"/g) ?? []).length, layout.nodes.length);
  assert.ok(!svg.includes('var(--'), 'no theme variables: standalone');
});

test('resnext graph: formats, depths, --weights and clear errors', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'graph-'));
  const json = runCli('graph', '--weights', path.join(FIXTURES, 'tiny.pth'), '--input', '64x64');
  assert.equal(json.code, 0, json.stderr);
  const g = v.parse(GraphSchema, JSON.parse(json.stdout));
  assert.ok(
    g.nodes.some((n) => n.id === 'layer1.1.relu#2'),
    'JSON defaults to layer depth',
  );
  const out = path.join(dir, 'g.mmd');
  const mermaid = runCli('graph', 'resnext50_32x4d', '--format', 'mermaid', '--out', out);
  assert.equal(mermaid.code, 0, mermaid.stderr);
  const text = fs.readFileSync(out, 'utf8');
  assert.ok(text.includes('layer1.0<br/>Bottleneck') && !text.includes('layer1.0.conv1'), 'Mermaid defaults to block depth');
  assert.equal(runCli('graph', 'resnext50_32x4d', '--format', 'dot', '--depth', 'stage').code, 0);
  for (const [args, message] of [
    [['resnext50_32x4d', '--depth', 'module'], /--depth 'module' is not supported; accepted: stage, block, layer/],
    [['resnext50_32x4d', '--format', 'png'], /--format 'png' is not supported; accepted: json, mermaid, dot, svg/],
    [[], /graph needs a preset/],
    [['--state-dict', 'x', 'resnext50_32x4d'], /give --weights too/],
    [['resnext50_32x4d', '--out', dir], /is a folder/],
  ] as const) {
    const r = runCli('graph', ...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

test('the compare markdown report holds a block-level Mermaid diagram of each configuration', async () => {
  const entries = ['resnet50:layers=1,1,1,1,input=64x64', 'resnext50_32x4d:layers=1,2,1,1,input=64x64'].map((s) => resolveSpec(s));
  const md = compareMarkdown(await compare(entries));
  const blocks = [...md.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.deepEqual(
    blocks,
    entries.map((e) => graphToMermaid(collapseGraph(architectureGraph(e.config, e.model), 'block'))),
  );
  assert.ok(blocks[1]!.includes('layer2.1<br/>Bottleneck') && !blocks[1]!.includes('layer2.1.conv2'));
});

test('node ↔ row: graph ids and the summary table keys map both ways (repeated calls, stages, blocks)', async () => {
  const { rowForGraphId, graphIdForRow } = await import('../../webview/layerSelect');
  const summary = await summarize(resolveSpec('resnext50_32x4d:layers=1,1,1,1,input=64x64').config);
  const names = summary.layers.map((l) => l.name);
  const relu2 = rowForGraphId(summary, 'layer1.0.relu#2')!;
  assert.equal(relu2.key, String(names.lastIndexOf('layer1.0.relu')));
  assert.deepEqual(relu2.open, ['layer1', 'layer1.0']);
  assert.equal(graphIdForRow(summary, relu2.key), 'layer1.0.relu#2');
  assert.equal(graphIdForRow(summary, String(names.indexOf('layer1.0.relu'))), 'layer1.0.relu');
  assert.deepEqual(rowForGraphId(summary, 'layer2'), { key: 'layer2', open: [] });
  assert.deepEqual(rowForGraphId(summary, 'layer2.0'), { key: 'layer2.0', open: ['layer2'] });
  assert.equal(rowForGraphId(summary, 'layer2.0.add'), undefined, 'a function has no row');
  const g = architectureGraph(resolveSpec('resnext50_32x4d:layers=1,1,1,1,input=64x64').config, 'x');
  for (const n of g.nodes.filter((x) => x.kind === 'module')) assert.equal(graphIdForRow(summary, rowForGraphId(summary, n.id)!.key), n.id);
});

test('layout (hierarchical, repeated blocks laid out once): edges run from their source to their target, siblings never overlap', () => {
  for (const spec of ['seresnext50_32x4d:layers=1,3,1,1', 'resnext50d_32x4d:layers=2,1,1,1']) {
    const g = collapseGraph(full(spec), 'layer');
    const layout = layoutGraph(g);
    const boxes = new Map([...layout.nodes, ...layout.clusters].map((b) => [b.id, b]));
    const near = (p: readonly [number, number], id: string): boolean => {
      const b = boxes.get(id)!;
      return p[0] >= b.x - 1 && p[0] <= b.x + b.width + 1 && p[1] >= b.y - 1 && p[1] <= b.y + b.height + 1;
    };
    for (const e of layout.edges) {
      assert.ok(near(e.points[0]!, e.from), `${spec}: ${e.from}→${e.to} starts at ${e.from}`);
      assert.ok(near(e.points[e.points.length - 1]!, e.to), `${spec}: ${e.from}→${e.to} ends at ${e.to}`);
    }
    const parent = new Map(g.nodes.map((n) => [n.id, n.parent]));
    const all = [...boxes.values()];
    for (const a of all)
      for (const b of all) {
        if (a.id >= b.id || parent.get(a.id) !== parent.get(b.id)) continue;
        const apart = a.x + a.width <= b.x + 0.5 || b.x + b.width <= a.x + 0.5 || a.y + a.height <= b.y + 0.5 || b.y + b.height <= a.y + 0.5;
        assert.ok(apart, `${spec}: ${a.id} and ${b.id} overlap`);
      }
    // The repeated blocks of a stage: the same drawing, moved.
    const rel = (block: string) =>
      layout.nodes.filter((n) => parent.get(n.id) === block).map((n) => [n.id.slice(block.length), n.x - boxes.get(block)!.x, n.y - boxes.get(block)!.y]);
    if (spec.startsWith('seresnext')) assert.deepEqual(rel('layer2.1'), rel('layer2.2'));
  }
});
