/**
 * Every checkpoint shape training code really writes (test/fixtures/checkpoints, made by real PyTorch with
 * make_checkpoints.py): each classifies chelsea.png with the logits torch gives; hostile pickles never run anything;
 * `inspect` follows its schema; `convert` round-trips.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyFiles, loadClassifier } from '../../src/model/classify';
import { WeightsError } from '../../src/model/errors';
import { readWeights, readWeightsFile } from '../../src/model/weights/load';
import { inspectWeights, formatInspection, RECORDED_NOT_RUN, type InspectNode } from '../../src/model/weights/inspect';
import { convertToSafetensors } from '../../src/model/weights/convert';
import { floatToBfloat16Bits, floatToHalfBits, decodeFloats } from '../../src/model/weights/dtypes';
import { readSafetensorsHeader } from '../../src/model/weights/safetensors';
import { openZip } from '../../src/model/weights/zip';
import { recordClassName, unpickle, type PyObject, type PyTuple } from '../../src/model/weights/pickle';
import { FIXTURES, maxAbsDiff, ENGINES, engineSkip, type TestEngine } from '../helpers';
import { writeZip } from '../writePth';
import { chooseStateDict, rankCandidates, type Candidate } from '../../src/model/weights/find';

const DIR = join(FIXTURES, 'checkpoints');
const IMAGE = join(FIXTURES, 'chelsea.png');
interface Expected {
  chosen: string;
  strippedPrefix: string | null;
  logits: number[];
  className?: string;
  ema?: { chosen: string; logits: number[] };
}
const EXPECTED = JSON.parse(readFileSync(join(DIR, 'logits.json'), 'utf8')) as Record<string, Expected>;
const V1 = { resizePx: 256, cropPx: 224, topK: 5 };

async function logitsOf(file: string, stateDictKey: string | undefined, engine: TestEngine): Promise<number[]> {
  const classifier = await loadClassifier(join(DIR, file), { stateDictKey, engine });
  try {
    return [...(await classifyFiles(classifier, [IMAGE], V1)).results[0]!.logits];
  } finally {
    classifier.dispose();
  }
}

for (const engine of ENGINES)
  test(
    `every checkpoint shape classifies chelsea.png on ${engine} with the logits torch gives (≤ 1e-4), from the state dict torch used`,
    { skip: engineSkip(engine) },
    async () => {
      const files = Object.keys(EXPECTED);
      assert.deepEqual(files.sort(), [
        'channels_last.pth',
        'examples_checkpoint.pth.tar',
        'half.pth',
        'hostile/checkpoint.pth',
        'legacy.pth',
        'lightning.ckpt',
        'pytorch_model.bin',
        'timm_train.pth.tar',
        'torchscript.pt',
        'whole_model.pt',
      ]);
      for (const file of files) {
        const expected = EXPECTED[file]!;
        const weights = readWeightsFile(join(DIR, file));
        assert.equal(weights.choice.chosen.key, expected.chosen, file);
        assert.equal(weights.strippedPrefix ?? null, expected.strippedPrefix, file);
        if (expected.className) assert.equal(weights.choice.chosen.className, expected.className, file);
        const diff = maxAbsDiff(await logitsOf(file, undefined, engine), expected.logits);
        assert.ok(diff <= 1e-4, `${file}: max abs diff ${diff}`);
      }
      assert.equal(readWeightsFile(join(DIR, 'torchscript.pt')).format, 'torchscript');
      assert.equal(readWeightsFile(join(DIR, 'legacy.pth')).format, 'legacy');
    },
  );

for (const engine of ENGINES)
  test(
    `timm: state_dict is taken before state_dict_ema; --state-dict state_dict_ema gives the EMA weights (${engine})`,
    { skip: engineSkip(engine) },
    async () => {
      const ema = EXPECTED['timm_train.pth.tar']!.ema!;
      const weights = readWeightsFile(join(DIR, 'timm_train.pth.tar'));
      assert.deepEqual(
        weights.choice.candidates.map((c) => c.key),
        ['state_dict', 'state_dict_ema'],
      );
      const diff = maxAbsDiff(await logitsOf('timm_train.pth.tar', ema.chosen, engine), ema.logits);
      assert.ok(diff <= 1e-4, `EMA: max abs diff ${diff}`);
      assert.ok(maxAbsDiff(ema.logits, EXPECTED['timm_train.pth.tar']!.logits) > 1e-2, 'the EMA weights differ from the others');
      assert.throws(
        () => readWeightsFile(join(DIR, 'timm_train.pth.tar'), { stateDictKey: 'ema' }),
        (e: unknown) =>
          e instanceof WeightsError && /has no state dict at 'ema'; it has 'state_dict' \(state dict, 122 tensors\), 'state_dict_ema'/.test(e.message),
      );
    },
  );

// ---- hostile files -----------------------------------------------------------------------------------------------

const MARKERS = JSON.parse(readFileSync(join(DIR, 'hostile', 'markers.json'), 'utf8')) as Record<string, string>;

test('hostile pickles (os.system / eval / subprocess via GLOBAL, STACK_GLOBAL, INST, OBJ, NEWOBJ, REDUCE, BUILD, persistent ids) run nothing', () => {
  // make_checkpoints.py proved each payload live: Python's pickle.loads creates its marker.
  const names = Object.keys(MARKERS).sort();
  assert.deepEqual(names, [
    'build.pkl',
    'checkpoint.pth',
    'eval.pkl',
    'global_reduce.pkl',
    'inst.pkl',
    'newobj.pkl',
    'obj.pkl',
    'persistent_id.pkl',
    'stack_global.pkl',
    'subprocess.pkl',
  ]);
  mkdirSync(join(MARKERS['eval.pkl']!, '..'), { recursive: true });
  for (const name of names) rmSync(MARKERS[name]!, { force: true });
  const recorded = new Map<string, string[]>();
  for (const name of names) {
    const bytes = new Uint8Array(readFileSync(join(DIR, 'hostile', name)));
    if (name.endsWith('.pth')) {
      readWeights(bytes, name);
      const inspection = inspectWeights(bytes, name);
      recorded.set(
        name,
        inspection.globals.filter((g) => inspection.globalStatus[g] === RECORDED_NOT_RUN),
      );
      formatInspection(inspection, 'table');
      continue;
    }
    // A bare pickle: what the reader makes of it (records, or a refusal of a malformed persistent id), and what
    // the file reader says (it is not a checkpoint).
    try {
      const { globals } = unpickle(bytes, { source: name });
      recorded.set(
        name,
        [...globals].filter(([, allowed]) => !allowed).map(([g]) => g),
      );
    } catch (error) {
      assert.ok(error instanceof WeightsError, `${name}: ${String(error)}`);
      recorded.set(name, [`refused: ${error.message}`]);
    }
    assert.throws(() => readWeights(bytes, name), WeightsError);
  }
  for (const name of names) assert.equal(existsSync(MARKERS[name]!), false, `${name} created its marker`);
  assert.deepEqual(Object.fromEntries(recorded), {
    'build.pkl': ['argparse.Namespace', 'os.system'],
    'checkpoint.pth': ['posix.system'],
    'eval.pkl': ['builtins.eval'],
    'global_reduce.pkl': ['os.system'],
    'inst.pkl': ['os.system'],
    'newobj.pkl': ['argparse.Namespace', 'os.system'],
    'obj.pkl': ['os.system'],
    'persistent_id.pkl': [
      'refused: persistent_id.pkl holds a malformed pickle: a storage has type os.system object; accepted: torch.FloatStorage, torch.HalfStorage, ' +
        'torch.BFloat16Storage, torch.DoubleStorage, torch.LongStorage, torch.IntStorage, torch.ShortStorage, torch.CharStorage, torch.ByteStorage, ' +
        'torch.BoolStorage (opcode at byte 101)',
    ],
    'stack_global.pkl': ['os.system'],
    'subprocess.pkl': ['subprocess.call'],
  });
});

test('records stay inert when they are reduced or built: arguments and state are kept as data', () => {
  const load = (name: string): PyObject => unpickle(new Uint8Array(readFileSync(join(DIR, 'hostile', name)))).value as PyObject;
  const reduced = load('global_reduce.pkl');
  assert.equal(reduced.kind, 'object');
  assert.equal(reduced.opcode, 'REDUCE');
  assert.equal(recordClassName(reduced), 'os.system');
  assert.deepEqual(reduced.args, [`touch ${MARKERS['global_reduce.pkl']}`]);
  assert.equal(load('inst.pkl').opcode, 'INST');
  assert.equal(load('obj.pkl').opcode, 'OBJ');
  const built = load('build.pkl');
  assert.equal(recordClassName(built), 'argparse.Namespace');
  assert.equal(built.opcode, 'NEWOBJ');
  const state = built.state as PyObject;
  assert.equal(recordClassName(state), 'os.system');
  assert.deepEqual(state.args, [`touch ${MARKERS['build.pkl']}`]);
  const newobj = load('newobj.pkl');
  assert.equal(recordClassName((newobj.args as PyTuple['items'])[0] as PyObject), 'os.system');
  const subprocess = load('subprocess.pkl');
  assert.deepEqual((subprocess.args[0] as { items: unknown[] }).items, ['touch', MARKERS['subprocess.pkl']]);
});

// ---- inspect -----------------------------------------------------------------------------------------------------

function* walk(node: InspectNode, path = ''): Generator<[string, InspectNode]> {
  yield [path, node];
  for (const child of node.children ?? []) yield* walk(child, path === '' ? child.name : `${path}/${child.name}`);
}

test('inspect JSON follows resnext-inspector/inspect@1 and names __main__.TinyResNeXt for a whole-model pickle', () => {
  const bytes = new Uint8Array(readFileSync(join(DIR, 'whole_model.pt')));
  const inspection = JSON.parse(formatInspection(inspectWeights(bytes, 'whole_model.pt'), 'json')) as Record<string, unknown>;
  assert.deepEqual(Object.keys(inspection).sort(), [
    'architecture',
    'candidates',
    'chosen',
    'file',
    'format',
    'globalStatus',
    'globals',
    'ignoredKeys',
    'schema',
    'sizeBytes',
    'strippedPrefix',
    'tensors',
    'tree',
  ]);
  assert.equal(inspection.schema, 'resnext-inspector/inspect@1');
  assert.equal(inspection.format, 'zip');
  const globals = inspection.globals as string[];
  assert.ok(
    globals.every((g) => typeof g === 'string' && /^[\w.]+\.\w+$/.test(g)),
    'globals are "module.name" strings',
  );
  assert.ok(globals.includes('__main__.TinyResNeXt'));
  assert.ok(globals.includes('torchvision.models.resnet.Bottleneck'));
  const status = inspection.globalStatus as Record<string, string>;
  assert.equal(status['__main__.TinyResNeXt'], 'recorded, not run');
  assert.equal(status['torch._utils._rebuild_parameter'], 'allowed');
  assert.deepEqual(Object.keys(status), globals);
  assert.deepEqual(inspection.candidates, [{ key: '', kind: 'module', tensors: 122, className: '__main__.TinyResNeXt', torchvisionPrefix: '' }]);
  assert.equal(inspection.chosen, '');
  assert.equal(inspection.strippedPrefix, null);
  assert.deepEqual(inspection.architecture, {
    model: 'resnext50_32x4d(layers=2,1,1,1 groups=4 width_per_group=16 base_width=8 num_classes=10)',
    config: { layers: [2, 1, 1, 1], groups: 4, widthPerGroup: 16, baseWidth: 8, numClasses: 10 },
  });
  // 97,510 float32 values (parameters and BatchNorm statistics) and 18 int64 num_batches_tracked.
  assert.deepEqual(inspection.tensors, { count: 122, bytes: 97_510 * 4 + 18 * 8 });
  const tree = new Map(walk(inspection.tree as InspectNode));
  assert.equal(tree.get('')!.type, 'object');
  assert.equal(tree.get('')!.value, '__main__.TinyResNeXt');
  assert.deepEqual(tree.get('_modules/conv1/_parameters/weight'), {
    name: 'weight',
    type: 'tensor',
    shape: [8, 3, 7, 7],
    dtype: 'torch.float32',
    bytes: 8 * 3 * 7 * 7 * 4,
  });
  assert.equal(tree.get('_modules/layer1/_modules/0')!.value, 'torchvision.models.resnet.Bottleneck');
});

test('inspect: the timm dict (Namespace args, two candidates), TorchScript, half, safetensors; no tensor data is read', () => {
  const inspect = (file: string, key?: string): ReturnType<typeof inspectWeights> =>
    inspectWeights(new Uint8Array(readFileSync(join(DIR, file))), file, key === undefined ? {} : { stateDictKey: key });
  const timm = inspect('timm_train.pth.tar');
  assert.equal(timm.globalStatus['argparse.Namespace'], 'recorded, not run');
  assert.deepEqual(
    timm.candidates.map((c) => c.key),
    ['state_dict', 'state_dict_ema'],
  );
  assert.equal(timm.chosen, 'state_dict');
  assert.equal(inspect('timm_train.pth.tar', 'state_dict_ema').chosen, 'state_dict_ema');
  const args = new Map(walk(timm.tree)).get('args')!;
  assert.equal(args.value, 'argparse.Namespace');
  assert.deepEqual(
    args.children!.find((c) => c.name === 'model'),
    { name: 'model', type: 'str', value: 'resnext_tiny' },
  );
  const script = inspect('torchscript.pt');
  assert.equal(script.format, 'torchscript');
  assert.equal(script.candidates[0]!.kind, 'TorchScript module');
  assert.ok(script.globals.includes('__torch__.TinyResNeXt'));
  assert.equal(script.architecture!.config.groups, 4);
  const half = new Map(walk(inspect('half.pth').tree)).get('conv1.weight')!;
  assert.deepEqual([half.dtype, half.bytes], ['torch.float16', 8 * 3 * 7 * 7 * 2]);
  const st = inspectWeights(new Uint8Array(readFileSync(join(FIXTURES, 'tiny_bf16.safetensors'))), 'tiny_bf16.safetensors');
  assert.equal(st.format, 'safetensors');
  assert.deepEqual(st.globals, []);
  assert.equal(st.architecture!.config.numClasses, 10);
  // Tensor data is never read: filling every storage entry with 0xff changes nothing in the inspection.
  const bytes = new Uint8Array(readFileSync(join(DIR, 'lightning.ckpt')));
  const before = JSON.stringify(inspectWeights(bytes, 'x'));
  const scrambled = bytes.slice();
  const view = new DataView(scrambled.buffer);
  let storages = 0;
  for (const entry of openZip(bytes).entries.values()) {
    if (!entry.name.includes('/data/')) continue;
    const at = entry.localHeaderOffsetBytes;
    const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
    scrambled.fill(0xff, start, start + entry.compressedSizeBytes);
    storages++;
  }
  assert.equal(storages, 123);
  assert.equal(JSON.stringify(inspectWeights(scrambled, 'x')), before);
});

// ---- convert -----------------------------------------------------------------------------------------------------

test('convert round-trips: float32 bit-exact with the same logits; float16/bfloat16 are the rounded values, logits within their rounding', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'resnext-convert-'));
  try {
    const source = readWeightsFile(join(DIR, 'lightning.ckpt'));
    const expected = EXPECTED['lightning.ckpt']!.logits;
    const tolerance = { float32: 0, float16: 2e-3, bfloat16: 2e-2 } as const;
    for (const dtype of ['float32', 'float16', 'bfloat16'] as const) {
      const out = join(dir, `tiny_${dtype}.safetensors`);
      const result = convertToSafetensors(join(DIR, 'lightning.ckpt'), out, { dtype });
      assert.equal(result.tensors, 122);
      const bytes = new Uint8Array(readFileSync(out));
      const { metadata, entries } = readSafetensorsHeader(bytes, out);
      assert.deepEqual(metadata, {
        format: 'pt',
        source: 'lightning.ckpt',
        source_format: 'zip',
        architecture: result.model,
        state_dict: 'state_dict',
        stripped_prefix: 'model.',
        dtype,
        written_by: 'resnext-inspector',
      });
      assert.ok(
        entries.every((e) => e.begin % (e.dtype === 'I64' ? 8 : e.dtype === 'F32' ? 4 : 2) === 0),
        'every tensor aligned to its element size',
      );
      const converted = readWeights(bytes, out).stateDict;
      assert.deepEqual([...converted.keys()].sort(), [...source.stateDict.keys()].filter((k) => !k.endsWith('num_batches_tracked')).sort());
      for (const [name, tensor] of converted) {
        const original = source.stateDict.get(name)!.data;
        const round = dtype === 'float32' ? (v: number): number => v : (v: number): number => roundTo(v, dtype);
        for (let i = 0; i < original.length; i++) assert.equal(tensor.data[i], round(original[i]!), `${dtype} ${name}[${i}]`);
      }
      const classifier = await loadClassifier(out);
      const logits = (await classifyFiles(classifier, [IMAGE], V1)).results[0]!.logits;
      classifier.dispose();
      const diff = maxAbsDiff(logits, expected);
      assert.ok(diff <= tolerance[dtype] + 1e-4, `${dtype}: max abs diff ${diff}`);
    }
    assert.deepEqual(readdirSync(dir).sort(), ['tiny_bfloat16.safetensors', 'tiny_float16.safetensors', 'tiny_float32.safetensors'], 'no temporary files');
    // A refusal leaves nothing behind.
    assert.throws(() => convertToSafetensors(join(DIR, 'hostile', 'eval.pkl'), join(dir, 'bad.safetensors')), WeightsError);
    assert.equal(existsSync(join(dir, 'bad.safetensors')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function roundTo(value: number, dtype: 'float16' | 'bfloat16'): number {
  const bits = dtype === 'float16' ? floatToHalfBits(value) : floatToBfloat16Bits(value);
  return decodeFloats(new Uint8Array(new Uint16Array([bits]).buffer), dtype)[0]!;
}

test('float16 and bfloat16 rounding matches torch: nearest even, subnormals, overflow', () => {
  const half = (v: number): number => floatToHalfBits(v);
  assert.equal(half(1), 0x3c00);
  assert.equal(half(65504), 0x7bff);
  assert.equal(half(65520), 0x7c00, 'rounds up to Infinity as torch does');
  assert.equal(half(-2), 0xc000);
  assert.equal(half(2 ** -24), 0x0001, 'smallest subnormal');
  assert.equal(half(2 ** -26), 0x0000, 'below half the smallest subnormal → 0');
  assert.equal(half(1 + 2 ** -11), 0x3c00, 'a tie rounds to even (down)');
  assert.equal(half(1 + 3 * 2 ** -11), 0x3c02, 'a tie rounds to even (up)');
  assert.equal(half(NaN) & 0x7e00, 0x7e00);
  assert.equal(floatToBfloat16Bits(1), 0x3f80);
  assert.equal(floatToBfloat16Bits(1 + 2 ** -8), 0x3f80, 'tie to even');
  assert.equal(floatToBfloat16Bits(1 + 3 * 2 ** -8), 0x3f82);
  assert.equal(floatToBfloat16Bits(NaN) & 0x7fc0, 0x7fc0);
  // The torch-made tiny_fp16/bf16 safetensors are torch's rounding of tiny_fp32: ours gives the same bits.
  const fp32 = readWeights(new Uint8Array(readFileSync(join(FIXTURES, 'tiny_fp32.safetensors')))).stateDict;
  for (const [file, dtype] of [
    ['tiny_fp16.safetensors', 'float16'],
    ['tiny_bf16.safetensors', 'bfloat16'],
  ] as const) {
    const theirs = readWeights(new Uint8Array(readFileSync(join(FIXTURES, file)))).stateDict;
    for (const [name, tensor] of theirs) {
      const original = fp32.get(name)!.data;
      for (let i = 0; i < original.length; i++) assert.equal(roundTo(original[i]!, dtype), tensor.data[i], `${file} ${name}[${i}]`);
    }
  }
});

test('a pickle of a 500,000-item list is inspected within the node cap and refused as weights, without a crash', () => {
  const count = 500_000;
  const pickle = new Uint8Array(2 + 2 + count + 2);
  pickle.set([0x80, 0x02, 0x5d, 0x28]); // PROTO 2, EMPTY_LIST, MARK
  pickle.fill(0x4e, 4, 4 + count); // NONE × count
  pickle.set([0x65, 0x2e], 4 + count); // APPENDS, STOP
  const zip = writeZip([{ name: 'archive/data.pkl', data: pickle }]);
  const inspection = inspectWeights(zip, 'list.pth');
  assert.equal(inspection.chosen, null);
  assert.equal(inspection.tree.value, `${count} items`);
  assert.equal(inspection.tree.children!.length + inspection.tree.omitted!, count);
  assert.ok(inspection.tree.children!.length <= 50_000);
  assert.throws(() => readWeights(zip, 'list.pth'), /list\.pth holds no weights: .*it holds a list of 500000\)/);
});

test('the documented order: the file itself, state_dict, model_state_dict, model, module, net, …, others in file order, EMA copies last', () => {
  const torchvision = new Map(['conv1.weight', 'layer1.0.conv1.weight', 'fc.weight'].map((k) => [k, 0]));
  const candidate = (key: string, tensors = torchvision): Candidate<number> => ({ key, kind: 'state dict', tensors });
  const keysOf = (list: Candidate<number>[]): string[] => rankCandidates(list).map((c) => c.key);
  assert.deepEqual(keysOf(['state_dict_ema', 'extra/weights', 'net', 'model', 'state_dict', 'model_ema', 'another'].map((k) => candidate(k))), [
    'state_dict',
    'model',
    'net',
    'extra/weights',
    'another',
    'state_dict_ema',
    'model_ema',
  ]);
  // The first whose names are torchvision's wins, even after others in the order.
  const other = new Map([['backbone.stem.weight', 0]]);
  assert.equal(chooseStateDict([candidate('state_dict', other), candidate('state_dict_ema')], 'f').chosen.key, 'state_dict_ema');
  // Nothing torchvision-shaped: the first in the order (the architecture check then says what is missing).
  assert.equal(chooseStateDict([candidate('b', other), candidate('model', other)], 'f').chosen.key, 'model');
});
