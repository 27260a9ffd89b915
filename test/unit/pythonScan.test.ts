/** The Python scanner over a table of snippets, the fixtures (counts checked against PyTorch's), notebooks and the CLI. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { presetConfig } from '../../src/model/config';
import { summarize } from '../../src/model/summarize';
import { notebookCells, scanCells } from '../../src/python/notebook';
import { hoverMarkdown, lensTitle, SCAN_SCHEMA, staticCounts } from '../../src/python/present';
import { presetForModelName, scanPython, type Detection } from '../../src/python/scan';
import { scanFile, scanReport } from '../../src/cli/scan';
import { FIXTURES, ROOT } from '../helpers';

interface Expected {
  readonly line: number;
  readonly source: string;
  readonly model: string;
  readonly endLine?: number;
  readonly column?: number;
}

const HEADER = 'import torch\nimport timm\nimport torchvision\nimport torchvision.models as tvm\nfrom torchvision import models\n';

/** [name, source, detections]; HEADER is prepended where a case says so (its lines count: 5). */
// One case a line where it fits: a table, not code (the formatter would make each five).
// prettier-ignore
const CASES: readonly [string, string, readonly Expected[]][] = [
  ['import torchvision', 'import torchvision\nm = torchvision.models.resnext50_32x4d()\n', [{ line: 2, column: 5, source: 'torchvision.models.resnext50_32x4d', model: 'resnext50_32x4d' }]],
  ['import torchvision.models', 'import torchvision.models\nm = torchvision.models.resnet152(weights=None)\n', [{ line: 2, source: 'torchvision.models.resnet152', model: 'resnet152' }]],
  ['import torchvision.models as tvm', 'import torchvision.models as tvm\nm = tvm.wide_resnet50_2(num_classes=5)\n', [{ line: 2, source: 'tvm.wide_resnet50_2', model: 'wide_resnet50_2(num_classes=5)' }]],
  ['from torchvision import models', 'from torchvision import models\nm = models.resnet101()\n', [{ line: 2, source: 'models.resnet101', model: 'resnet101' }]],
  ['from torchvision.models import <preset>', 'from torchvision.models import resnext101_64x4d\nm = resnext101_64x4d(weights="DEFAULT")\n', [{ line: 2, source: 'resnext101_64x4d', model: 'resnext101_64x4d' }]],
  ['from torchvision.models import <preset> as alias', 'from torchvision.models import (resnet50 as r50,\n    wide_resnet101_2)\nr50()\nwide_resnet101_2()\n', [
    { line: 3, source: 'r50', model: 'resnet50' },
    { line: 4, source: 'wide_resnet101_2', model: 'wide_resnet101_2' },
  ]],
  ['from torchvision.models.resnet import <preset>', 'from torchvision.models.resnet import resnext101_32x4d\nnet = resnext101_32x4d()\n', [{ line: 2, source: 'resnext101_32x4d', model: 'resnext101_32x4d' }]],
  ['from torchvision.models import *', 'from torchvision.models import *\nnet = resnext101_32x8d(num_classes=100)\n', [{ line: 2, source: 'resnext101_32x8d', model: 'resnext101_32x8d(num_classes=100)' }]],
  ['import inside a function', 'def build():\n    from torchvision import models as M\n    return M.resnext50_32x4d()\n', [{ line: 3, source: 'M.resnext50_32x4d', model: 'resnext50_32x4d' }]],
  ['torch.hub.load with a tag', "import torch\nm = torch.hub.load('pytorch/vision:v0.10.0', 'resnext50_32x4d', pretrained=True)\n", [{ line: 2, source: 'torch.hub.load', model: 'resnext50_32x4d' }]],
  ['torch.hub.load by keywords', 'import torch\nm = torch.hub.load(repo_or_dir="pytorch/vision", model="resnet50", num_classes=7)\n', [{ line: 2, source: 'torch.hub.load', model: 'resnet50(num_classes=7)' }]],
  ['timm.create_model with a pretrained tag', "import timm\nm = timm.create_model('resnext50_32x4d.a1h_in1k', pretrained=True, num_classes=10)\n", [{ line: 2, source: 'timm.create_model', model: 'resnext50_32x4d(num_classes=10)' }]],
  ['timm hf-hub name, from timm import create_model', "from timm import create_model\nm = create_model('hf-hub:timm/wide_resnet50_2.racm_in1k')\n", [{ line: 2, source: 'create_model', model: 'wide_resnet50_2' }]],
  ['multi-line call; line, column and endLine', HEADER + 'model = models.resnext50_32x4d(\n    weights=None,\n    num_classes=10,\n)\n', [{ line: 6, column: 9, endLine: 9, source: 'models.resnext50_32x4d', model: 'resnext50_32x4d(num_classes=10)' }]],
  ['a call chained with .to().eval()', HEADER + 'net = tvm.resnet50(num_classes=3).to("cpu").eval()\n', [{ line: 6, source: 'tvm.resnet50', model: 'resnet50(num_classes=3)' }]],
  ['torchvision ResNet class, positional', 'from torchvision.models.resnet import ResNet, Bottleneck\nm = ResNet(Bottleneck, [3, 4, 6, 3], 1000, False, 32, 4)\n', [{ line: 2, source: 'ResNet', model: 'resnext50_32x4d' }]],
  ['torchvision ResNet class, keywords, a tuple', 'from torchvision.models import ResNet\nfrom torchvision.models.resnet import Bottleneck\nm = ResNet(Bottleneck, (3, 4, 23, 3), groups=64, width_per_group=4)\n', [{ line: 3, source: 'ResNet', model: 'resnext101_64x4d' }]],
  ['constants in the module', HEADER + 'classes = 12\ngroups = 32\nwidth = 2 * 4\nm = models.resnext101_32x8d(num_classes=classes)\nr = ResNeXt(Bottleneck, [3, 4, 23, 3], groups=groups, width_per_group=width)\n', [
    { line: 9, source: 'models.resnext101_32x8d', model: 'resnext101_32x8d(num_classes=12)' },
    { line: 10, source: 'ResNeXt', model: 'resnext101_32x8d' },
  ]],
  ['constants in the function and default values', HEADER + 'LAYERS = [3, 4, 6, 3]\ndef build(num_classes=20, groups=8):\n    width_per_group = 16\n    return ResNeXt(LAYERS, num_classes=num_classes, groups=groups, width_per_group=width_per_group)\n', [
    { line: 9, source: 'ResNeXt', model: 'resnext50_32x4d(groups=8 width_per_group=16 num_classes=20)' },
  ]],
  ['the latest binding before the call wins', HEADER + 'n = 5\nm = models.resnet50(num_classes=n)\nn = 6\nk = models.resnet50(num_classes=n)\n', [
    { line: 7, source: 'models.resnet50', model: 'resnet50(num_classes=5)' },
    { line: 9, source: 'models.resnet50', model: 'resnet50(num_classes=6)' },
  ]],
  ['torchsummary input size on the same variable', HEADER + 'from torchsummary import summary\nmodel = models.resnext50_32x4d()\nsummary(model, (3, 320, 256))\n', [
    { line: 7, source: 'models.resnext50_32x4d', model: 'resnext50_32x4d(input=320x256)' },
  ]],
  ['torchinfo input size, keyword', HEADER + 'import torchinfo\nnet = tvm.resnet101()\nother = tvm.resnet50()\ntorchinfo.summary(net, input_size=(1, 3, 288, 288))\n', [
    { line: 7, source: 'tvm.resnet101', model: 'resnet101(input=288x288)' },
    { line: 8, source: 'tvm.resnet50', model: 'resnet50' },
  ]],
  ['summary of the call itself', HEADER + 'from torchinfo import summary\nsummary(models.resnet50(), (1, 3, 128, 128))\n', [{ line: 7, source: 'models.resnet50', model: 'resnet50(input=128x128)' }]],
  ['negatives: comments, strings, docstrings, f-strings', HEADER + '"""models.resnet50() in a docstring"""\n# m = models.resnext50_32x4d()\ns = "tvm.resnet101()"\nt = f"{models.resnet152()}"\nu = \'\'\'\nResNeXt([3, 4, 6, 3])\n\'\'\'\n', []],
  ['negatives: other callees and shapes', HEADER + 'x = torch.Size([1, 3, 224, 224])\ny = models.resnet200()\nz = models.resnet500()\nw = timm.create_model("vit_base_patch16_224")\nh = torch.hub.load("someone/else", "resnet50")\nq = MyThing([3, 4, 6, 3])\nb = ResNet(BasicBlock, [2, 2, 2])\n', []],
  ['ResNet-18/34 (issue 20): torchvision constructors, ResNet(BasicBlock, …), timm names', HEADER + 'a = models.resnet18()\nb = tvm.resnet34(num_classes=10)\nfrom torchvision.models.resnet import ResNet, BasicBlock\nc = ResNet(BasicBlock, [3, 4, 6, 3])\nd = timm.create_model("seresnext26t_32x4d.bt_in1k")\ne = timm.create_model("skresnext50_32x4d", num_classes=5)\nf = timm.create_model("resnet50s")\ng = torch.hub.load("pytorch/vision", "resnet18")\n', [
    { line: 6, source: 'models.resnet18', model: 'resnet18' },
    { line: 7, source: 'tvm.resnet34', model: 'resnet34(num_classes=10)' },
    { line: 9, source: 'ResNet', model: 'resnet34' },
    { line: 10, source: 'timm.create_model', model: 'seresnext26t_32x4d' },
    { line: 11, source: 'timm.create_model', model: 'skresnext50_32x4d(num_classes=5)' },
    { line: 12, source: 'timm.create_model', model: 'gluon_resnet50_v1s' },
    { line: 13, source: 'torch.hub.load', model: 'resnet18' },
  ]],
  ['a name imported from elsewhere is not torchvision', 'from mylib import resnet50\nm = resnet50()\n', []],
  ['a syntax error elsewhere does not stop detection', 'import torchvision.models as tvm\ndef broken(:\n    x = [1, 2\n\nclass Half(\nm = tvm.resnet152(num_classes=37)\n', [{ line: 6, source: 'tvm.resnet152', model: 'resnet152(num_classes=37)' }]],
];

