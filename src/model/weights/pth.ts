/**
 * PyTorch `.pth`/`.pt` checkpoints, both layouts torch/serialization.py writes:
 *  - zip (torch ≥ 1.6): `<archive>/data.pkl` (the pickled object), `<archive>/data/<key>` (one raw little-endian entry
 *    per storage), `<archive>/byteorder` ('little' or 'big'; absent before torch 1.10, meaning little);
 *  - legacy (`_legacy_load`): five things back to back — a pickled magic number, a pickled protocol version (1001), a
 *    pickled sys_info dict, the pickled object, a pickled list of storage keys — then, for each key in that order, an
 *    int64 element count followed by the storage's raw bytes.
 * TorchScript archives (`torch.jit.save`) are the zip layout too; their `data.pkl` holds the module tree as records,
 * and nothing under `code/` is ever read, let alone run.
 * The pickle is read by the inert unpickler (pickle.ts); find.ts finds and chooses the state dict in it; its tensors
 * are references into the storages, materialised here (storage offsets and strides honoured) into contiguous float32
 * arrays. Hostile sizes are refused before anything is allocated: a storage entry must be exactly numel × element
 * size, and the elements read may not exceed the file's bytes (so a deflate bomb is refused before it is inflated).
 */
import { WeightsError } from '../errors';
import type { TensorData } from './stateDict';
import { decodeFloats } from './dtypes';
import { chooseStateDict, findCandidates, type ChosenStateDict, type StateDictOptions } from './find';
import { openZip, type ZipArchive, type ZipEntry } from './zip';
import {
  describePickleValue,
  everyObject,
  pickleObjectKind,
  STORAGE_ELEMENT_SIZES,
  unpickle,
  type PickleValue,
  type PyDict,
  type StorageDtype,
  type StorageRef,
  type TensorRef,
} from './pickle';

export type PthFormat = 'zip' | 'legacy' | 'torchscript';

/** A `.pth`/`.pt`/TorchScript file opened: its unpickled object (inert) and access to its storages. Nothing is copied yet. */
export interface PthArchive {
  readonly format: PthFormat;
  readonly root: PickleValue;
  /** Every global the pickle names, and whether it is on the allow-list. */
  readonly globals: ReadonlyMap<string, boolean>;
  readonly inputSizeBytes: number;
  /** Names a storage in messages (`'archive/data/3'`, `storage '3'`). */
  storageName(key: string): string;
  /**
   * A storage's bytes, exactly `numel × element size` of its reference. The size is checked against the archive
   * entry before it is read or inflated. `release` frees an inflated copy once its tensors are materialised.
   */
  storage(ref: StorageRef): Uint8Array;
  release(key: string): void;
}

export type PthResult = ChosenStateDict<PthFormat>;
export type ReadPthOptions = StateDictOptions;

/** torch/serialization.py: MAGIC_NUMBER and PROTOCOL_VERSION of the legacy format. */
const LEGACY_MAGIC_NUMBER = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL_VERSION = 1001;
/** A deflated data.pkl larger than this is refused before it is inflated (real ones are at most a few MB). */
const MAX_DEFLATED_PICKLE_BYTES = 256 * 2 ** 20;

const FLOAT_DTYPES = new Set<StorageDtype>(['float32', 'float16', 'bfloat16', 'float64']);

export const TORCH_DTYPE_NAMES: Record<StorageDtype, string> = {
  float32: 'torch.float32',
  float16: 'torch.float16',
  bfloat16: 'torch.bfloat16',
  float64: 'torch.float64',
  int64: 'torch.int64',
  int32: 'torch.int32',
  int16: 'torch.int16',
  int8: 'torch.int8',
  uint8: 'torch.uint8',
  bool: 'torch.bool',
};

function fail(source: string, format: PthFormat, what: string): never {
  const name = format === 'zip' ? 'PyTorch zip checkpoint' : format === 'torchscript' ? 'TorchScript archive' : 'legacy PyTorch checkpoint';
  throw new WeightsError(`${source} is not a valid ${name}: ${what}`);
}

const isZip = (bytes: Uint8Array): boolean => bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;

