/**
 * PyTorch checkpoint readers against files made by real PyTorch (test/fixtures, see the reference README), plus
 * crafted files: hostile pickles that must parse to inert records without running anything, and a table of broken
 * inputs that must each end in a WeightsError that says what was wrong.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WeightsError } from '../../src/model/errors';
import { readPth } from '../../src/model/weights/pth';
import { chooseStateDict } from '../../src/model/weights/find';
import { recordClassName, unpickle, type PyObject } from '../../src/model/weights/pickle';
import { openZip } from '../../src/model/weights/zip';
import { readWeights, readWeightsFile } from '../../src/model/weights/load';
import { readSafetensors } from '../../src/model/weights/safetensors';
import type { TensorData } from '../../src/model/weights/stateDict';
import { PickleWriter, pickleStateDict, writeLegacyCheckpoint, writeZip, writeZipCheckpoint, zipCheckpointEntries, type ZipFileEntry } from '../writePth';

const fixtures = join(__dirname, '..', 'fixtures');
// A plain Uint8Array copy: Buffer's slice() returns a view, which would let a test's edits leak into the fixture.
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(fixtures, name)));
const reference = JSON.parse(readFileSync(join(fixtures, 'tiny_reference.json'), 'utf8')) as {
  state_dict: Record<string, [number[], string]>;
};
const fp32 = readSafetensors(fixture('tiny_fp32.safetensors'), 'tiny_fp32.safetensors');

const bitsOf = (data: Float32Array): Uint8Array => new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

/** Keys in order, shapes and dtypes as PyTorch listed them; float values bit-identical to the fp32 safetensors. */
function assertTinyStateDict(stateDict: ReadonlyMap<string, TensorData>): void {
  assert.deepEqual([...stateDict.keys()], Object.keys(reference.state_dict));
  for (const [key, [shape, dtype]] of Object.entries(reference.state_dict)) {
    const tensor = stateDict.get(key)!;
    assert.deepEqual(tensor.shape, shape, key);
    assert.equal(tensor.sourceDtype, dtype, key);
    assert.equal(
      tensor.data.length,
      shape.reduce((a, b) => a * b, 1),
      key,
    );
    const expected = fp32.get(key);
    if (dtype === 'torch.int64') {
      assert.equal(expected, undefined, 'readSafetensors skips integer tensors');
      assert.ok(Number.isInteger(tensor.data[0]) && tensor.data[0]! >= 0, `${key} is a count`);
    } else {
      assert.ok(expected, `${key} is in tiny_fp32.safetensors`);
      assert.deepEqual(bitsOf(tensor.data), bitsOf(expected.data), `${key} values`);
    }
  }
}

function assertWeightsError(run: () => unknown, message: RegExp): WeightsError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof WeightsError, `expected a WeightsError, got ${caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught)}`);
  assert.match(caught.message, message);
  return caught;
}

test('tiny.pth (zip format) gives the reference keys, shapes and fp32 values', () => {
  const result = readPth(fixture('tiny.pth'), 'tiny.pth');
  assert.equal(result.format, 'zip');
  assert.equal(result.wrapperKey, undefined);
  assert.equal(result.strippedPrefix, undefined);
  assertTinyStateDict(result.stateDict);
});

test('tiny_legacy.pth (legacy format) gives the same state dict', () => {
  const result = readPth(fixture('tiny_legacy.pth'), 'tiny_legacy.pth');
  assert.equal(result.format, 'legacy');
  assertTinyStateDict(result.stateDict);
});

test('tiny_wrapped.pth finds the state dict under "state_dict" and ignores epoch and arch', () => {
  const result = readPth(fixture('tiny_wrapped.pth'), 'tiny_wrapped.pth');
  assert.equal(result.format, 'zip');
  assert.equal(result.wrapperKey, 'state_dict');
  assertTinyStateDict(result.stateDict);
});

