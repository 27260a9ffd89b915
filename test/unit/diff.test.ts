/**
 * `resnext diff` and `resnext check` against what PyTorch says (test/fixtures/diff, made by make_diff.py with Debian's
 * torch 1.13): per-key statuses and float64 statistics of fine-tunes, a reshaped head, a DataParallel save and a
 * float16 copy; missing/unexpected/mismatched as load_state_dict reports them, and the hints.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { CheckSchema, DiffSchema } from '../../src/shared/data';
import { compareValues, diffCheckpoints, type Diff } from '../../src/model/weights/diff';
import { checkCheckpoint } from '../../src/model/weights/check';
import { formatCheck, formatDiff } from '../../src/model/weights/diffText';
import { openWeightsLazily } from '../../src/model/weights/lazy';
import { readWeightsFile } from '../../src/model/weights/load';
import { resolveConfig } from '../../src/model/architecture';
import { WeightsError } from '../../src/model/errors';
import { convertToSafetensors, encodeSafetensors } from '../../src/model/weights/convert';
import { FIXTURES, runCli } from '../helpers';
import { writeLegacyCheckpoint, writeZip, zipCheckpointEntries } from '../writePth';

const DIR = join(FIXTURES, 'diff');
interface TorchStats {
  status: string;
  l2Diff?: number;
  relativeChange?: number | null;
  maxAbsDiff?: number;
  cosine?: number | null;
  dtypeA?: string;
  dtypeB?: string;
}
interface Expected {
  diffs: Record<
    string,
    { a: string; b: string; tensors: Record<string, TorchStats>; modules: Record<string, { relativeChange: number | null; same: boolean }> }
  >;
  checks: Record<
    string,
    { file: string; preset: string | null; missing: string[]; unexpected: string[]; mismatched: { key: string; expected: number[]; got: number[] }[] }
  >;
}
const EXPECTED = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as Expected;
/** The fixtures' architecture as custom flags would give it. */
const TINY = resolveConfig(undefined, { layers: [1, 1, 1, 1], groups: 4, widthPerGroup: 16, baseWidth: 8, numClasses: 10 }).config;

const close = (got: number | null, want: number | null | undefined, what: string, rel = 1e-6): void => {
  if (want === null || want === undefined) return assert.equal(got, want ?? null, what);
  assert.ok(got !== null, `${what}: got null, PyTorch ${want}`);
  assert.ok(Math.abs(got - want) <= rel * Math.abs(want) + 1e-12, `${what}: got ${got}, PyTorch ${want}`);
};

function diffCase(name: string): Diff {
  const { a, b } = EXPECTED.diffs[name]!;
  return diffCheckpoints(join(DIR, a), join(DIR, b));
}

/** Every key's status and statistics, and every module's relative change, as PyTorch computed them. */
function assertMatchesTorch(name: string, diff: Diff): void {
  const want = EXPECTED.diffs[name]!;
  assert.deepEqual(diff.tensors.map((t) => t.key).sort(), Object.keys(want.tensors).sort(), `${name}: the keys compared`);
  for (const t of diff.tensors) {
    const w = want.tensors[t.key]!;
    assert.equal(t.status, w.status, `${name}: ${t.key}'s status`);
    if (w.status !== 'same' && w.status !== 'changed') continue;
    close(t.relativeChange, w.relativeChange, `${name}: ${t.key} relativeChange`);
    close(t.l2Diff, w.l2Diff, `${name}: ${t.key} l2Diff`);
    close(t.maxAbsDiff, w.maxAbsDiff, `${name}: ${t.key} maxAbsDiff`);
    close(t.cosine, w.cosine, `${name}: ${t.key} cosine`);
    assert.equal(t.dtypeA, w.dtypeA, `${name}: ${t.key} dtypeA`);
    assert.equal(t.dtypeB, w.dtypeB, `${name}: ${t.key} dtypeB`);
  }
  assert.deepEqual(diff.modules.map((m) => m.name).sort(), Object.keys(want.modules).sort(), `${name}: the leaf modules (parameters only)`);
  for (const m of diff.modules) {
    close(m.relativeChange, want.modules[m.name]!.relativeChange, `${name}: module ${m.name} relativeChange`);
    assert.equal(m.status === 'same', want.modules[m.name]!.same, `${name}: module ${m.name} same`);
  }
  assert.ok(v.safeParse(DiffSchema, JSON.parse(formatDiff(diff, 'json'))).success, `${name}: diff@1 JSON follows its schema`);
}