function brief(d: Detection): Expected {
  return { line: d.line, column: d.column, endLine: d.endLine, source: d.source, model: d.model };
}

for (const [name, source, expected] of CASES) {
  test(`scan: ${name}`, () => {
    const { detections } = scanPython(source);
    const got = detections.map(brief);
    assert.equal(got.length, expected.length, JSON.stringify(got));
    expected.forEach((e, i) => {
      const g = got[i]!;
      assert.equal(g.line, e.line);
      assert.equal(g.source, e.source);
      assert.equal(g.model, e.model);
      if (e.column !== undefined) assert.equal(g.column, e.column);
      assert.equal(g.endLine, e.endLine ?? e.line);
    });
  });
}

test('scan: values that are not constants fall back to the default and say so', () => {
  const { detections } = scanPython(HEADER + 'def build(n):\n    return models.resnet50(num_classes=n)\n');
  assert.equal(detections.length, 1);
  assert.equal(detections[0]!.config!.numClasses, 1000);
  assert.match(detections[0]!.notes[0]!, /num_classes=n is not a constant/);
});

test('scan: a configuration the core refuses is a problem with its line, not a detection', () => {
  const r = scanPython('from torchvision.models import ResNet, Bottleneck\n\nm = ResNet(Bottleneck, [3, 4, 6, 3], groups=32, width_per_group=0)\n');
  assert.deepEqual(r.detections, []);
  assert.equal(r.problems.length, 1);
  assert.equal(r.problems[0]!.line, 3);
  assert.match(r.problems[0]!.message, /width_per_group must be a whole number from 1/);
});

