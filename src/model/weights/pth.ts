/**
 * PyTorch `.pth`/`.pt` checkpoints, both layouts torch/serialization.py writes:
 *  - zip (torch ≥ 1.6): `<archive>/data.pkl` (the pickled object), `<archive>/data/<key>` (one raw little-endian entry
 *    per storage), `<archive>/byteorder` ('little' or 'big'; absent before torch 1.10, meaning little);
 *  - legacy (`_legacy_load`): five things back to back — a pickled magic number, a pickled protocol version (1001), a
 *    pickled sys_info dict, the pickled object, a pickled list of storage keys — then, for each key in that order, an
 *    int64 element count followed by the storage's raw bytes.
 * The pickle is read by the safe unpickler (pickle.ts); tensors come back as references into the storages and are
 * materialised here, honouring storage offsets and strides, into contiguous float32 arrays.
 */
import { WeightsError } from '../errors';
import type { TensorData } from './stateDict';
import { decodeFloats } from './dtypes';
import { openZip, type ZipArchive } from './zip';
import {
  describePickleValue,
  pickleObjectKind,
  STORAGE_ELEMENT_SIZES,
  unpickle,
  type PickleValue,
  type PyDict,
  type StorageDtype,
  type StorageRef,
  type TensorRef,
} from './pickle';

export interface PthResult {
  readonly stateDict: Map<string, TensorData>;
  readonly format: 'zip' | 'legacy';
  /** Set when the state dict was found inside a checkpoint dict, e.g. `state_dict`. */
  readonly wrapperKey?: string;
  /** Set when every key had this prefix and it was removed (`module.`, from nn.DataParallel). */
  readonly strippedPrefix?: string;
}

/** torch/serialization.py: MAGIC_NUMBER and PROTOCOL_VERSION of the legacy format. */
const LEGACY_MAGIC_NUMBER = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL_VERSION = 1001;
/** Checkpoint dicts hold the state dict under one of these keys (torchvision's and timm's training scripts, Lightning-style exports). */
export const WRAPPER_KEYS = ['state_dict', 'model', 'model_state_dict'] as const;
const DATA_PARALLEL_PREFIX = 'module.';

const FLOAT_DTYPES = new Set<StorageDtype>(['float32', 'float16', 'bfloat16', 'float64']);

const TORCH_DTYPE_NAMES: Record<StorageDtype, string> = {
  float32: 'torch.float32', float16: 'torch.float16', bfloat16: 'torch.bfloat16', float64: 'torch.float64',
  int64: 'torch.int64', int32: 'torch.int32', int16: 'torch.int16', int8: 'torch.int8', uint8: 'torch.uint8', bool: 'torch.bool',
};

function fail(source: string, format: 'zip' | 'legacy', what: string): never {
  const name = format === 'zip' ? 'PyTorch zip checkpoint' : 'legacy PyTorch checkpoint';
  throw new WeightsError(`${source} is not a valid ${name}: ${what}`);
}

/** Reads a `.pth`/`.pt` file (either layout) into float32 tensors. */
export function readPth(bytes: Uint8Array, source = 'the file'): PthResult {
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return readZipPth(bytes, source);
  if (bytes.length >= 2 && bytes[0] === 0x80) return readLegacyPth(bytes, source);
  throw new WeightsError(
    `${source} is not a PyTorch checkpoint: it starts with neither a zip header (PK\\x03\\x04, torch ≥ 1.6) nor a pickle (\\x80, the legacy format)`,
  );
}

/** Where each storage's bytes are, by key. */
type StorageBytes = (key: string) => Uint8Array | undefined;

function readZipPth(bytes: Uint8Array, source: string): PthResult {
  const archive: ZipArchive = openZip(bytes, source);
  const first = archive.entries.keys().next();
  // torch's PyTorchStreamReader takes the archive name from the first entry's folder.
  const slash = first.done ? -1 : first.value.indexOf('/');
  if (first.done || slash <= 0) fail(source, 'zip', "the first entry is not inside a folder; torch writes '<archive>/data.pkl' first");
  const prefix = first.value.slice(0, slash);
  // Several tensors may share a storage; a deflated entry is inflated once.
  const cache = new Map<string, Uint8Array>();
  const entry = (name: string): Uint8Array | undefined => {
    const cached = cache.get(name);
    if (cached !== undefined) return cached;
    const found = archive.entries.get(`${prefix}/${name}`);
    if (found === undefined) return undefined;
    const data = archive.read(found);
    cache.set(name, data);
    return data;
  };
  const byteorderBytes = entry('byteorder');
  if (byteorderBytes !== undefined) {
    const byteorder = new TextDecoder().decode(byteorderBytes).trim();
    if (byteorder === 'big') {
      fail(source, 'zip', 'its tensors are stored big-endian (saved on a big-endian machine); accepted are little-endian files — re-save it on a little-endian machine');
    }
    if (byteorder !== 'little') fail(source, 'zip', `'${prefix}/byteorder' says ${JSON.stringify(byteorder.slice(0, 20))}; accepted are 'little' and 'big'`);
  }
  const pickleBytes = entry('data.pkl');
  if (pickleBytes === undefined) fail(source, 'zip', `there is no '${prefix}/data.pkl' entry (the pickled object)`);
  const { value, endOffset } = unpickle(pickleBytes, { source });
  if (endOffset !== pickleBytes.length) fail(source, 'zip', `'${prefix}/data.pkl' has ${pickleBytes.length - endOffset} bytes after its STOP opcode`);
  const storages: StorageBytes = (key) => (key.includes('/') ? undefined : entry(`data/${key}`));
  return { ...buildStateDict(value, storages, source, 'zip', (key) => `'${prefix}/data/${key}'`, bytes.length), format: 'zip' };
}

