/**
 * Summarize and Graph of a class of the user's (issue 23 item 3): over the hand-written corpus, the summary's rows
 * equal PyTorch 1.13's per-leaf-call rows (rows.json, made by make_reference.py with forward hooks on every leaf
 * module): module name, class, output shape and params, row by row; where PyTorch itself raises (or forward() is
 * not followed) the rows are the leaves with exact params and no shapes or MACs, and the JSON says why. The graph
 * is forward()'s data flow: every edge joins two nodes, the leaf nodes are the summary's rows.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v from 'valibot';
import { classGraph, classSummary, findClassConstruction } from '../../src/python/classSummary';
import { workspaceFor } from '../../src/cli/scan';
import { formatSummary } from '../../src/model/report';
import { ClassSummarySchema, GraphSchema } from '../../src/shared/data';
import { FIXTURES } from '../helpers';

const DIR = path.join(FIXTURES, 'python', 'classes');

type Row = [string, string, number[], number];
type Leaf = [string, string, number];
interface RowsReference {
  readonly torch: string;
  readonly models: readonly { file: string; cell?: number; line: number; input: number; rows?: Row[]; leaves?: Leaf[] }[];
}
interface CountsReference {
  readonly models: readonly { file: string; cell?: number; line: number; params: number; macs: number | null }[];
}

const rows = JSON.parse(fs.readFileSync(path.join(DIR, 'rows.json'), 'utf8')) as RowsReference;
const counts = JSON.parse(fs.readFileSync(path.join(DIR, 'reference.json'), 'utf8')) as CountsReference;

const read = (file: string, target: { line?: number; cell?: number; className?: string }) => {
  const abs = path.join(DIR, file);
  return findClassConstruction(abs, fs.readFileSync(abs, 'utf8'), target, workspaceFor(abs));
};

for (const ref of rows.models) {
  const where = `${ref.file}${ref.cell !== undefined ? ` [cell ${ref.cell}]` : ''}:${ref.line}`;
  test(`${where}: the summary's rows are PyTorch ${rows.torch}'s`, () => {
    const d = read(ref.file, { line: ref.line, ...(ref.cell !== undefined ? { cell: ref.cell } : {}) });
    const s = classSummary(path.join(DIR, ref.file), d);
    assert.ok(v.is(ClassSummarySchema, s), 'summary@1 of a class');
    const total = counts.models.find((m) => m.file === ref.file && m.line === ref.line && m.cell === ref.cell)!;
    assert.equal(s.totals.params, total.params, 'params');
    assert.equal(s.readFrom.className, d.interpreted.className);
    assert.deepEqual(s.readFrom.inputShape, [1, 3, ref.input, ref.input]);
    if (s.readFrom.macsKnown) {
      assert.ok(ref.rows, 'PyTorch followed it too');
      assert.deepEqual(
        s.layers.map((r) => [r.name, r.type, r.outputShape, r.params]),
        ref.rows,
      );
      assert.equal(s.totals.macs, total.macs, 'MACs');
      assert.equal(
        s.layers.reduce((n, r) => n + r.macs, 0),
        total.macs,
      );
    } else {
      // Not followed: why, and the leaves (registration order, each once) with their exact params, nothing else.
      assert.match(s.readFrom.why ?? '', /^forward\(\) line \d+: /);
      const leaves = ref.leaves ?? [...new Map(ref.rows!.map((r) => [r[0], [r[0], r[1], r[3]] as Leaf])).values()];
      assert.deepEqual(s.layers.map((r) => [r.name, r.type, r.params]).sort(), leaves.sort());
      assert.ok(s.layers.every((r) => r.outputShape.length === 0 && r.macs === 0));
      assert.equal(s.totals.macs, 0);
      assert.match(formatSummary(s, 'table'), /output shapes and MACs not known: forward\(\) line \d+/);
      assert.throws(() => classGraph(d), /no graph of \w+: forward\(\) could not be followed \(forward\(\) line \d+/);
    }
  });
}

test("the graph of a class: forward()'s data flow, the leaf nodes are the rows, containers hold their sums", () => {
  const d = read('se_resnet.py', { className: 'SEResNet' });
  const g = classGraph(d);
  assert.ok(v.is(GraphSchema, g));
  const ids = new Set(g.nodes.map((n) => n.id));
  assert.equal(ids.size, g.nodes.length, 'ids are unique');
  for (const e of g.edges) assert.ok(ids.has(e.from) && ids.has(e.to), `${e.from} → ${e.to}`);
  for (const n of g.nodes) assert.ok(n.parent === '' || ids.has(n.parent), `${n.id}'s parent ${n.parent}`);
  const s = classSummary(path.join(DIR, 'se_resnet.py'), d);
  assert.deepEqual(
    g.nodes.filter((n) => n.kind === 'module').map((n) => n.id.replace(/#\d+$/, '')),
    s.layers.map((r) => r.name),
  );
  // The residual addition and SE's gate are functions inside their block; the block sums what it holds.
  const block = g.nodes.find((n) => n.id === 'layer1.0')!;
  assert.equal(block.kind, 'container');
  assert.equal(block.type, 'SEBottleneck');
  assert.ok(g.nodes.some((n) => n.parent === 'layer1.0' && n.kind === 'function' && n.type === 'add'));
  const inside = s.layers.filter((r) => r.name.startsWith('layer1.0.'));
  assert.equal(
    block.params,
    inside.reduce((n, r) => n + r.params, 0),
  );
  assert.deepEqual(g.nodes[0], { id: 'input', kind: 'io', type: 'input', parent: '', outputShape: [1, 3, 224, 224], params: 0, macs: 0 });
  assert.equal(g.nodes.at(-1)!.id, 'output');
  assert.equal(
    g.nodes.filter((n) => n.kind !== 'container').reduce((n, x) => n + x.macs, 0),
    counts.models.find((m) => m.file === 'se_resnet.py')!.macs,
  );
});

test('a file without the class asked for: what it builds instead', () => {
  assert.throws(() => read('backbone.py', { className: 'Nope' }), /no construction of class Nope was found\. Classes built in it: ResNetBackbone \(line 54\)/);
  assert.throws(() => read('backbone.py', { line: 3 }), /no construction of line 3 was found/);
  const unreadable = [
    'import torch.nn as nn',
    'import mylib',
    '',
    'class MyResNet(nn.Module):',
    '    def __init__(self):',
    '        super().__init__()',
    '        self.body = mylib.Body()',
    '',
    'model = MyResNet()',
    '',
  ].join('\n');
  assert.throws(
    () => findClassConstruction('bad.py', unreadable, { className: 'MyResNet' }),
    /^InputError: bad\.py:9: MyResNet\(…\) cannot be read without running it: MyResNet\.__init__ line 7: self\.body is set to unknown/,
  );
});

test('grouped convolutions: dense equivalents are the weight × groups (the bias stays)', () => {
  const s = classSummary(path.join(DIR, 'grouped_block.py'), read('grouped_block.py', { className: 'ResNeXt' }));
  const grouped = s.layers.find((r) => (r.groups ?? 1) > 1)!;
  assert.equal(grouped.denseParams, grouped.params * grouped.groups!);
  assert.equal(grouped.denseMacs, grouped.macs * grouped.groups!);
  assert.ok(s.totals.denseParams > s.totals.params);
});

test("the lenses' path: the scan worker's service reads a class by line (a .py text, a notebook's cells) as the CLI does", async () => {
  const { ScanService } = await import('../../src/python/scanService');
  const { notebookCells } = await import('../../src/python/notebook');
  const service = new ScanService();
  const file = path.join(DIR, 'se_resnet.py');
  const text = fs.readFileSync(file, 'utf8');
  const line = rows.models.find((m) => m.file === 'se_resnet.py')!.line;
  const reply = service.handle({ id: 1, key: 'k', slot: 0, generation: 0, file, text, want: { kind: 'summary', line, className: 'SEResNet' } });
  assert.equal(reply.kind, 'summary');
  if (reply.kind !== 'summary') return;
  const cli = classSummary(file, read('se_resnet.py', { line }));
  assert.deepEqual(reply.summary.layers, cli.layers);
  assert.equal(reply.summary.model, 'SEResNet (read from your code)');
  const graph = service.handle({ id: 2, key: 'k', slot: 0, generation: 0, file, text, want: { kind: 'graph', line, className: 'SEResNet' } });
  assert.equal(graph.kind, 'graph');
  if (graph.kind === 'graph') {
    assert.ok(graph.layout.nodes.length > 0 && graph.nodes.length < graph.graph.nodes.length, 'laid out at stage level');
  }
  const nb = path.join(DIR, 'notebook.ipynb');
  const cells = notebookCells(fs.readFileSync(nb, 'utf8'), nb);
  const ref = rows.models.find((m) => m.file === 'notebook.ipynb' && m.cell === 6)!;
  const fromCells = service.handle({
    id: 3,
    key: 'n',
    slot: 0,
    generation: 0,
    file: nb,
    cells,
    want: { kind: 'summary', line: ref.line, cell: 6, className: 'ResNet9' },
  });
  assert.equal(fromCells.kind, 'summary');
  if (fromCells.kind === 'summary') {
    assert.deepEqual(
      fromCells.summary.layers.map((r) => [r.name, r.type, r.outputShape, r.params]),
      ref.rows,
    );
    assert.equal(fromCells.summary.readFrom.at.cell, 6);
  }
  const missing = service.handle({ id: 4, key: 'k', slot: 0, generation: 0, file, text, want: { kind: 'summary', line: 1, className: 'SEResNet' } });
  assert.equal(missing.kind, 'error');
  if (missing.kind === 'error')
    assert.match(missing.message, /no construction of class SEResNet at line 1 was found\. Classes built in it: SEResNet \(line \d+\)/);
});

test('the summary panel takes a class summary: host message and saved state validate, the tree groups its rows, the name is the class', async () => {
  const { isHostMessage, isWebviewState } = await import('../../src/shared/protocol');
  const { buildTree } = await import('../../webview/tree');
  const { shortModelName, readFromLine } = await import('../../src/shared/names');
  const s = classSummary(path.join(DIR, 'cifar_resnet.py'), read('cifar_resnet.py', { line: 107 }));
  assert.ok(isHostMessage({ type: 'summary', summary: s }));
  assert.ok(isWebviewState({ summary: s, collapsed: [], filter: '', sort: null }));
  assert.equal(shortModelName(s), 'ResNet');
  assert.match(
    readFromLine(s.readFrom),
    /^read from your code: class ResNet \(.*cifar_resnet\.py:\d+\), built at cifar_resnet\.py:107 as ResNet\(…\); nothing was run · input 1×3×32×32$/,
  );
  const tree = buildTree(s);
  assert.deepEqual(
    tree.map((g) => [g.label, g.params]),
    s.stages.map((st) => [st.name, st.params]),
  );
  assert.equal(
    tree.reduce((n, g) => n + g.params, 0),
    s.totals.params,
  );
  // A configuration's summary without `config` is neither: the schema tells the two kinds apart.
  const { readFrom, ...withoutReadFrom } = s;
  void readFrom;
  assert.ok(!isHostMessage({ type: 'summary', summary: withoutReadFrom }));
});

test('in the editor, where a class is defined is shown relative to the workspace folder', async () => {
  const { ScanService } = await import('../../src/python/scanService');
  const file = path.join(DIR, 'train_imported.py');
  const reply = new ScanService().handle({ id: 1, key: 'k', slot: 0, generation: 0, file, root: DIR, text: fs.readFileSync(file, 'utf8') });
  assert.equal(reply.kind, 'done');
  if (reply.kind === 'done') assert.deepEqual(reply.models[0]!.detection.interpreted?.defined, { file: path.join('models', 'preact.py'), line: 28 });
});