test('diff: fine-tune with all but layer4 and fc frozen, BatchNorm in eval mode — exactly layer4.* and fc.* change, as PyTorch computes', () => {
  const diff = diffCase('finetune_eval');
  assertMatchesTorch('finetune_eval', diff);
  const changed = diff.tensors.filter((t) => t.status !== 'same').map((t) => t.key);
  assert.ok(changed.length > 0);
  assert.ok(
    changed.every((k) => k.startsWith('layer4.') || k.startsWith('fc.')),
    `only layer4.* and fc.* change: ${changed.join(', ')}`,
  );
  // Every parameter of layer4 and fc changed; no buffer did (BatchNorm in eval mode).
  for (const t of diff.tensors) {
    const trainable = (t.key.startsWith('layer4.') || t.key.startsWith('fc.')) && !/running_|num_batches/.test(t.key);
    assert.equal(t.status, trainable ? 'changed' : 'same', t.key);
  }
  const frozen = diff.modules.filter((m) => m.status === 'same').map((m) => m.name);
  assert.ok(frozen.includes('conv1') && frozen.includes('layer3.0.conv2') && !frozen.includes('layer4.0.conv2') && !frozen.includes('fc'));
  // Modules in network order: A's state-dict order.
  assert.deepEqual(
    diff.modules.slice(0, 3).map((m) => m.name),
    ['conv1', 'bn1', 'layer1.0.conv1'],
  );
  assert.equal(diff.modules.at(-1)!.name, 'fc');
});

test('diff: the same fine-tune with BatchNorm in train mode — running statistics and num_batches_tracked change everywhere', () => {
  const diff = diffCase('finetune_train');
  assertMatchesTorch('finetune_train', diff);
  const status = new Map(diff.tensors.map((t) => [t.key, t.status]));
  assert.equal(status.get('bn1.running_mean'), 'changed');
  assert.equal(status.get('layer1.0.bn2.num_batches_tracked'), 'changed');
  assert.equal(status.get('layer1.0.conv2.weight'), 'same');
  // Buffers do not count in the modules: bn1's parameters were frozen, so bn1 is the same.
  assert.equal(diff.modules.find((m) => m.name === 'bn1')!.status, 'same');
});

test('diff: a classifier of another size is reshaped; a DataParallel save equals the plain one; a float16 copy changes and names its dtypes', () => {
  const classes = diffCase('classes5');
  assertMatchesTorch('classes5', classes);
  assert.deepEqual(
    classes.tensors.filter((t) => t.status === 'reshaped').map((t) => [t.key, t.shapeA, t.shapeB]),
    [
      ['fc.weight', [10, 256], [5, 256]],
      ['fc.bias', [10], [5]],
    ],
  );
  assert.equal(classes.modules.find((m) => m.name === 'fc')!.status, 'reshaped');
  assert.match(formatDiff(classes, 'table'), /reshaped {2}fc\.weight {2}\[10, 256\] → \[5, 256\]/);

  const dp = diffCase('dataparallel');
  assertMatchesTorch('dataparallel', dp);
  assert.deepEqual(dp.summary, { same: 104, changed: 0, added: 0, removed: 0, reshaped: 0 });

  const half = diffCase('half');
  assertMatchesTorch('half', half);
  const conv = half.tensors.find((t) => t.key === 'conv1.weight')!;
  assert.deepEqual([conv.status, conv.dtypeA, conv.dtypeB], ['changed', 'torch.float32', 'torch.float16']);
  assert.match(formatDiff(half, 'table'), /Dtypes differ: torch\.float32 → torch\.float16/);
});