test('readWeights sniffs every fixture format by content', () => {
  for (const [file, format] of [
    ['tiny.pth', 'zip'],
    ['tiny_legacy.pth', 'legacy'],
    ['tiny_wrapped.pth', 'zip'],
    ['tiny_fp32.safetensors', 'safetensors'],
    ['tiny_fp16.safetensors', 'safetensors'],
    ['tiny_bf16.safetensors', 'safetensors'],
  ] as const) {
    const result = readWeights(fixture(file), file);
    assert.equal(result.format, format, file);
    assert.ok(result.stateDict.has('fc.weight'), file);
  }
  assertTinyStateDict(readWeightsFile(join(fixtures, 'tiny.pth')).stateDict);
});

test('a DataParallel checkpoint has its module. prefix stripped', () => {
  const tiny = readPth(fixture('tiny.pth')).stateDict;
  const prefixed = new Map([...tiny].map(([key, tensor]) => [`module.${key}`, tensor]));
  const zip = readPth(writeZipCheckpoint(prefixed), 'dp.pth');
  assert.equal(zip.strippedPrefix, 'module.');
  assertTinyStateDict(zip.stateDict);
  const legacy = readPth(writeLegacyCheckpoint(prefixed), 'dp_legacy.pth');
  assert.equal(legacy.strippedPrefix, 'module.');
  assertTinyStateDict(legacy.stateDict);

  // Without torchvision's names, `module.` is stripped only when every key has it.
  const strip = (keys: string[]): { keys: string[]; prefix?: string } => {
    const choice = chooseStateDict([{ key: '', kind: 'state dict', tensors: new Map(keys.map((k) => [k, 1])) }], 's');
    return { keys: [...choice.tensors.keys()], ...(choice.strippedPrefix !== undefined && { prefix: choice.strippedPrefix }) };
  };
  assert.deepEqual(strip(['module.a', 'module.b']), { keys: ['a', 'b'], prefix: 'module.' });
  assert.deepEqual(strip(['module.a', 'b']), { keys: ['module.a', 'b'] });
  assert.deepEqual(strip(['module.']), { keys: ['module.'] }, 'a bare "module." would leave an empty key');
  // With torchvision's names behind any single prefix, that prefix is stripped and other keys are left out.
  const lightning = strip(['model.conv1.weight', 'model.layer1.0.conv1.weight', 'model.fc.weight', 'criterion.weight']);
  assert.deepEqual(lightning, { keys: ['conv1.weight', 'layer1.0.conv1.weight', 'fc.weight'], prefix: 'model.' });
  assert.deepEqual(strip(['conv1.weight', 'layer1.0.conv1.weight', 'fc.weight', 'x.conv1.weight']).prefix, undefined);
});

test('the writers round-trip: zip, legacy, ZIP64 extra fields, deflated entries', () => {
  const tiny = readPth(fixture('tiny.pth')).stateDict;
  assertTinyStateDict(readPth(writeZipCheckpoint(tiny)).stateDict);
  assertTinyStateDict(readPth(writeLegacyCheckpoint(tiny)).stateDict);
  assertTinyStateDict(readPth(writeZip(zipCheckpointEntries(tiny), { zip64Entries: true })).stateDict);
  assertTinyStateDict(readPth(writeZip(zipCheckpointEntries(tiny), { deflate: true })).stateDict);
  // Stored entries come back as views of the input, 64-byte aligned like torch's.
  const bytes = writeZipCheckpoint(tiny);
  const archive = openZip(bytes);
  const entry = archive.read(archive.entries.get('archive/data/0')!);
  assert.equal(entry.buffer, bytes.buffer);
  assert.equal(entry.byteOffset % 64, 0);
});

// ---- storages: offsets, strides, sharing, dtypes ----------------------------------------------------------------

interface CraftedTensor {
  name: string;
  storageType: string;
  key: string;
  numel: number;
  offset: number;
  size: number[];
  stride: number[];
}

/** data.pkl for tensors described one by one (no memo, like pickleStateDict but with any storage layout). */
function craftPickle(tensors: readonly CraftedTensor[]): Uint8Array {
  const w = new PickleWriter().proto(2).global('collections', 'OrderedDict').emptyTuple().reduce().mark();
  for (const t of tensors) {
    w.string(t.name).global('torch._utils', '_rebuild_tensor_v2').mark();
    w.mark().string('storage').global('torch', t.storageType).string(t.key).string('cpu').int(t.numel).tuple().binpersid();
    w.int(t.offset).mark();
    t.size.forEach((n) => w.int(n));
    w.tuple().mark();
    t.stride.forEach((s) => w.int(s));
    w.tuple().bool(false).global('collections', 'OrderedDict').emptyTuple().reduce().tuple().reduce();
  }
  return w.setitems().stop().bytes();
}