/** Opens a `.pth`/`.pt` file (either layout, or a TorchScript archive): parses the pickle, reads no tensor data. */
export function openPth(bytes: Uint8Array, source = 'the file'): PthArchive {
  if (isZip(bytes)) return openZipPth(bytes, source);
  if (bytes.length >= 2 && bytes[0] === 0x80) return openLegacyPth(bytes, source);
  throw new WeightsError(
    `${source} is not a PyTorch checkpoint: it starts with neither a zip header (PK\\x03\\x04, torch ≥ 1.6) nor a pickle (\\x80, the legacy format)`,
  );
}

/** Reads a `.pth`/`.pt` file (either layout, or TorchScript): finds the state dict in it and reads it as float32. */
export function readPth(bytes: Uint8Array, source = 'the file', options: ReadPthOptions = {}): PthResult {
  const archive = openPth(bytes, source);
  const { tensors, ...choice } = chooseStateDict(findCandidates(archive.root), source, options.stateDictKey, describeRoot(archive.root));
  return {
    stateDict: materialiseTensors(archive, tensors, source),
    format: archive.format,
    choice,
    ...(choice.chosen.key !== '' && { wrapperKey: choice.chosen.key }),
    ...(choice.strippedPrefix !== undefined && { strippedPrefix: choice.strippedPrefix }),
  };
}

/** " (it holds a dict of 3 entries: a: int 1, …)", for the message when no weights are found. */
function describeRoot(root: PickleValue): string {
  if (pickleObjectKind(root) === 'dict') {
    const entries = [...(root as PyDict).entries];
    const shown = entries.slice(0, 8).map(([k, v]) => `${typeof k === 'string' ? k : describePickleValue(k)}: ${describePickleValue(v)}`);
    return ` (it holds a dict of ${entries.length} entries: ${shown.join(', ')}${entries.length > 8 ? ', …' : ''})`;
  }
  return ` (it holds a ${describePickleValue(root)})`;
}

function openZipPth(bytes: Uint8Array, source: string): PthArchive {
  const archive: ZipArchive = openZip(bytes, source);
  const first = archive.entries.keys().next();
  // torch's PyTorchStreamReader takes the archive name from the first entry's folder.
  const slash = first.done ? -1 : first.value.indexOf('/');
  if (first.done || slash <= 0) fail(source, 'zip', "the first entry is not inside a folder; torch writes '<archive>/data.pkl' first");
  const prefix = first.value.slice(0, slash);
  const torchScript = archive.entries.has(`${prefix}/constants.pkl`) || [...archive.entries.keys()].some((name) => name.startsWith(`${prefix}/code/`));
  const format: PthFormat = torchScript ? 'torchscript' : 'zip';
  const entryOf = (name: string): ZipEntry | undefined => archive.entries.get(`${prefix}/${name}`);
  const byteorderEntry = entryOf('byteorder');
  if (byteorderEntry !== undefined) {
    if (byteorderEntry.uncompressedSizeBytes > 16)
      fail(source, format, `'${prefix}/byteorder' has ${byteorderEntry.uncompressedSizeBytes} bytes; torch writes 'little' or 'big'`);
    const byteorder = new TextDecoder().decode(archive.read(byteorderEntry)).trim();
    if (byteorder === 'big') {
      fail(
        source,
        format,
        'its tensors are stored big-endian (saved on a big-endian machine); accepted are little-endian files — re-save it on a little-endian machine',
      );
    }
    if (byteorder !== 'little') fail(source, format, `'${prefix}/byteorder' says ${JSON.stringify(byteorder.slice(0, 20))}; accepted are 'little' and 'big'`);
  }
  const pickleEntry = entryOf('data.pkl');
  if (pickleEntry === undefined) fail(source, format, `there is no '${prefix}/data.pkl' entry (the pickled object)`);
  if (pickleEntry.method === 8 && pickleEntry.uncompressedSizeBytes > MAX_DEFLATED_PICKLE_BYTES) {
    fail(
      source,
      format,
      `'${prefix}/data.pkl' would inflate to ${pickleEntry.uncompressedSizeBytes} bytes; accepted are pickles up to ${MAX_DEFLATED_PICKLE_BYTES} bytes when deflated`,
    );
  }
  const pickleBytes = archive.read(pickleEntry);
  const { value, endOffset, globals } = unpickle(pickleBytes, { source });
  if (endOffset !== pickleBytes.length) fail(source, format, `'${prefix}/data.pkl' has ${pickleBytes.length - endOffset} bytes after its STOP opcode`);

  // Several tensors may share a storage; a deflated entry is inflated once and released by materialiseTensors.
  const inflated = new Map<string, Uint8Array>();
  const storageName = (key: string): string => `'${prefix}/data/${key}'`;
  return {
    format,
    root: value,
    globals,
    inputSizeBytes: bytes.length,
    storageName,
    storage(ref) {
      const cached = inflated.get(ref.key);
      if (cached !== undefined) return cached;
      const entry = ref.key.includes('/') ? undefined : entryOf(`data/${ref.key}`);
      if (entry === undefined) fail(source, format, `${storageName(ref.key)} is used by a tensor but is not in the file`);
      const needBytes = ref.numel * STORAGE_ELEMENT_SIZES[ref.dtype];
      // Checked before the entry is read, so a lying entry is never inflated.
      if (entry.uncompressedSizeBytes !== needBytes) {
        fail(
          source,
          format,
          `${storageName(ref.key)} holds ${entry.uncompressedSizeBytes} bytes, but its ${ref.numel} ${ref.storageType} elements need exactly ${needBytes}`,
        );
      }
      const data = archive.read(entry);
      if (entry.method !== 0) inflated.set(ref.key, data);
      return data;
    },
    release: (key) => void inflated.delete(key),
  };
}