test('diff: a .pth against its safetensors conversion is the same; added and removed keys; the streaming reader reads what the whole-file reader does', () => {
  const dir = mkdtempSync(join(tmpdir(), 'resnext-diff-'));
  try {
    const st = join(dir, 'base.safetensors');
    convertToSafetensors(join(DIR, 'base.pth'), st);
    const diff = diffCheckpoints(join(DIR, 'base.pth'), st);
    assert.equal(diff.summary.same, 104, JSON.stringify(diff.summary));
    // One tensor read lazily equals the whole-file reader's.
    const lazy = openWeightsLazily(join(DIR, 'finetune_eval.pth'));
    try {
      const whole = readWeightsFile(join(DIR, 'finetune_eval.pth')).stateDict;
      for (const key of ['layer4.0.conv2.weight', 'fc.bias', 'bn1.num_batches_tracked']) assert.deepEqual(lazy.read(key).data, whole.get(key)!.data, key);
    } finally {
      lazy.close();
    }
    const swapped = diffCheckpoints(join(DIR, 'classes5.pth'), st);
    assert.equal(swapped.summary.reshaped, 2);
    // Check's hint for another class count: the classifier left out of the converted copy.
    const headless = join(dir, 'headless.safetensors');
    assert.equal(convertToSafetensors(join(DIR, 'classes5.pth'), headless, { dropClassifier: true }).tensors, 102);
    const dropped = diffCheckpoints(join(DIR, 'base.pth'), headless);
    assert.deepEqual(
      dropped.tensors.filter((t) => t.status !== 'same').map((t) => [t.key, t.status]),
      [
        ['fc.weight', 'removed'],
        ['fc.bias', 'removed'],
      ],
    );
    assert.deepEqual(checkCheckpoint(headless, { ...TINY, numClasses: 5 }).missing, ['fc.bias', 'fc.weight']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the lazy reader reads what the whole-file reader does: legacy .pth, deflated zip entries, strided tensors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'resnext-lazy-'));
  try {
    const whole = readWeightsFile(join(DIR, 'base.pth')).stateDict;
    const files = {
      'legacy.pth': writeLegacyCheckpoint(whole),
      'deflated.pth': writeZip(zipCheckpointEntries(whole), { deflate: true }),
      'zip64.pth': writeZip(zipCheckpointEntries(whole), { zip64Entries: true }),
    };
    for (const [name, bytes] of Object.entries(files)) {
      writeFileSync(join(dir, name), bytes);
      const lazy = openWeightsLazily(join(dir, name));
      try {
        for (const [key, tensor] of whole) assert.deepEqual(lazy.read(key).data, tensor.data, `${name}: ${key}`);
      } finally {
        lazy.close();
      }
      assert.equal(diffCheckpoints(join(DIR, 'base.pth'), join(dir, name)).summary.same, whole.size, name);
    }
    // Strided (channels_last) tensors go through pth.ts's gather.
    const channelsLast = join(FIXTURES, 'checkpoints', 'channels_last.pth');
    const lazy = openWeightsLazily(channelsLast);
    try {
      for (const [key, tensor] of readWeightsFile(channelsLast).stateDict) assert.deepEqual(lazy.read(key).data, tensor.data, key);
    } finally {
      lazy.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('diff: null relative change and cosine where A is all zeros; bit-identical values are the same', () => {
  const dir = mkdtempSync(join(tmpdir(), 'resnext-diff-'));
  try {
    const write = (name: string, values: number[]): string => {
      const file = join(dir, name);
      const chunks = encodeSafetensors(new Map([['w', { shape: [values.length], data: new Float32Array(values), sourceDtype: 'F32' }]]), 'float32', {});
      writeFileSync(file, Buffer.concat(chunks));
      return file;
    };
    const diff = diffCheckpoints(write('a.safetensors', [0, 0]), write('b.safetensors', [3, 4]));
    assert.deepEqual(
      [diff.tensors[0]!.status, diff.tensors[0]!.l2Diff, diff.tensors[0]!.relativeChange, diff.tensors[0]!.cosine, diff.tensors[0]!.maxAbsDiff],
      ['changed', 5, null, null, 4],
    );
    assert.deepEqual([diff.modules[0]!.name, diff.modules[0]!.relativeChange], ['', null]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const t = compareValues(new Float32Array([1e-20, 1]), new Float32Array([1e-20, 1]));
  assert.ok(t.identical && t.d2 === 0);
  assert.equal(compareValues(new Float32Array([0]), new Float32Array([-0])).identical, false);
});

test('check: missing / unexpected / mismatched equal what load_state_dict(strict=False) reports, for five files', () => {
  for (const [name, want] of Object.entries(EXPECTED.checks)) {
    const config = want.preset === null ? TINY : resolveConfig(want.preset).config;
    const check = checkCheckpoint(join(DIR, want.file), config);
    assert.deepEqual(check.missing, want.missing, `${name}: missing`);
    assert.deepEqual(check.unexpected, want.unexpected, `${name}: unexpected`);
    assert.deepEqual(check.mismatched, want.mismatched, `${name}: mismatched`);
    assert.equal(check.loads, want.missing.length + want.unexpected.length + want.mismatched.length === 0, `${name}: loads`);
    assert.ok(v.safeParse(CheckSchema, JSON.parse(formatCheck(check, 'json'))).success, `${name}: check@1 JSON follows its schema`);
  }
});

test('check: the hints name the fix', () => {
  const kinds = (file: string, config = TINY): string[] => checkCheckpoint(join(DIR, file), config).hints.map((h) => h.kind);
  assert.deepEqual(kinds('base.pth'), []);
  const dp = checkCheckpoint(join(DIR, 'dataparallel.pth'), TINY);
  assert.equal(dp.hints[0]!.kind, 'strip-prefix');
  assert.equal(dp.hints[0]!.prefix, 'module.');
  assert.match(dp.hints[0]!.text, /then it loads/);
  const lightning = checkCheckpoint(join(DIR, 'lightning.ckpt'), TINY);
  assert.equal(lightning.stateDict, 'state_dict');
  assert.equal(lightning.hints[0]!.prefix, 'model.');
  const classes = checkCheckpoint(join(DIR, 'classes5.pth'), TINY);
  assert.deepEqual(
    classes.hints.map((h) => [h.kind, h.numClasses]),
    [
      ['num-classes', 5],
      ['strict-false', undefined],
    ],
  );
  assert.deepEqual(classes.hints[1]!.skipped, ['fc.bias', 'fc.weight']);
  const wrong = checkCheckpoint(join(DIR, 'base.pth'), resolveConfig('resnext50_32x4d').config);
  const preset = wrong.hints.find((h) => h.kind === 'preset');
  assert.ok(preset, JSON.stringify(wrong.hints));
  assert.match(preset.model!, /layers=1,1,1,1 groups=4 width_per_group=16 base_width=8 num_classes=10/);
  assert.deepEqual(kinds('base.pth', { ...TINY, numClasses: 10 }), []);
});

test('check and diff: clear refusals for a file that is not a checkpoint, an unreadable one, and one without a state dict', () => {
  const dir = mkdtempSync(join(tmpdir(), 'resnext-check-'));
  try {
    assert.throws(
      () => checkCheckpoint(join(FIXTURES, 'chelsea.png'), TINY),
      (e: unknown) => e instanceof WeightsError && /is not a checkpoint/.test(e.message),
    );
    assert.throws(() => diffCheckpoints(join(dir, 'nope.pth'), join(DIR, 'base.pth')), /cannot read the weights file .*nope\.pth/);
    assert.throws(() => diffCheckpoints(dir, join(DIR, 'base.pth')), /cannot read the weights file/);
    assert.throws(() => checkCheckpoint(join(DIR, 'no_weights.pth'), TINY), /holds no weights: no state dict/);
    assert.throws(() => diffCheckpoints(join(DIR, 'base.pth'), join(DIR, 'no_weights.pth')), /no_weights\.pth holds no weights/);
    const empty = join(dir, 'empty.pth');
    writeFileSync(empty, new Uint8Array(0));
    assert.throws(() => checkCheckpoint(empty, TINY), /is empty/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CLI: resnext diff and resnext check (exit codes, JSON, table)', () => {
  const diff = runCli('diff', join(DIR, 'base.pth'), join(DIR, 'finetune_eval.pth'), '--format', 'json');
  assert.equal(diff.code, 0, diff.stderr);
  assert.ok(v.safeParse(DiffSchema, JSON.parse(diff.stdout)).success);
  const table = runCli('diff', join(DIR, 'base.pth'), join(DIR, 'finetune_eval.pth'));
  assert.match(table.stdout, /^conv1 +same +0 *$/m);
  assert.match(table.stdout, /^layer4\.0\.conv2 +changed +\S+ +█+$/m);
  const check = runCli(
    'check',
    join(DIR, 'dataparallel.pth'),
    '--layers',
    '1,1,1,1',
    '--groups',
    '4',
    '--width-per-group',
    '16',
    '--base-width',
    '8',
    '--num-classes',
    '10',
  );
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stdout, /strict=True\) would fail/);
  assert.match(check.stdout, /starts with 'module\.'/);
  const noArch = runCli('check', join(DIR, 'base.pth'));
  assert.equal(noArch.code, 2);
  assert.match(noArch.stderr, /needs an architecture/);
  const notCkpt = runCli('diff', join(FIXTURES, 'chelsea.png'), join(DIR, 'base.pth'));
  assert.equal(notCkpt.code, 2);
  assert.match(notCkpt.stderr, /is not a checkpoint/);
});