function craftZip(pickle: Uint8Array, storages: Record<string, Uint8Array>, extra: ZipFileEntry[] = []): Uint8Array {
  return writeZip([
    { name: 'archive/data.pkl', data: pickle },
    { name: 'archive/byteorder', data: new TextEncoder().encode('little') },
    ...Object.entries(storages).map(([key, data]) => ({ name: `archive/data/${key}`, data })),
    ...extra,
  ]);
}

const float32Bytes = (values: number[]): Uint8Array => new Uint8Array(Float32Array.from(values).buffer);

test('tensors honour storage offsets and strides, and may share a storage', () => {
  const storage = float32Bytes(Array.from({ length: 12 }, (_, i) => i));
  const pickle = craftPickle([
    // A transposed 2x3 view starting at element 2: t[i][j] = s[2 + i + 2j].
    { name: 'transposed', storageType: 'FloatStorage', key: '0', numel: 12, offset: 2, size: [2, 3], stride: [1, 2] },
    { name: 'every_third', storageType: 'FloatStorage', key: '0', numel: 12, offset: 0, size: [4], stride: [3] },
    { name: 'tail', storageType: 'FloatStorage', key: '0', numel: 12, offset: 8, size: [2, 2], stride: [2, 1] },
    { name: 'broadcast_row', storageType: 'FloatStorage', key: '0', numel: 12, offset: 5, size: [1, 3], stride: [99, 1] },
    { name: 'empty', storageType: 'FloatStorage', key: '0', numel: 12, offset: 12, size: [0, 4], stride: [4, 1] },
    { name: 'scalar', storageType: 'FloatStorage', key: '0', numel: 12, offset: 11, size: [], stride: [] },
  ]);
  const { stateDict } = readPth(craftZip(pickle, { 0: storage }));
  const values = (name: string): number[] => [...stateDict.get(name)!.data];
  assert.deepEqual(values('transposed'), [2, 4, 6, 3, 5, 7]);
  assert.deepEqual(values('every_third'), [0, 3, 6, 9]);
  assert.deepEqual(values('tail'), [8, 9, 10, 11]);
  assert.deepEqual(values('broadcast_row'), [5, 6, 7]);
  assert.deepEqual(values('empty'), []);
  assert.deepEqual(stateDict.get('empty')!.shape, [0, 4]);
  assert.deepEqual(values('scalar'), [11]);
  assert.deepEqual(stateDict.get('scalar')!.shape, []);
});

test('half, bfloat16, double, int64 and int32 storages become float32', () => {
  const half = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x3800]).buffer); // 1, -2, 0.5
  const bf16 = new Uint8Array(new Uint16Array([0x3f80, 0x4040]).buffer); // 1, 3
  const double = new Uint8Array(Float64Array.from([0.1, -1e10]).buffer);
  const long = new Uint8Array(BigInt64Array.from([12345n, -7n, 2n ** 40n]).buffer);
  const int = new Uint8Array(Int32Array.from([-5, 6]).buffer);
  const pickle = craftPickle([
    { name: 'h', storageType: 'HalfStorage', key: 'h', numel: 3, offset: 0, size: [3], stride: [1] },
    { name: 'b', storageType: 'BFloat16Storage', key: 'b', numel: 2, offset: 0, size: [2], stride: [1] },
    { name: 'd', storageType: 'DoubleStorage', key: 'd', numel: 2, offset: 0, size: [2], stride: [1] },
    { name: 'l', storageType: 'LongStorage', key: 'l', numel: 3, offset: 1, size: [2], stride: [1] },
    { name: 'i', storageType: 'IntStorage', key: 'i', numel: 2, offset: 0, size: [2], stride: [1] },
  ]);
  const { stateDict } = readPth(craftZip(pickle, { h: half, b: bf16, d: double, l: long, i: int }));
  assert.deepEqual([...stateDict.get('h')!.data], [1, -2, 0.5]);
  assert.deepEqual([...stateDict.get('b')!.data], [1, 3]);
  assert.deepEqual([...stateDict.get('d')!.data], [Math.fround(0.1), Math.fround(-1e10)]);
  assert.deepEqual([...stateDict.get('l')!.data], [-7, 2 ** 40]);
  assert.deepEqual([...stateDict.get('i')!.data], [-5, 6]);
  assert.deepEqual(
    [...stateDict.values()].map((t) => t.sourceDtype),
    ['torch.float16', 'torch.bfloat16', 'torch.float64', 'torch.int64', 'torch.int32'],
  );
});