function openLegacyPth(bytes: Uint8Array, source: string): PthArchive {
  const magic = unpickle(bytes, { source });
  if (magic.value !== LEGACY_MAGIC_NUMBER) {
    fail(
      source,
      'legacy',
      `it is a pickle, but not one torch.save wrote: it does not start with torch's magic number 0x1950a86a20f9469cfc6c ` +
        `(got ${describePickleValue(magic.value)}); nothing in it was run. Choose the checkpoint file that torch.save or your trainer wrote`,
    );
  }
  const protocol = unpickle(bytes, { source, offset: magic.endOffset });
  if (protocol.value !== LEGACY_PROTOCOL_VERSION) {
    fail(source, 'legacy', `its protocol version is ${describePickleValue(protocol.value)}; accepted is ${LEGACY_PROTOCOL_VERSION}`);
  }
  const sysInfo = unpickle(bytes, { source, offset: protocol.endOffset });
  if (pickleObjectKind(sysInfo.value) === 'dict' && (sysInfo.value as PyDict).entries.get('little_endian') === false) {
    fail(source, 'legacy', 'it was saved on a big-endian machine (sys_info little_endian = False); accepted are little-endian files');
  }
  const object = unpickle(bytes, { source, offset: sysInfo.endOffset });
  const keyList = unpickle(bytes, { source, offset: object.endOffset });
  const keys = pickleObjectKind(keyList.value) === 'list' ? (keyList.value as { items: PickleValue[] }).items : undefined;
  if (keys === undefined || !keys.every((k): k is string => typeof k === 'string')) {
    fail(source, 'legacy', `the storage-key list is a ${describePickleValue(keyList.value)}; expected a list of str`);
  }

  // The storages the object references, by key, with the dtype and element count of their first reference
  // (torch keeps the first one it deserialises too).
  const referenced = new Map<string, StorageRef>();
  collectStorages(object.value, referenced);
  const located = new Map<string, Uint8Array>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = keyList.endOffset;
  for (const key of keys) {
    const ref = referenced.get(key);
    if (ref === undefined) fail(source, 'legacy', `the storage list names '${key}', which no tensor uses`);
    if (located.has(key)) fail(source, 'legacy', `the storage list names '${key}' twice`);
    if (at + 8 > bytes.length) fail(source, 'legacy', `the file ends at byte ${bytes.length}, before storage '${key}' (truncated)`);
    const countLow = view.getUint32(at, true);
    const countHigh = view.getInt32(at + 4, true);
    const count = countHigh * 0x100000000 + countLow;
    if (count !== ref.numel) {
      fail(source, 'legacy', `storage '${key}' holds ${count} elements in the file but its tensors declare ${ref.numel} (${ref.storageType})`);
    }
    const sizeBytes = count * STORAGE_ELEMENT_SIZES[ref.dtype];
    const start = at + 8;
    if (start + sizeBytes > bytes.length) {
      fail(source, 'legacy', `storage '${key}' needs ${sizeBytes} bytes at byte ${start} but the file ends at byte ${bytes.length} (truncated)`);
    }
    located.set(key, bytes.subarray(start, start + sizeBytes));
    at = start + sizeBytes;
  }
  if (at !== bytes.length) fail(source, 'legacy', `${bytes.length - at} bytes follow the last storage`);
  const storageName = (key: string): string => `storage '${key}'`;
  const globals = new Map([...magic.globals, ...protocol.globals, ...sysInfo.globals, ...object.globals, ...keyList.globals]);
  return {
    format: 'legacy',
    root: object.value,
    globals,
    inputSizeBytes: bytes.length,
    storageName,
    storage(ref) {
      const data = located.get(ref.key);
      if (data === undefined) fail(source, 'legacy', `a tensor uses ${storageName(ref.key)}, which is not in the file`);
      return data;
    },
    release: () => undefined,
  };
}