test('scan: model names from timm and torch.hub go through the preset list', () => {
  assert.equal(presetForModelName('resnext50_32x4d'), 'resnext50_32x4d');
  assert.equal(presetForModelName('resnet18'), 'resnet18');
  assert.equal(presetForModelName('resnet50s'), 'gluon_resnet50_v1s');
  assert.equal(presetForModelName('resnet200d'), undefined);
  assert.equal(presetForModelName('resnext101_32x8d_wsl'), 'resnext101_32x8d');
  const wsl = scanPython('import torch\nm = torch.hub.load("facebookresearch/WSL-Images", "resnext101_32x8d_wsl")\n');
  assert.equal(wsl.detections[0]?.model, 'resnext101_32x8d');
});

test('scan: the blog-style hand-written class (its own __init__ signature, constants, positional arguments)', () => {
  const text = fs.readFileSync(path.join(FIXTURES, 'python', 'blog_resnext.py'), 'utf8');
  const { detections, problems } = scanPython(text);
  assert.deepEqual(problems, []);
  assert.deepEqual(detections.map(brief), [
    { line: 74, column: 13, endLine: 74, source: 'ResNeXt', model: 'ResNeXt' },
    { line: 78, column: 11, endLine: 83, source: 'ResNeXt', model: 'ResNeXt' },
  ]);
  // Read by the interpreter from the class itself, not matched to torchvision's signature.
  assert.deepEqual(detections[0]!.interpreted?.defined, { file: '<source>', line: 34 });
  assert.equal(detections[0]!.config, undefined);
  // The docstring's and the comment's calls, and the inner Block(...) and nn.Conv2d(...) calls, are not models.
});

