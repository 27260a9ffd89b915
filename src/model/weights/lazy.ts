/**
 * A weights file opened without reading its tensor data (for `resnext diff` and `resnext check`): the headers and the
 * pickle are read from disk, every tensor is read on demand, one at a time, and dropped by the caller.
 *
 * The readers (zip.ts, pth.ts, safetensors.ts) work on a file's bytes. Here they get a buffer the size of the file
 * that is allocated but never touched except where metadata lives (a large zero-filled allocation is mapped lazily
 * by the OS, so untouched pages cost no memory): the zip's end records and central directory, each entry's local
 * header and every entry that is not tensor data (data.pkl, byteorder, …); the safetensors header. A tensor's bytes
 * are then read from the file into a fresh buffer of that tensor's size. A legacy `.pth` (one pickle stream with the
 * storages back to back) and a zip whose tensor entries are deflated (never torch's writer) are read whole.
 */
import * as fs from 'node:fs';
import { unreadableReason, WeightsError } from '../errors';
import { chooseStateDict, findCandidates, type Candidate, type Choice } from './find';
import { sniffWeightsFormat, type WeightsFormat, type ReadWeightsOptions } from './load';
import type { TensorRef } from './pickle';
import { materialiseTensors, openPth, TORCH_DTYPE_NAMES, type PthArchive } from './pth';
import { readSafetensorsHeader, safetensorsElementSize, type SafetensorsEntry } from './safetensors';
import { decodeFloats } from './dtypes';
import { openZip } from './zip';
import type { TensorData } from './stateDict';

/** A tensor as the header or pickle describes it (nothing read yet). */
export interface TensorInfo {
  readonly shape: readonly number[];
  /** torch's name (`torch.float32`) for .pth files, the header's (`F32`) for safetensors. */
  readonly dtype: string;
}

export interface LazyWeights {
  readonly file: string;
  readonly format: WeightsFormat;
  /** The chosen state dict under torchvision's names (the prefix stripped), in file order. */
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  /** The same state dict as stored (no prefix stripped), in file order. */
  readonly stored: ReadonlyMap<string, TensorInfo>;
  readonly choice: Omit<Choice<unknown>, 'tensors'>;
  /** Reads one tensor (by its torchvision name) from disk as float32. */
  read(name: string): TensorData;
  close(): void;
}

/** The end records of a zip lie within this distance of its end (EOCD with the longest comment, ZIP64 locator and record). */
const ZIP_TAIL_BYTES = 22 + 0xffff + 20 + 56;

/** The largest typed array Node makes (2^32 − 1 bytes). */
const MAX_FILE_BYTES = 2 ** 32 - 1;

class SparseFile {
  readonly bytes: Uint8Array;
  constructor(
    readonly fd: number,
    readonly size: number,
  ) {
    this.bytes = new Uint8Array(size);
  }

  /** Reads [start, start + length) of the file into the same place of `bytes` (clamped to the file). */
  fill(start: number, length: number): void {
    const from = Math.max(0, Math.min(start, this.size));
    const to = Math.max(from, Math.min(start + length, this.size));
    readFully(this.fd, this.bytes.subarray(from, to), from);
  }

  /** A fresh buffer with [start, start + length) of the file (not zero-filled first: every byte is read). */
  slice(start: number, length: number): Uint8Array {
    const out = new Uint8Array(Buffer.allocUnsafeSlow(length).buffer, 0, length);
    readFully(this.fd, out, start);
    return out;
  }

  /** `count` little-endian float32 values at byte `start`, read straight into the array returned. */
  floats(start: number, count: number): Float32Array {
    const out = new Float32Array(Buffer.allocUnsafeSlow(count * 4).buffer, 0, count);
    readFully(this.fd, new Uint8Array(out.buffer, 0, count * 4), start);
    return out;
  }
}

function readFully(fd: number, into: Uint8Array, position: number): void {
  for (let done = 0; done < into.length;) {
    const n = fs.readSync(fd, into, done, into.length - done, position + done);
    if (n === 0) throw new WeightsError(`the file ended at byte ${position + done} while reading it (was it truncated while being read?)`);
    done += n;
  }
}