test('protocol-4 opcodes (FRAME, SHORT_BINUNICODE, STACK_GLOBAL, MEMOIZE) and nn.Parameter tensors are read', () => {
  // What pickle protocol 4 writes for OrderedDict(w=Parameter(tensor)) with torch's reducers: memoized strings, globals
  // pushed as two strings then STACK_GLOBAL, a FRAME around it all.
  const short = (text: string): number[] => [0x8c, text.length, ...latin1(text)];
  const MEMOIZE = 0x94;
  const body = [
    ...short('collections'),
    MEMOIZE,
    ...short('OrderedDict'),
    MEMOIZE,
    0x93,
    MEMOIZE, // memo 0, 1, 2 = OrderedDict
    0x29,
    0x52,
    MEMOIZE,
    0x28, // OrderedDict() (memo 3), MARK
    ...short('w'),
    MEMOIZE,
    ...short('torch._utils'),
    MEMOIZE,
    ...short('_rebuild_parameter'),
    MEMOIZE,
    0x93,
    MEMOIZE,
    ...short('torch._utils'),
    ...short('_rebuild_tensor_v2'),
    0x93,
    MEMOIZE,
    0x28,
    0x28,
    ...short('storage'),
    ...short('torch'),
    ...short('FloatStorage'),
    0x93,
    ...short('0'),
    ...short('cpu'),
    0x4b,
    4,
    0x74,
    0x51,
    0x4b,
    0,
    0x4b,
    2,
    0x4b,
    2,
    0x86,
    0x4b,
    2,
    0x4b,
    1,
    0x86,
    0x89,
    0x68,
    2,
    0x29,
    0x52,
    0x74,
    0x52, // _rebuild_tensor_v2(…)
    0x88,
    0x68,
    2,
    0x29,
    0x52,
    0x87,
    0x52, // _rebuild_parameter(tensor, True, OrderedDict())
    0x75,
    0x2e, // SETITEMS, STOP
  ];
  const frameLength = new Uint8Array(new BigUint64Array([BigInt(body.length)]).buffer);
  const pickle = new Uint8Array([0x80, 4, 0x95, ...frameLength, ...body]);
  const { stateDict } = readPth(craftZip(pickle, { 0: float32Bytes([1, 2, 3, 4]) }));
  assert.deepEqual(stateDict.get('w')!.shape, [2, 2]);
  assert.deepEqual([...stateDict.get('w')!.data], [1, 2, 3, 4]);
});

// ---- hostile pickles ---------------------------------------------------------------------------------------------

const latin1 = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

test('a whole pickled nn.Module is read as data: its tensors under state_dict() names, its class recorded', () => {
  const result = readWeights(fixture('tiny_fullmodel_pickle.pth'), 'tiny_fullmodel_pickle.pth');
  assert.equal(result.choice.chosen.kind, 'module');
  assert.equal(result.choice.chosen.className, '__main__.ScaledResNet');
  assertTinyStateDict(result.stateDict);
});