/** Storage references anywhere in the object (the first reference of each key, as torch keeps). */
function collectStorages(root: PickleValue, out: Map<string, StorageRef>): void {
  for (const value of everyObject(root)) {
    const storage = value.kind === 'tensor' ? value.storage : value.kind === 'storage' ? value : undefined;
    if (storage !== undefined && !out.has(storage.key)) out.set(storage.key, storage);
  }
}

/** Elements a tensor covers (its numel), and the highest storage index it reaches (+1), from size and stride. */
export function tensorExtent(ref: TensorRef): { count: number; spanElements: number } {
  let count = 1;
  let lastIndex = 0;
  for (let d = 0; d < ref.size.length; d++) {
    count *= ref.size[d]!;
    lastIndex += (ref.size[d]! - 1) * ref.stride[d]!;
  }
  return { count, spanElements: count === 0 ? 0 : lastIndex + 1 };
}

/**
 * Materialises the chosen tensors as float32. Before any storage is read, the elements to be produced are checked
 * against the file's size (one element per input byte at most: a stored file cannot hold more, and a deflated one that
 * claims more is a bomb); storages are then read one at a time and inflated copies released as soon as they are used.
 */
export function materialiseTensors(archive: PthArchive, tensors: ReadonlyMap<string, TensorRef>, source: string): Map<string, TensorData> {
  const { format } = archive;
  let storageElements = 0;
  let outputElements = 0;
  const storages = new Set<string>();
  for (const [name, ref] of tensors) {
    outputElements += checkBounds(name, ref, archive, source);
    if (!storages.has(ref.storage.key)) {
      storages.add(ref.storage.key);
      storageElements += ref.storage.numel;
    }
  }
  const budget = archive.inputSizeBytes;
  if (storageElements > budget || outputElements > budget) {
    fail(
      source,
      format,
      `its tensors declare ${Math.max(storageElements, outputElements)} elements, more than the file's ${budget} bytes could hold ` +
        '(a deflate bomb or overlapping views); nothing was inflated',
    );
  }
  // Grouped by storage, so that each inflated storage is read once and released before the next.
  const byStorage = new Map<string, [string, TensorRef][]>();
  for (const [name, ref] of tensors) {
    const group = byStorage.get(ref.storage.key);
    if (group) group.push([name, ref]);
    else byStorage.set(ref.storage.key, [[name, ref]]);
  }
  const done = new Map<string, TensorData>();
  for (const [key, group] of byStorage) {
    for (const [name, ref] of group) done.set(name, materialise(name, ref, archive, source));
    archive.release(key);
  }
  return new Map([...tensors.keys()].map((name) => [name, done.get(name)!]));
}