function readLegacyPth(bytes: Uint8Array, source: string): PthResult {
  const magic = unpickle(bytes, { source });
  if (magic.value !== LEGACY_MAGIC_NUMBER) {
    fail(source, 'legacy', `it is a pickle but does not start with torch's magic number 0x1950a86a20f9469cfc6c (got ${describePickleValue(magic.value)})`);
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
  return { ...buildStateDict(object.value, (key) => located.get(key), source, 'legacy', (key) => `storage '${key}'`, bytes.length), format: 'legacy' };
}

/** Storage references anywhere in the object, without recursion (values may be cyclic). */
function collectStorages(root: PickleValue, out: Map<string, StorageRef>): void {
  const seen = new Set<PickleValue>();
  const pending: PickleValue[] = [root];
  while (pending.length > 0) {
    const value = pending.pop()!;
    const kind = pickleObjectKind(value);
    if (kind === undefined || seen.has(value)) continue;
    seen.add(value);
    if (kind === 'tensor') {
      const storage = (value as TensorRef).storage;
      if (!out.has(storage.key)) out.set(storage.key, storage);
    } else if (kind === 'storage') {
      if (!out.has((value as StorageRef).key)) out.set((value as StorageRef).key, value as StorageRef);
    } else if (kind === 'dict') {
      for (const [k, v] of (value as PyDict).entries) pending.push(k, v);
    } else if (kind === 'list' || kind === 'tuple' || kind === 'set') {
      for (const item of (value as { items: readonly PickleValue[] }).items) pending.push(item);
    }
  }
}

const isTensor = (value: PickleValue | undefined): value is TensorRef => value !== undefined && pickleObjectKind(value) === 'tensor';

/** A dict whose keys are all strings and whose values are all tensors, the shape of `model.state_dict()`. */
function asStateDict(value: PickleValue | undefined): Map<string, TensorRef> | undefined {
  if (value === undefined || pickleObjectKind(value) !== 'dict') return undefined;
  const entries = (value as PyDict).entries;
  if (entries.size === 0) return undefined;
  for (const [key, tensor] of entries) if (typeof key !== 'string' || !isTensor(tensor)) return undefined;
  return entries as unknown as Map<string, TensorRef>;
}

/**
 * If every key starts with `module.` (a model wrapped in nn.DataParallel / DistributedDataParallel when saved), returns
 * the keys without it; otherwise returns the map unchanged.
 */
export function stripModulePrefix<T>(stateDict: ReadonlyMap<string, T>): { stateDict: Map<string, T>; strippedPrefix?: string } {
  const keys = [...stateDict.keys()];
  if (keys.length === 0 || !keys.every((key) => key.startsWith(DATA_PARALLEL_PREFIX) && key.length > DATA_PARALLEL_PREFIX.length)) {
    return { stateDict: new Map(stateDict) };
  }
  const stripped = new Map<string, T>();
  for (const [key, value] of stateDict) stripped.set(key.slice(DATA_PARALLEL_PREFIX.length), value);
  return { stateDict: stripped, strippedPrefix: DATA_PARALLEL_PREFIX };
}

/** Finds the state dict in the unpickled object and materialises its tensors. */
function buildStateDict(
  root: PickleValue,
  storageBytes: StorageBytes,
  source: string,
  format: 'zip' | 'legacy',
  storageName: (key: string) => string,
  inputSizeBytes: number,
): Omit<PthResult, 'format'> {
  let tensors = asStateDict(root);
  let wrapperKey: string | undefined;
  if (tensors === undefined && pickleObjectKind(root) === 'dict') {
    for (const key of WRAPPER_KEYS) {
      tensors = asStateDict((root as PyDict).entries.get(key));
      if (tensors !== undefined) {
        wrapperKey = key;
        break;
      }
    }
  }
  if (tensors === undefined) {
    const accepted =
      'accepted are a state dict (a dict of tensors, as torch.save(model.state_dict(), "weights.pth") writes) ' +
      `or a checkpoint dict holding one under ${WRAPPER_KEYS.map((k) => `'${k}'`).join(', ')}`;
    if (pickleObjectKind(root) === 'dict') {
      const entries = [...(root as PyDict).entries];
      const shown = entries.slice(0, 8).map(([k, v]) => `${typeof k === 'string' ? k : describePickleValue(k)}: ${describePickleValue(v)}`);
      fail(source, format, `it holds a dict of ${entries.length} entries (${shown.join(', ')}${entries.length > 8 ? ', …' : ''}) that is not a state dict; ${accepted}`);
    }
    fail(source, format, `it holds a ${describePickleValue(root)}; ${accepted}`);
  }

  const { stateDict: renamed, strippedPrefix } = stripModulePrefix(tensors);
  const out = new Map<string, TensorData>();
  // Each output element comes from at least one input byte unless views overlap; this caps what a hostile file can
  // make us allocate at one float32 per input byte.
  let budgetElements = inputSizeBytes;
  for (const [name, ref] of renamed) {
    const tensor = materialise(name, ref, storageBytes, source, format, storageName);
    budgetElements -= tensor.data.length;
    if (budgetElements < 0) fail(source, format, `its tensors hold more elements than the file has bytes (overlapping views); the last one read was '${name}'`);
    out.set(name, tensor);
  }
  return { stateDict: out, ...(wrapperKey !== undefined && { wrapperKey }), ...(strippedPrefix !== undefined && { strippedPrefix }) };
}

/** Copies a (possibly strided) tensor out of its storage into a contiguous float32 array. */
function materialise(
  name: string,
  ref: TensorRef,
  storageBytes: StorageBytes,
  source: string,
  format: 'zip' | 'legacy',
  storageName: (key: string) => string,
): TensorData {
  const { storage, size, stride, storageOffsetElements } = ref;
  const elementBytes = STORAGE_ELEMENT_SIZES[storage.dtype];
  const raw = storageBytes(storage.key);
  if (raw === undefined) fail(source, format, `tensor '${name}' uses ${storageName(storage.key)}, which is not in the file`);
  const needBytes = storage.numel * elementBytes;
  if (raw.length < needBytes) {
    fail(source, format, `${storageName(storage.key)} has ${raw.length} bytes, fewer than its ${storage.numel} ${storage.storageType} elements need (${needBytes})`);
  }
  const storageElements = storage.viewNumel;
  const base = storage.viewOffsetElements + storageOffsetElements;
  let count = 1;
  let lastIndex = 0;
  for (let d = 0; d < size.length; d++) {
    count *= size[d]!;
    lastIndex += (size[d]! - 1) * stride[d]!;
  }
  const shapeText = `size [${size.join(', ')}] and stride [${stride.join(', ')}] at offset ${storageOffsetElements}`;
  if (count > 0 && (storageOffsetElements + lastIndex + 1 > storageElements || count > storageElements)) {
    fail(source, format, `tensor '${name}' (${shapeText}) reaches past the ${storageElements} elements of ${storageName(storage.key)}`);
  }
  if (count === 0 && storageOffsetElements > storageElements) {
    fail(source, format, `tensor '${name}' starts at element ${storageOffsetElements}, past the ${storageElements} elements of ${storageName(storage.key)}`);
  }
  const sourceDtype = TORCH_DTYPE_NAMES[storage.dtype];
  if (count === 0) return { shape: size, data: new Float32Array(0), sourceDtype };

  // The elements the tensor spans, decoded once; a contiguous tensor is then the whole span (one copy).
  const spanElements = lastIndex + 1;
  const span = raw.subarray(base * elementBytes, (base + spanElements) * elementBytes);
  const decoded = FLOAT_DTYPES.has(storage.dtype) ? decodeFloats(span, storage.dtype as 'float32' | 'float16' | 'bfloat16' | 'float64') : decodeIntegers(span, storage.dtype);
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
  for (let written = 0; written < count; ) {
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
      case 'int64': out[i] = view.getInt32(i * 8 + 4, true) * 0x100000000 + view.getUint32(i * 8, true); break;
      case 'int32': out[i] = view.getInt32(i * 4, true); break;
      case 'int16': out[i] = view.getInt16(i * 2, true); break;
      case 'int8': out[i] = view.getInt8(i); break;
      default: out[i] = view.getUint8(i); break; // uint8, bool
    }
  }
  return out;
}