/** Opens `file`, reads what describes its tensors, and chooses the state dict as every reader does. */
export function openWeightsLazily(file: string, options: ReadWeightsOptions = {}): LazyWeights {
  let fd: number;
  let size: number;
  try {
    fd = fs.openSync(file, 'r');
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) {
      fs.closeSync(fd);
      throw Object.assign(new Error('is a folder'), { code: 'EISDIR' });
    }
    size = stat.size;
    if (size > MAX_FILE_BYTES) {
      fs.closeSync(fd);
      throw new WeightsError(`${file} has ${size} bytes; accepted are checkpoints up to 4 GiB`);
    }
  } catch (error) {
    if (error instanceof WeightsError) throw error;
    throw new WeightsError(`cannot read the weights file ${file}: ${unreadableReason(error, 'file')}`);
  }
  try {
    return openSparse(new SparseFile(fd, size), file, options);
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
}

function openSparse(sparse: SparseFile, file: string, options: ReadWeightsOptions): LazyWeights {
  sparse.fill(0, 16);
  const sniffed = sniffWeightsFormat(sparse.bytes);
  if (sniffed === 'safetensors') return openSafetensors(sparse, file, options);
  if (sniffed === 'pth') return openLazyPth(sparse, file, options);
  throw new WeightsError(
    sniffed === 'empty'
      ? `${file} is empty; it is not a checkpoint`
      : `${file} is not a checkpoint this reader knows (it starts with neither a zip header, a pickle, nor a safetensors header); ` +
          'accepted are PyTorch checkpoints (.pth, .pt, .pth.tar, .ckpt, .bin) and .safetensors files',
  );
}

/** How a reader's tensor reference tells its shape and dtype. */
type Describe<T> = (t: T) => TensorInfo;

function choose<T>(
  candidates: readonly Candidate<T>[],
  file: string,
  options: ReadWeightsOptions,
  describe: Describe<T>,
): { tensors: Map<string, T>; infos: Map<string, TensorInfo>; stored: Map<string, TensorInfo>; choice: Omit<Choice<unknown>, 'tensors'> } {
  const { tensors, ...choice } = chooseStateDict(candidates, file, options.stateDictKey);
  const raw = candidates.find((c) => c.key === choice.chosen.key)!;
  const infos = (from: ReadonlyMap<string, T>): Map<string, TensorInfo> => new Map([...from].map(([k, t]) => [k, describe(t)]));
  return { tensors, infos: infos(tensors), stored: infos(raw.tensors), choice };
}

function openSafetensors(sparse: SparseFile, file: string, options: ReadWeightsOptions): LazyWeights {
  sparse.fill(0, 8);
  const headerLength = Number(new DataView(sparse.bytes.buffer, 0, 8).getBigUint64(0, true));
  sparse.fill(8, headerLength);
  const { entries } = readSafetensorsHeader(sparse.bytes, file);
  const candidates: Candidate<SafetensorsEntry>[] =
    entries.length > 0 ? [{ key: '', kind: 'state dict', tensors: new Map(entries.map((e) => [e.name, e])) }] : [];
  const { tensors, infos, stored, choice } = choose(candidates, file, options, (e) => ({ shape: e.shape, dtype: e.dtype }));
  return {
    file,
    format: 'safetensors',
    tensors: infos,
    stored,
    choice,
    read(name) {
      const entry = tensors.get(name);
      if (entry === undefined) throw new WeightsError(`${file} has no tensor '${name}'`);
      const length = entry.end - entry.begin;
      const data = entry.dtype === 'F32' ? sparse.floats(entry.begin, length / 4) : decodeSafetensors(sparse.slice(entry.begin, length), entry.dtype);
      return { shape: entry.shape, data, sourceDtype: entry.dtype };
    },
    close: () => fs.closeSync(sparse.fd),
  };
}

function decodeSafetensors(bytes: Uint8Array, dtype: string): Float32Array {
  if (dtype === 'F32' || dtype === 'F16' || dtype === 'BF16' || dtype === 'F64') {
    return decodeFloats(bytes, ({ F32: 'float32', F16: 'float16', BF16: 'bfloat16', F64: 'float64' } as const)[dtype]);
  }
  const size = safetensorsElementSize(dtype);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.length / size);
  for (let i = 0; i < out.length; i++) {
    const at = i * size;
    out[i] =
      dtype === 'I64'
        ? view.getInt32(at + 4, true) * 0x100000000 + view.getUint32(at, true)
        : dtype === 'I32'
          ? view.getInt32(at, true)
          : dtype === 'I16'
            ? view.getInt16(at, true)
            : dtype === 'I8'
              ? view.getInt8(at)
              : view.getUint8(at);
  }
  return out;
}