test('scan: a notebook: code cells only, magics skipped, constants across cells, in-cell lines', () => {
  const text = fs.readFileSync(path.join(FIXTURES, 'python', 'demo.ipynb'), 'utf8');
  const cells = notebookCells(text);
  assert.deepEqual(
    cells.map((c) => c.cell),
    [2, 3, 5],
  );
  const { detections } = scanCells(cells);
  assert.deepEqual(
    detections.map((d) => [d.cell, d.line, d.column, d.endLine, d.source, d.model]),
    [
      [3, 1, 9, 4, 'models.resnext50_32x4d', 'resnext50_32x4d(num_classes=10 input=160x160)'],
      [5, 2, 12, 2, 'timm.create_model', 'resnext50_32x4d'],
    ],
  );
  // Offsets are within the cell's own text.
  const cell3 = cells[1]!.source;
  assert.equal(cell3.slice(detections[0]!.calleeFrom, detections[0]!.calleeTo), 'models.resnext50_32x4d');
});

test('scan: files that are not notebooks get a clear message', () => {
  assert.throws(() => notebookCells('{"cells": ', 'x.ipynb'), /x\.ipynb is not a Jupyter notebook: its JSON does not parse/);
  assert.throws(() => notebookCells('{"worksheets": []}', 'old.ipynb'), /no "cells" list/);
  assert.deepEqual(
    notebookCells(JSON.stringify({ cells: [{ cell_type: 'code', source: 'models.resnet50()' }], metadata: { language_info: { name: 'julia' } } })),
    [],
  );
});

interface Reference {
  models: { file: string; lineOrCell: number; input: number; params: number; macs: number }[];
}

test("scan counts equal PyTorch's for every fixture detection (reference.json by make_reference.py)", () => {
  const reference = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'python', 'reference.json'), 'utf8')) as Reference;
  const files = [...new Set(reference.models.map((m) => m.file))].map((f) => path.join(FIXTURES, 'python', f));
  const { report } = scanReport(files);
  assert.equal(report.schema, SCAN_SCHEMA);
  assert.equal(report.models.length, reference.models.length);
  for (const ref of reference.models) {
    const m = report.models.find((x) => path.basename(x.file) === ref.file && (x.cell ?? x.line) === ref.lineOrCell);
    assert.ok(m, `${ref.file}:${ref.lineOrCell} not found`);
    assert.equal(m.params, ref.params, `${ref.file}:${ref.lineOrCell} params`);
    assert.equal(m.macs, ref.macs, `${ref.file}:${ref.lineOrCell} MACs`);
    assert.deepEqual(m.config?.inputShape ?? m.input, [1, 3, ref.input, ref.input]);
  }
});

test("scan counts equal summarize's (TF.js trace) for the same configuration", async () => {
  const { detections } = scanPython(HEADER + 'm = models.resnext50_32x4d(num_classes=10)\nfrom torchsummary import summary\nsummary(m, (3, 96, 128))\n');
  const config = detections[0]!.config!;
  const summary = await summarize(config);
  const counts = staticCounts(config);
  assert.equal(counts.totals.params, summary.totals.params);
  assert.equal(counts.totals.macs, summary.totals.macs);
  assert.deepEqual(counts.stages, summary.stages);
  assert.deepEqual(
    scanFile('x.py', HEADER + 'm = models.resnext50_32x4d(num_classes=10)\nfrom torchsummary import summary\nsummary(m, (3, 96, 128))\n').models[0]!.config,
    summary.config,
  );
});

