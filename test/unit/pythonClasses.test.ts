/**
 * The interpreter of the user's nn.Module classes over a corpus of hand-written networks in the styles people use
 * (test/fixtures/python/classes): every construction the scanner finds has PyTorch's exact params and conv+linear
 * MACs (reference.json, made by make_reference.py with Debian's python3-torch), or null MACs with the line where
 * forward() could not be followed; nothing else (comments, strings, markdown cells, blocks built inside a network)
 * is a model.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scanReport } from '../../src/cli/scan';
import { detectionTitle, hoverMarkdown } from '../../src/python/present';
import { scanPython, ScanCancelled } from '../../src/python/scan';
import { FIXTURES } from '../helpers';

const DIR = path.join(FIXTURES, 'python', 'classes');

interface Reference {
  readonly torch: string;
  readonly models: readonly { file: string; cell?: number; line: number; input: number; params: number; macs: number | null }[];
}

const reference = JSON.parse(fs.readFileSync(path.join(DIR, 'reference.json'), 'utf8')) as Reference;
const FILES = [
  'cifar_resnet.py',
  'cifar_resnext.py',
  'grouped_block.py',
  'backbone.py',
  'subclass_tv.py',
  'se_resnet.py',
  'train_imported.py',
  'models/preact.py',
  'unfollowed.py',
  'dynamic_names.py',
  'notebook.ipynb',
];
const key = (file: string, m: { cell?: number; line: number }): string => `${file}${m.cell !== undefined ? ` [cell ${m.cell}]` : ''}:${m.line}`;

test('the corpus: every construction found, nothing else (no comment, string, markdown cell or inner block)', () => {
  const { report, problems } = scanReport(FILES.map((f) => path.join(DIR, f)));
  assert.deepEqual(problems, []);
  const found = report.models.map((m) => key(path.relative(DIR, m.file), m)).sort();
  assert.deepEqual(found, reference.models.map((r) => key(r.file, r)).sort());
  for (const m of report.models) assert.equal(m.source, 'class', key(m.file, m));
});

for (const ref of reference.models) {
  test(`${key(ref.file, ref)}: PyTorch ${reference.torch}'s params and MACs`, () => {
    const { report } = scanReport([path.join(DIR, ref.file)]);
    const m = report.models.find((x) => key(path.relative(DIR, x.file), x) === key(ref.file, ref));
    assert.ok(m, 'not found');
    assert.deepEqual(m.input, [1, 3, ref.input, ref.input]);
    assert.equal(m.params, ref.params, 'params');
    if (ref.file === 'unfollowed.py') {
      // PyTorch counts it; the interpreter does not follow torch.utils.checkpoint and says where, rather than guess.
      assert.equal(m.macs, null);
      assert.match(m.why ?? '', /^forward\(\) line 28: torch\.utils\.checkpoint\.checkpoint\(…\) is not followed/);
    } else {
      assert.equal(m.macs, ref.macs, `MACs${m.why !== undefined ? ` (${m.why})` : ''}`);
      // null MACs only where PyTorch itself raises on the input (a CIFAR network given 224×224): the reason names it.
      if (ref.macs === null) assert.match(m.why ?? '', /^forward\(\) line \d+: nn\.Linear\(\d+, \d+\) is given a tensor/);
    }
  });
}

test('the JSON of a class: source, class, defined (file and line of the class statement)', () => {
  const { report } = scanReport([path.join(DIR, 'train_imported.py')]);
  const m = report.models[0]!;
  assert.equal(m.source, 'class');
  assert.equal(m.call, 'PreActResNet');
  assert.equal(m.class, 'PreActResNet');
  assert.deepEqual(m.defined, { file: path.relative(process.cwd(), path.join(DIR, 'models', 'preact.py')), line: 28 });
  assert.equal(m.config, undefined);
});

test('a class the interpreter cannot build is a problem with its reason, not a guessed count', () => {
  const source = [
    'import torch.nn as nn',
    'import mylib',
    'class ResNetX(nn.Module):',
    '    def __init__(self, depth):',
    '        super().__init__()',
    '        self.stem = mylib.FancyStem(64)',
    '        self.fc = nn.Linear(64, depth)',
    'm = ResNetX(10)',
  ].join('\n');
  const { detections, problems } = scanPython(source);
  assert.deepEqual(detections, []);
  assert.equal(problems.length, 1);
  assert.match(
    problems[0]!.message,
    /ResNetX\(…\) cannot be read without running it: ResNetX\.__init__ line 6: self\.stem is set to unknown \(mylib\.FancyStem\(…\) is not read\)/,
  );
});

test('hostile code: an endless loop or deep recursion in __init__ stops with a reason', () => {
  const loop =
    'import torch.nn as nn\nclass ResNetL(nn.Module):\n    def __init__(self):\n        super().__init__()\n        while True:\n            pass\nm = ResNetL()\n';
  assert.match(scanPython(loop).problems[0]?.message ?? '', /steps to read; stopped/);
  const rec =
    'import torch.nn as nn\ndef f(n):\n    return f(n + 1)\nclass ResNetR(nn.Module):\n    def __init__(self):\n        super().__init__()\n        f(0)\nm = ResNetR()\n';
  assert.match(scanPython(rec).problems[0]?.message ?? '', /calls nest more than \d+ deep/);
});

test('the lens and hover of an interpreted class say "read from your code", and why MACs are missing', () => {
  const text = fs.readFileSync(path.join(DIR, 'cifar_resnet.py'), 'utf8');
  const { detections } = scanPython(text, { file: path.join(DIR, 'cifar_resnet.py') });
  const cifar = detections.find((d) => d.line === 107)!;
  assert.equal(detectionTitle(cifar), 'ResNet, 32×32 (read from your code) · 11.17M params · 555.42 MMACs');
  const factory = detections.find((d) => d.line === 95)!;
  assert.equal(detectionTitle(factory), 'ResNet (read from your code) · 11.17M params · MACs not followed');
  const md = hoverMarkdown(factory);
  assert.match(md, /^\*\*ResNet\*\* — read from your code \(defined in `.*cifar_resnet\.py` line 61; nothing was run\)/);
  assert.match(md, /11,173,962 params · MACs not counted: forward\(\) line 90: nn\.Linear\(512, 10\) is given a tensor \[1, 25088\]/);
  assert.match(md, /\| layer4 \| Sequential \| 8,393,728 \|/);
});

test('a reading is reused after an edit it does not depend on, and read again after one it does', () => {
  const file = path.join(DIR, 'grouped_block.py');
  const text = fs.readFileSync(file, 'utf8');
  const first = scanPython(text, { file }).detections[0]!.interpreted!;
  assert.equal(first.params, 25_028_904);
  // Typing in code the class does not read: the same reading (memoised), not a new one.
  const unrelated = scanPython(`${text}\nfor epoch in range(3):\n    print(epoch)\n`, { file }).detections[0]!.interpreted!;
  assert.equal(unrelated, first);
  // A module constant the block reads (CARDINALITY), a helper's text, the class itself: read again, PyTorch's rule.
  const fewerGroups = scanPython(text.replace('CARDINALITY = 32', 'CARDINALITY = 16'), { file }).detections[0]!.interpreted!;
  assert.notEqual(fewerGroups, first);
  // PyTorch 1.13's count of grouped_block.py with CARDINALITY = 16 (the block's width halves with it).
  assert.equal(fewerGroups.params, 14_947_112);
  const wider = scanPython(
    text.replace('self.fc = nn.Linear(512 * block.expansion, num_classes)', 'self.fc = nn.Linear(512 * block.expansion, num_classes + 1)'),
    {
      file,
    },
  ).detections[0]!.interpreted!;
  assert.equal(wider.params, first.params + 2048 + 1);
});

test('a stale scan stops inside a long reading (the interpreter polls shouldStop)', () => {
  const source = [
    'import torch.nn as nn',
    'class ResNetSlow(nn.Module):',
    '    def __init__(self):',
    '        super().__init__()',
    '        total = 0',
    '        for i in range(100000):',
    '            total += i',
    '        self.fc = nn.Linear(8, 2)',
    'm = ResNetSlow()',
  ].join('\n');
  let polls = 0;
  assert.throws(() => scanPython(source, { shouldStop: () => ++polls > 5 }), ScanCancelled);
  // The parse and the scanner's loop poll a few times at most here; the rest came from the interpreter's steps.
  assert.equal(polls, 6);
  assert.equal(scanPython(source).detections[0]?.interpreted?.params, 18);
});