test('globals outside the allow-list become inert records, through GLOBAL, STACK_GLOBAL and INST', () => {
  const cases: [string, Uint8Array, string][] = [
    ['GLOBAL os system, REDUCE', latin1('\x80\x02cos\nsystem\n)R.'), 'os.system'],
    ['GLOBAL builtins eval', latin1('\x80\x02cbuiltins\neval\n)R.'), 'builtins.eval'],
    ['GLOBAL posix system', latin1('\x80\x02cposix\nsystem\n.'), 'posix.system'],
    ['STACK_GLOBAL os system', latin1('\x80\x04\x8c\x02os\x8c\x06system\x93)R.'), 'os.system'],
    ['INST os system', latin1('\x80\x02(X\x04\x00\x00\x00trueios\nsystem\n.'), 'os.system'],
    ['a torch.nn class, NEWOBJ', latin1('\x80\x02ctorch.nn.modules.conv\nConv2d\n)\x81.'), 'torch.nn.modules.conv.Conv2d'],
    ['argparse.Namespace', latin1('\x80\x02cargparse\nNamespace\n)\x81.'), 'argparse.Namespace'],
  ];
  for (const [what, bytes, name] of cases) {
    const { globals } = unpickle(bytes, { source: 'evil.pkl' });
    assert.deepEqual([...globals], [[name, false]], what);
  }
  // REDUCE on a record gives a record holding the call's arguments; BUILD stores its state there.
  const { value } = unpickle(latin1('\x80\x02cos\nsystem\nX\x02\x00\x00\x00ls\x85R}X\x01\x00\x00\x00aK\x01sb.'));
  assert.equal((value as PyObject).kind, 'object');
  assert.deepEqual((value as PyObject).args, ['ls']);
  assert.equal(recordClassName(value as PyObject), 'os.system');
  assert.deepEqual([...((value as PyObject).state as { entries: Map<unknown, unknown> }).entries], [['a', 1]]);
  // Allow-listed storage types called (rather than named in a persistent id) are records too; rebuild functions
  // called other than by REDUCE make no tensor.
  assert.equal((unpickle(latin1('\x80\x02ctorch\nFloatStorage\n)R.')).value as PyObject).kind, 'object');
  assert.equal((unpickle(latin1('\x80\x02ctorch._utils\n_rebuild_tensor_v2\n)\x81.')).value as PyObject).kind, 'object');
});

test('a payload that would create a file if executed creates nothing, in every container', () => {
  const marker = join(tmpdir(), `resnext-inspector-pwned-${process.pid}`);
  rmSync(marker, { force: true });
  const command = `touch ${marker}`;
  // os.system('touch …'): GLOBAL, the argument as a 1-tuple, REDUCE — what a malicious __reduce__ produces.
  const payload = new PickleWriter().proto(2).global('os', 'system').string(command).raw(0x85).reduce().stop().bytes();
  const stackGlobalPayload = new PickleWriter()
    .proto(4)
    .raw(0x8c, 2, ...latin1('os'), 0x8c, 6, ...latin1('system'), 0x93)
    .string(command)
    .raw(0x85)
    .reduce()
    .stop()
    .bytes();
  const tiny = readPth(fixture('tiny.pth')).stateDict;
  const zipped = writeZip(zipCheckpointEntries(tiny).map((e) => (e.name.endsWith('data.pkl') ? { ...e, data: payload } : e)));
  const magic = new PickleWriter().proto(2).long(0x1950a86a20f9469cfc6cn).stop().bytes();
  const version = new PickleWriter().proto(2).int(1001).stop().bytes();
  const legacyInSysInfo = new Uint8Array([...magic, ...version, ...payload]);
  const legacyAsObject = new Uint8Array([...magic, ...version, ...latin1('\x80\x02}.'), ...stackGlobalPayload]);
  for (const [what, run, message] of [
    ['raw pickle', () => unpickle(payload), undefined],
    ['raw pickle, STACK_GLOBAL', () => unpickle(stackGlobalPayload), undefined],
    ['zip data.pkl', () => readWeights(zipped), /holds no weights: .*it holds a os\.system object/],
    ['legacy sys_info', () => readWeights(legacyInSysInfo), /malformed pickle|holds no weights/],
    ['legacy object (no storage list follows)', () => readWeights(legacyAsObject), /malformed pickle: the pickle ends without a STOP/],
  ] as const) {
    if (message === undefined) run();
    else assertWeightsError(run, message);
    assert.equal(existsSync(marker), false, what);
  }
});

// ---- broken inputs -----------------------------------------------------------------------------------------------

/** xorshift32: a reproducible source of "random" bytes. */
function randomBytes(length: number, seed: number): Uint8Array {
  let state = seed >>> 0 || 1;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = state & 0xff;
  }
  return out;
}