/** Fills what a zip `.pth` needs to be opened: end records, central directory, local headers, non-tensor entries. */
function fillZipMetadata(sparse: SparseFile, file: string): void {
  const { bytes, size } = sparse;
  sparse.fill(size - ZIP_TAIL_BYTES, ZIP_TAIL_BYTES);
  const view = new DataView(bytes.buffer, 0, size);
  // The central directory's place, from the EOCD (or the ZIP64 record it points to); openZip checks all of it again.
  let eocd = -1;
  for (let at = size - 22; at >= Math.max(0, size - ZIP_TAIL_BYTES); at--) {
    if (view.getUint32(at, true) === 0x06054b50 && at + 22 + view.getUint16(at + 20, true) === size) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) return; // openZip says what is wrong
  let dirOffset = view.getUint32(eocd + 16, true);
  let dirSize = view.getUint32(eocd + 12, true);
  const locator = eocd - 20;
  if (locator >= 0 && view.getUint32(locator, true) === 0x07064b50) {
    const record = Number(view.getBigUint64(locator + 8, true));
    if (record + 56 <= size) {
      sparse.fill(record, 56);
      dirSize = Number(view.getBigUint64(record + 40, true));
      dirOffset = Number(view.getBigUint64(record + 48, true));
    }
  }
  if (dirOffset + dirSize <= size) sparse.fill(dirOffset, dirSize);
  const zip = openZip(bytes, file);
  const tensorEntry = /^[^/]+\/data\/[^/]+$/;
  let deflatedTensors = false;
  for (const entry of zip.entries.values()) {
    const local = entry.localHeaderOffsetBytes;
    sparse.fill(local, 30);
    if (local + 30 > size) continue;
    const headerRest = view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    sparse.fill(local + 30, headerRest);
    if (!tensorEntry.test(entry.name)) sparse.fill(local + 30 + headerRest, entry.compressedSizeBytes);
    else if (entry.method !== 0) deflatedTensors = true;
  }
  if (deflatedTensors) sparse.fill(0, size);
}

function openLazyPth(sparse: SparseFile, file: string, options: ReadWeightsOptions): LazyWeights {
  const { bytes } = sparse;
  const isZip = bytes[0] === 0x50 && bytes[1] === 0x4b;
  if (isZip) fillZipMetadata(sparse, file);
  else sparse.fill(0, sparse.size);
  const archive = openPth(bytes, file);
  // A stored tensor entry comes back as an untouched view of the sparse buffer: its bytes are read from disk instead.
  const onDisk: PthArchive = {
    ...archive,
    storageName: archive.storageName,
    storage(ref) {
      const data = archive.storage(ref);
      if (!isZip || data.buffer !== bytes.buffer) return data;
      return sparse.slice(data.byteOffset, data.length);
    },
    release: archive.release,
  };
  const describe = (t: TensorRef): TensorInfo => ({ shape: t.size, dtype: TORCH_DTYPE_NAMES[t.storage.dtype] });
  const { tensors, infos, stored, choice } = choose(findCandidates(archive.root), file, options, describe);
  return {
    file,
    format: archive.format,
    tensors: infos,
    stored,
    choice,
    read(name) {
      const ref = tensors.get(name);
      if (ref === undefined) throw new WeightsError(`${file} has no tensor '${name}'`);
      return (isZip && contiguousFloat32(ref, archive, sparse)) || materialiseTensors(onDisk, new Map([[name, ref]]), file).get(name)!;
    },
    close: () => fs.closeSync(sparse.fd),
  };
}

/**
 * The common case read straight from disk into its Float32Array: a float32 tensor, row-major and inside its stored
 * zip entry. Anything else (strides, other dtypes, deflated entries) goes through pth.ts's checks and decoding.
 */
function contiguousFloat32(ref: TensorRef, archive: PthArchive, sparse: SparseFile): TensorData | undefined {
  const { storage, size, stride } = ref;
  if (storage.dtype !== 'float32') return undefined;
  let expected = 1;
  for (let d = size.length - 1; d >= 0; d--) {
    if (size[d] !== 1 && stride[d] !== expected) return undefined;
    expected *= size[d]!;
  }
  const count = expected;
  const entry = archive.storage(storage);
  if (entry.buffer !== sparse.bytes.buffer) return undefined;
  const first = storage.viewOffsetElements + ref.storageOffsetElements;
  if (count === 0 || first < 0 || (first + count) * 4 > entry.length || ref.storageOffsetElements + count > storage.viewNumel) return undefined;
  return { shape: size, data: sparse.floats(entry.byteOffset + first * 4, count), sourceDtype: TORCH_DTYPE_NAMES.float32 };
}