/** Copies a (possibly strided) tensor out of its storage into a contiguous float32 array. */
/** Checks that a tensor lies inside its storage (from its size, stride and offset alone) and returns its numel. */
function checkBounds(name: string, ref: TensorRef, archive: PthArchive, source: string): number {
  const { format, storageName } = archive;
  const { storage, size, stride, storageOffsetElements } = ref;
  const storageElements = storage.viewNumel;
  const { count, spanElements } = tensorExtent(ref);
  const lastIndex = spanElements - 1;
  const shapeText = `size [${size.join(', ')}] and stride [${stride.join(', ')}] at offset ${storageOffsetElements}`;
  if (count > 0 && (storageOffsetElements + lastIndex + 1 > storageElements || count > storageElements)) {
    fail(source, format, `tensor '${name}' (${shapeText}) reaches past the ${storageElements} elements of ${storageName(storage.key)}`);
  }
  if (count === 0 && storageOffsetElements > storageElements) {
    fail(source, format, `tensor '${name}' starts at element ${storageOffsetElements}, past the ${storageElements} elements of ${storageName(storage.key)}`);
  }
  return count;
}

function materialise(name: string, ref: TensorRef, archive: PthArchive, source: string): TensorData {
  const { storage, size, stride, storageOffsetElements } = ref;
  const elementBytes = STORAGE_ELEMENT_SIZES[storage.dtype];
  const base = storage.viewOffsetElements + storageOffsetElements;
  const count = checkBounds(name, ref, archive, source);
  const { spanElements } = tensorExtent(ref);
  const sourceDtype = TORCH_DTYPE_NAMES[storage.dtype];
  if (count === 0) return { shape: size, data: new Float32Array(0), sourceDtype };

  const raw = archive.storage(storage);
  // The elements the tensor spans, decoded once; a contiguous tensor is then the whole span (one copy).
  const span = raw.subarray(base * elementBytes, (base + spanElements) * elementBytes);
  const decoded = FLOAT_DTYPES.has(storage.dtype)
    ? decodeFloats(span, storage.dtype as 'float32' | 'float16' | 'bfloat16' | 'float64')
    : decodeIntegers(span, storage.dtype);
  if (spanElements === count && isContiguous(size, stride)) return { shape: size, data: decoded, sourceDtype };
  return { shape: size, data: gather(decoded, size, stride, count), sourceDtype };
}

/** Row-major strides, ignoring dimensions of size 1 (torch allows any stride there). */
function isContiguous(size: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let d = size.length - 1; d >= 0; d--) {
    if (size[d] !== 1 && stride[d] !== expected) return false;
    expected *= size[d]!;
  }
  return true;
}

/** out[i0, i1, …] = span[Σ i_d · stride_d], odometer order. */
function gather(span: Float32Array, size: readonly number[], stride: readonly number[], count: number): Float32Array {
  const out = new Float32Array(count);
  const rank = size.length;
  const index = new Array<number>(rank).fill(0);
  const innerSize = size[rank - 1]!;
  const innerStride = stride[rank - 1]!;
  let offset = 0;
  for (let written = 0; written < count;) {
    for (let i = 0; i < innerSize; i++) out[written++] = span[offset + i * innerStride]!;
    // Advance the outer dimensions.
    let d = rank - 2;
    for (; d >= 0; d--) {
      index[d]!++;
      offset += stride[d]!;
      if (index[d]! < size[d]!) break;
      offset -= index[d]! * stride[d]!;
      index[d] = 0;
    }
    if (d < 0) break;
  }
  return out;
}

/** Integer storages (num_batches_tracked is int64) as float32; int64 beyond 2^53 loses precision, as any float would. */
function decodeIntegers(bytes: Uint8Array, dtype: StorageDtype): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = bytes.length / STORAGE_ELEMENT_SIZES[dtype];
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    switch (dtype) {
      case 'int64':
        out[i] = view.getInt32(i * 8 + 4, true) * 0x100000000 + view.getUint32(i * 8, true);
        break;
      case 'int32':
        out[i] = view.getInt32(i * 4, true);
        break;
      case 'int16':
        out[i] = view.getInt16(i * 2, true);
        break;
      case 'int8':
        out[i] = view.getInt8(i);
        break;
      default:
        out[i] = view.getUint8(i);
        break; // uint8, bool
    }
  }
  return out;
}