test('broken inputs each give a WeightsError saying what is wrong', () => {
  const tinyBytes = fixture('tiny.pth');
  const legacyBytes = fixture('tiny_legacy.pth');
  const tiny = readPth(tinyBytes).stateDict;
  const entries = zipCheckpointEntries(tiny);
  const withEntries = (edit: (list: ZipFileEntry[]) => ZipFileEntry[]): Uint8Array => writeZip(edit([...entries]));
  const replacePickle = (data: Uint8Array): Uint8Array => withEntries((list) => list.map((e) => (e.name.endsWith('data.pkl') ? { ...e, data } : e)));
  const oneTensor = (t: Partial<CraftedTensor>, storage: Uint8Array): Uint8Array =>
    craftZip(craftPickle([{ name: 'w', storageType: 'FloatStorage', key: '0', numel: 4, offset: 0, size: [4], stride: [1], ...t }]), { 0: storage });
  const eocd = (bytes: Uint8Array): number => bytes.length - 22;
  const patched = (bytes: Uint8Array, at: number, values: number[]): Uint8Array => {
    const copy = bytes.slice();
    copy.set(values, at);
    return copy;
  };
  const legacyOf = (...pickles: Uint8Array[]): Uint8Array => new Uint8Array(pickles.flatMap((p) => [...p]));
  const magic = new PickleWriter().proto(2).long(0x1950a86a20f9469cfc6cn).stop().bytes();
  const version = new PickleWriter().proto(2).int(1001).stop().bytes();
  const plainZip = writeZipCheckpoint(tiny);
  const deflatedZip = writeZip(entries, { deflate: true });
  let legacyStorageStart = 0;
  for (let i = 0; i < 5; i++) legacyStorageStart = unpickle(legacyBytes, { offset: legacyStorageStart }).endOffset;

  const table: [string, () => unknown, RegExp][] = [
    [
      'empty file',
      () => readWeights(new Uint8Array(0), 'w.pth'),
      /w\.pth is empty; accepted are PyTorch checkpoints \(\.pth, \.pt, \.pth\.tar, \.ckpt, \.bin.*\.safetensors/,
    ],
    ['random bytes', () => readWeights(randomBytes(4096, 7), 'w.bin'), /w\.bin is not a weights file this reader knows.*accepted are PyTorch checkpoints/],
    ['random bytes to readPth', () => readPth(randomBytes(4096, 9), 'w.pth'), /not a PyTorch checkpoint: it starts with neither a zip header/],
    ['a text file', () => readWeights(latin1('hello, world\n'), 'notes.txt'), /accepted are PyTorch checkpoints/],
    [
      'truncated zip',
      () => readWeights(tinyBytes.subarray(0, 200_000), 't.pth'),
      /t\.pth is not a valid zip archive.*no end-of-central-directory record \(the file is truncated/,
    ],
    [
      'zip cut inside the central directory',
      () => readPth(new Uint8Array([...tinyBytes.subarray(0, 416_000), ...tinyBytes.subarray(tinyBytes.length - 98)])),
      /central directory|central-directory/,
    ],
    ['zip without data.pkl', () => readPth(withEntries((l) => l.filter((e) => !e.name.endsWith('data.pkl')))), /there is no 'archive\/data\.pkl' entry/],
    [
      'zip without data/3',
      () => readPth(withEntries((l) => l.filter((e) => e.name !== 'archive/data/3'))),
      /'archive\/data\/3' is used by a tensor but is not in the file/,
    ],
    [
      'zip entry escaping with ../',
      () => readPth(withEntries((l) => [...l, { name: 'archive/../../evil.sh', data: latin1('rm -rf') }])),
      /entry name "archive\/\.\.\/\.\.\/evil\.sh" contains "\.\."/,
    ],
    ['zip entry with an absolute name', () => readPth(withEntries((l) => [...l, { name: '/etc/cron.d/evil', data: latin1('x') }])), /is an absolute path/],
    ['zip entries not in a folder', () => readPth(writeZip([{ name: 'data.pkl', data: pickleStateDict(tiny) }])), /first entry is not inside a folder/],
    ['zip with two entries of one name', () => readPth(withEntries((l) => [...l, l[0]!])), /two entries are named "archive\/data\.pkl"/],
    [
      'big-endian byteorder',
      () => readPth(writeZip(zipCheckpointEntries(tiny, 'archive', 'big')), 'be.pth'),
      /be\.pth .*stored big-endian.*accepted are little-endian/,
    ],
    ['unknown byteorder', () => readPth(writeZip(zipCheckpointEntries(tiny, 'archive', 'middle'))), /says "middle"; accepted are 'little' and 'big'/],
    [
      'zip with an unknown compression method',
      () => readPth(patched(plainZip, findCentral(plainZip) + 10, [14, 0])),
      /compression method 14; accepted are 0 \(stored\) and 8 \(deflate\)/,
    ],
    ['zip with an encrypted entry', () => readPth(patched(plainZip, findCentral(plainZip) + 8, [1, 0])), /is encrypted; accepted are plain entries/],
    [
      'deflated entry shorter than declared',
      () => readPth(patched(deflatedZip, findCentral(deflatedZip) + 24, [0xff, 0xff, 0, 0])),
      /does not inflate to its declared 65535 bytes|inflates to \d+ bytes, not the declared 65535/,
    ],
    [
      'zip whose central directory runs past the end records',
      () => readPth(patched(tinyBytes, eocd(tinyBytes) - 20 - 56 + 40, [0xff, 0xff, 0xff, 0])),
      /central directory .* runs past byte/,
    ],
    [
      'storage entry shorter than its elements',
      () => readPth(oneTensor({}, float32Bytes([1, 2, 3])), 's.pth'),
      /'archive\/data\/0' holds 12 bytes, but its 4 torch\.FloatStorage elements need exactly 16/,
    ],
    [
      'storage entry longer than its elements',
      () => readPth(oneTensor({}, float32Bytes([1, 2, 3, 4, 5])), 's.pth'),
      /'archive\/data\/0' holds 20 bytes, but its 4 torch\.FloatStorage elements need exactly 16/,
    ],
    [
      'size beyond the storage',
      () => readPth(oneTensor({ size: [5] }, float32Bytes([1, 2, 3, 4]))),
      /tensor 'w' \(size \[5\] and stride \[1\] at offset 0\) reaches past the 4 elements/,
    ],
    [
      'stride beyond the storage',
      () => readPth(oneTensor({ size: [2, 2], stride: [3, 1] }, float32Bytes([1, 2, 3, 4]))),
      /tensor 'w' \(size \[2, 2\] and stride \[3, 1\].*reaches past/,
    ],
    ['offset beyond the storage', () => readPth(oneTensor({ offset: 2, size: [3] }, float32Bytes([1, 2, 3, 4]))), /reaches past the 4 elements/],
    [
      'overlapping view larger than its storage',
      () => readPth(oneTensor({ size: [1000], stride: [0] }, float32Bytes([1, 2, 3, 4]))),
      /reaches past the 4 elements/,
    ],
    [
      'unknown storage type',
      () => readPth(oneTensor({ storageType: 'ComplexFloatStorage' }, float32Bytes([1, 2, 3, 4]))),
      /storage type torch\.ComplexFloatStorage; accepted: torch\.FloatStorage, torch\.HalfStorage/,
    ],
    ['data.pkl with bytes after STOP', () => readPth(replacePickle(new Uint8Array([...pickleStateDict(tiny), 0x2e]))), /has 1 bytes after its STOP opcode/],
    ['data.pkl truncated', () => readPth(replacePickle(pickleStateDict(tiny).subarray(0, 5000))), /malformed pickle: .*the file is truncated/],
    ['data.pkl with an unknown opcode', () => readPth(replacePickle(latin1('\x80\x02\xff.'))), /unknown or unsupported opcode 0xff/],
    ['pickle protocol 9', () => unpickle(latin1('\x80\x09N.')), /pickle protocol 9; accepted are 0 to 5/],
    [
      'a dict without tensors',
      () => readPth(replacePickle(latin1('\x80\x02}(X\x05\x00\x00\x00epochK\x03u.'))),
      /holds no weights: .*it holds a dict of 1 entries: epoch: int 3\).*resnext inspect/,
    ],
    ['a list at the top', () => readPth(replacePickle(latin1('\x80\x02]K\x01a.'))), /holds no weights: .*it holds a list of 1\)/],
    ['a huge BINUNICODE length', () => unpickle(latin1('\x80\x02X\xff\xff\xff\x7f')), /needs 2147483647 bytes but only 0 remain/],
    ['a huge BINUNICODE8 length', () => unpickle(latin1('\x80\x04\x8d\xff\xff\xff\xff\xff\xff\xff\xff')), /longer than the file/],
    ['a memo read before a write', () => unpickle(latin1('\x80\x02h\x05.')), /memo entry 5 is read before it is written/],
    ['STOP on an empty stack', () => unpickle(latin1('\x80\x02.')), /pops from an empty stack/],
    ['a pickle without STOP', () => unpickle(latin1('\x80\x02N')), /the pickle ends without a STOP opcode \(the file is truncated\)/],
    ['SETITEM on a list', () => unpickle(latin1('\x80\x02]K\x01K\x02s.')), /SETITEM applies to a list of 0, not a dict/],
    [
      "legacy: not torch's magic number",
      () => readWeights(latin1('\x80\x02K\x05.'), 'old.pth'),
      /old\.pth is not a valid legacy PyTorch checkpoint: it is a pickle, but not one torch\.save wrote: .*magic number 0x1950a86a20f9469cfc6c \(got int 5\); nothing in it was run/,
    ],
    ['legacy: wrong protocol version', () => readPth(legacyOf(magic, latin1('\x80\x02M\xe8\x03.'))), /protocol version is int 1000; accepted is 1001/],
    [
      'legacy: big-endian sys_info',
      () => readPth(legacyOf(magic, version, latin1('\x80\x02}X\r\x00\x00\x00little_endian\x89s.'))),
      /saved on a big-endian machine/,
    ],
    [
      'legacy: truncated in the storage section',
      () => readPth(legacyBytes.subarray(0, legacyBytes.length - 100), 'l.pth'),
      /l\.pth is not a valid legacy PyTorch checkpoint: storage '\d+' needs \d+ bytes at byte \d+ but the file ends at byte 408721 \(truncated\)/,
    ],
    [
      'legacy: truncated before a storage count',
      () => readPth(legacyBytes.subarray(0, legacyStorageStart + 4)),
      /the file ends at byte \d+, before storage '\d+' \(truncated\)/,
    ],
    ['legacy: truncated in the pickle', () => readPth(legacyBytes.subarray(0, 5000)), /malformed pickle: .* \(the file is truncated\)/],
    ['legacy: storage count disagrees', () => readPth(writeLegacyWithCount(tiny, 1175)), /holds 1175 elements in the file but its tensors declare 1176/],
    ['legacy: trailing bytes', () => readPth(new Uint8Array([...writeLegacyCheckpoint(tiny), 0])), /1 bytes follow the last storage/],
    ['missing file', () => readWeightsFile('/nonexistent/dir/w.pth'), /cannot read the weights file \/nonexistent\/dir\/w\.pth: there is no file at this path/],
    ['a directory', () => readWeightsFile(fixtures), /it is a directory, not a file/],
  ];
  const failures: string[] = [];
  for (const [what, run, message] of table) {
    try {
      assertWeightsError(run, message);
    } catch (error) {
      failures.push(`${what}: ${(error as Error).message}`);
    }
  }
  assert.deepEqual(failures, []);
});

/** Offset of the first central-directory record. */
function findCentral(bytes: Uint8Array): number {
  for (let i = 0; i + 4 <= bytes.length; i++) {
    if (bytes[i] === 0x50 && bytes[i + 1] === 0x4b && bytes[i + 2] === 0x01 && bytes[i + 3] === 0x02) return i;
  }
  throw new Error('no central directory');
}

/** A legacy checkpoint whose first storage record claims `count` elements. */
function writeLegacyWithCount(stateDict: ReadonlyMap<string, TensorData>, count: number): Uint8Array {
  const bytes = writeLegacyCheckpoint(stateDict);
  // The first storage follows the key-list pickle; find it by parsing the five pickles.
  let offset = 0;
  for (let i = 0; i < 5; i++) offset = unpickle(bytes, { offset }).endOffset;
  new DataView(bytes.buffer, bytes.byteOffset).setBigInt64(offset, BigInt(count), true);
  return bytes;
}