test('lens title and hover', () => {
  const c = presetConfig('resnext50_32x4d');
  assert.equal(lensTitle(c, staticCounts(c).totals), 'ResNeXt-50 32x4d · 25.03M params · 4.23 GMACs · grouped saves 63.7%');
  const r = presetConfig('resnet101');
  assert.equal(lensTitle(r, staticCounts(r).totals), 'ResNet-101 · 44.55M params · 7.80 GMACs');
  const d = scanPython(HEADER + 'm = models.wide_resnet50_2(num_classes=10, weights=None)\nfrom torchsummary import summary\nsummary(m, (3, 160, 160))\n')
    .detections[0]!;
  assert.equal(lensTitle(d.config!, staticCounts(d.config!).totals), 'Wide ResNet-50-2, 10 classes, 160×160 · 66.85M params · 5.81 GMACs');
  const md = hoverMarkdown(d, staticCounts(d.config!));
  assert.match(md, /^\*\*Wide ResNet-50-2\*\* — `wide_resnet50_2\(num_classes=10 input=160x160\)`/);
  // Compact, so that the head row shows in VS Code's hover without scrolling: one line of totals, then the stages.
  assert.match(
    md,
    /\n\n66,854,730 params · 5\.81 GMACs\n\n\| Stage \| Output \(C×H×W\) \| Params \| MACs \| Saved \|\n\| --- \| --- \| ---: \| ---: \| ---: \|/,
  );
  assert.match(md, /\| layer4 \| 2048×5×5 \| 41\.97 M \| 1\.13 G \| — \|/);
  assert.match(md, /\| head \| /);
  assert.match(md, /Weights: `weights=None`/);
});

test('resnext scan (dist/cli.js): table, json, exit codes, and no TF.js loaded', () => {
  const cli = path.join(ROOT, 'dist', 'cli.js');
  assert.ok(fs.existsSync(cli), 'dist/cli.js is missing: run `npm run build` first (npm test does)');
  // tfjs-core creates globalThis._tfengine when it is evaluated: it must not exist when scan exits.
  const probe = path.join(ROOT, 'test', 'unit', 'tfProbe.cjs');
  const run = (...args: string[]) => spawnSync(process.execPath, ['-r', probe, cli, ...args], { encoding: 'utf8', timeout: 60_000 });
  const blog = path.join(FIXTURES, 'python', 'blog_resnext.py');
  let r = run('scan', blog, '--format', 'json');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, 'tfjs: not loaded\n');
  const json = JSON.parse(r.stdout) as { schema: string; models: Record<string, unknown>[] };
  assert.equal(json.schema, 'resnext-inspector/scan@1');
  assert.deepEqual(Object.keys(json.models[0]!), ['file', 'line', 'column', 'endLine', 'source', 'call', 'class', 'defined', 'input', 'params', 'macs']);
  assert.deepEqual(
    [json.models[0]!.source, json.models[0]!.class, json.models[0]!.defined],
    ['class', 'ResNeXt', { file: path.relative(process.cwd(), blog), line: 34 }],
  );
  r = run('scan', path.join(FIXTURES, 'python', 'demo.ipynb'));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /demo\.ipynb \[cell 3\]:1:9 +models\.resnext50_32x4d +3,4,6,3 +32 +4 +10 +160x160 +23,000,394 +2,157,383,680 \(2\.16 G\)/);
  r = run('scan', path.join(FIXTURES, 'python', 'missing.py'));
  assert.equal(r.status, 2);
  assert.match(r.stderr, /missing\.py: no such file; give \.py or \.ipynb files/);
  r = run('scan');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /scan needs at least one \.py or \.ipynb file/);
  r = run('scan', blog, '--format', 'csv');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--format 'csv' is not supported; accepted: table, json/);
});

test('the scanner, its counting and `resnext scan` bundle no TF.js; the scan worker carries the scanner, the extension host does not', async () => {
  const inputs = async (entry: string): Promise<string[]> => {
    const r = await esbuild.build({
      entryPoints: [path.join(ROOT, entry)],
      bundle: true,
      write: false,
      metafile: true,
      logLevel: 'silent',
      platform: 'node',
      format: 'cjs',
      external: ['vscode'],
    });
    return Object.keys(r.metafile.inputs);
  };
  const tf = (list: string[]) => list.filter((i) => i.includes('@tensorflow') || /src\/model\/(tf|network|summarize)\.ts$/.test(i));
  for (const entry of [
    'src/python/scan.ts',
    'src/python/present.ts',
    'src/python/notebook.ts',
    'src/cli/scan.ts',
    'src/extension/codeLens.ts',
    'src/extension/scanWorker.ts',
  ])
    assert.deepEqual(tf(await inputs(entry)), [], entry);
  // The scanner runs in the scan worker, not on the extension host's thread: the host bundle does not carry it.
  const host = await inputs('src/extension/extension.ts');
  assert.ok(!host.includes('src/python/scan.ts') && !host.some((i) => i.includes('@lezer/python')));
  const worker = await inputs('src/extension/scanWorker.ts');
  assert.ok(worker.includes('src/python/scan.ts') && worker.includes('src/python/interp/interp.ts') && worker.some((i) => i.includes('@lezer/python')));
});
