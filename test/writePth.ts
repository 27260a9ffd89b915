/**
 * Writers for PyTorch checkpoints in both layouts, as torch.save lays them out (see pth.ts for the formats): used to
 * generate large checkpoints for the weight-loading benchmark and well-formed-but-wrong files for tests. Tensors are
 * written as FloatStorage (float32), or LongStorage when their source dtype is an int64 one (num_batches_tracked).
 */
import { crc32, deflateRawSync } from 'node:zlib';
import type { TensorData } from '../src/model/weights/stateDict';

/** Emits pickle opcodes (CPython Lib/pickletools.py); only what a state dict needs, plus raw bytes for crafted tests. */
// One opcode a line (the formatter would make each method three).
// prettier-ignore
export class PickleWriter {
  private readonly chunks: Uint8Array[] = [];
  private readonly encoder = new TextEncoder();

  raw(...bytes: number[]): this {
    this.chunks.push(Uint8Array.from(bytes));
    return this;
  }
  proto(version = 2): this { return this.raw(0x80, version); }
  mark(): this { return this.raw(0x28); }
  stop(): this { return this.raw(0x2e); }
  none(): this { return this.raw(0x4e); }
  bool(value: boolean): this { return this.raw(value ? 0x88 : 0x89); }
  emptyTuple(): this { return this.raw(0x29); }
  tuple(): this { return this.raw(0x74); }
  emptyList(): this { return this.raw(0x5d); }
  appends(): this { return this.raw(0x65); }
  setitems(): this { return this.raw(0x75); }
  reduce(): this { return this.raw(0x52); }
  binpersid(): this { return this.raw(0x51); }

  int(value: number): this {
    if (Number.isInteger(value) && value >= 0 && value < 256) return this.raw(0x4b, value);
    if (Number.isInteger(value) && value >= 0 && value < 65536) return this.raw(0x4d, value & 0xff, value >> 8);
    if (Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31) {
      const bytes = new Uint8Array(5);
      bytes[0] = 0x4a;
      new DataView(bytes.buffer).setInt32(1, value, true);
      this.chunks.push(bytes);
      return this;
    }
    return this.long(BigInt(value));
  }

  /** LONG1: two's-complement little-endian. */
  long(value: bigint): this {
    const bytes: number[] = [];
    let rest = value;
    do {
      bytes.push(Number(rest & 0xffn));
      rest >>= 8n;
    } while (!((rest === 0n && (bytes[bytes.length - 1]! & 0x80) === 0) || (rest === -1n && (bytes[bytes.length - 1]! & 0x80) !== 0)));
    return this.raw(0x8a, bytes.length, ...bytes);
  }

  string(value: string): this {
    const text = this.encoder.encode(value);
    const header = new Uint8Array(5);
    header[0] = 0x58; // BINUNICODE
    new DataView(header.buffer).setUint32(1, text.length, true);
    this.chunks.push(header, text);
    return this;
  }

  /** GLOBAL 'module\nname\n'. */
  global(module: string, name: string): this {
    this.raw(0x63);
    this.chunks.push(this.encoder.encode(`${module}\n${name}\n`));
    return this;
  }

  bytes(): Uint8Array {
    return concatBytes(this.chunks);
  }
}

/** The chunks, one after another, in one array. */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

const isInt64 = (tensor: TensorData): boolean => /int64|I64|long/i.test(tensor.sourceDtype);

/** Raw little-endian storage bytes of a tensor: float32, or int64 for integer tensors. */
function storageBytes(tensor: TensorData): Uint8Array {
  if (!isInt64(tensor)) return new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
  const out = new Uint8Array(tensor.data.length * 8);
  const view = new DataView(out.buffer);
  tensor.data.forEach((value, i) => view.setBigInt64(i * 8, BigInt(Math.trunc(value)), true));
  return out;
}

const rowMajorStrides = (shape: readonly number[]): number[] => {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = stride;
    stride *= shape[d]!;
  }
  return strides;
};

/**
 * The pickle of `OrderedDict(name → _rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict()))` with persistent
 * ids `('storage', torch.FloatStorage|LongStorage, key, 'cpu', numel[, None])`, storage keys '0', '1', … in order.
 */
export function pickleStateDict(stateDict: ReadonlyMap<string, TensorData>, options: { legacyPersistentIds?: boolean } = {}): Uint8Array {
  const w = new PickleWriter().proto(2).global('collections', 'OrderedDict').emptyTuple().reduce().mark();
  let key = 0;
  for (const [name, tensor] of stateDict) {
    w.string(name).global('torch._utils', '_rebuild_tensor_v2').mark();
    w.mark()
      .string('storage')
      .global('torch', isInt64(tensor) ? 'LongStorage' : 'FloatStorage')
      .string(String(key++))
      .string('cpu')
      .int(tensor.data.length);
    if (options.legacyPersistentIds) w.none();
    w.tuple().binpersid().int(0);
    w.mark();
    for (const n of tensor.shape) w.int(n);
    w.tuple().mark();
    for (const s of rowMajorStrides(tensor.shape)) w.int(s);
    w.tuple().bool(false).global('collections', 'OrderedDict').emptyTuple().reduce().tuple().reduce();
  }
  return w.setitems().stop().bytes();
}

export interface ZipFileEntry {
  readonly name: string;
  readonly data: Uint8Array;
  /** Already-deflated data and the size it declares (a deflate bomb, or a lying size); `data` is then ignored. */
  readonly deflated?: { readonly bytes: Uint8Array; readonly declaredSize: number };
}

/** Byte alignment of entry data, as torch writes it (caffe2/serialize/inline_container.cc kFieldAlignment). */
const ALIGNMENT_BYTES = 64;

/**
 * A zip of stored entries whose data start on 64-byte boundaries (padding in a 'FB' extra field, as torch does), with
 * ZIP64 end records. `zip64Entries` also writes every size and offset through ZIP64 extra fields (as torch does for
 * files over 4 GiB) and `deflate` compresses every entry (torch never does; other zip tools may), to exercise those paths.
 */
export function writeZip(entries: readonly ZipFileEntry[], options: { zip64Entries?: boolean; deflate?: boolean } = {}): Uint8Array {
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = encoder.encode(entry.name);
    const crc = entry.deflated ? 0 : crc32(entry.data);
    const stored = entry.deflated ? entry.deflated.bytes : options.deflate === true ? deflateRawSync(entry.data) : entry.data;
    const method = entry.deflated || options.deflate === true ? 8 : 0;
    const size = entry.deflated ? entry.deflated.declaredSize : entry.data.length;
    const unpadded = offset + 30 + name.length + 4;
    const padding = (ALIGNMENT_BYTES - (unpadded % ALIGNMENT_BYTES)) % ALIGNMENT_BYTES;
    const local = new Uint8Array(30 + name.length + 4 + padding);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, method, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, stored.length, true);
    lv.setUint32(22, size, true);
    lv.setUint16(26, name.length, true);
    lv.setUint16(28, 4 + padding, true);
    local.set(name, 30);
    lv.setUint16(30 + name.length, 0x4246, true); // 'FB'
    lv.setUint16(32 + name.length, padding, true);
    local.fill(0x5a, 34 + name.length); // 'Z'
    chunks.push(local, stored);

    const zip64 = options.zip64Entries === true;
    const record = new Uint8Array(46 + name.length + (zip64 ? 28 : 0));
    const cv = new DataView(record.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 45, true);
    cv.setUint16(6, zip64 ? 45 : 20, true);
    cv.setUint16(10, method, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, zip64 ? 0xffffffff : stored.length, true);
    cv.setUint32(24, zip64 ? 0xffffffff : size, true);
    cv.setUint16(28, name.length, true);
    cv.setUint16(30, zip64 ? 28 : 0, true);
    cv.setUint32(42, zip64 ? 0xffffffff : offset, true);
    record.set(name, 46);
    if (zip64) {
      const at = 46 + name.length;
      cv.setUint16(at, 0x0001, true);
      cv.setUint16(at + 2, 24, true);
      cv.setBigUint64(at + 4, BigInt(size), true);
      cv.setBigUint64(at + 12, BigInt(stored.length), true);
      cv.setBigUint64(at + 20, BigInt(offset), true);
    }
    central.push(record);
    offset += local.length + stored.length;
  }
  const directoryOffset = offset;
  const directorySize = central.reduce((n, c) => n + c.length, 0);
  const end = new Uint8Array(56 + 20 + 22);
  const ev = new DataView(end.buffer);
  // ZIP64 end of central directory record, then its locator, then the classic record.
  ev.setUint32(0, 0x06064b50, true);
  ev.setBigUint64(4, 44n, true);
  ev.setUint16(12, 45, true);
  ev.setUint16(14, 45, true);
  ev.setBigUint64(24, BigInt(entries.length), true);
  ev.setBigUint64(32, BigInt(entries.length), true);
  ev.setBigUint64(40, BigInt(directorySize), true);
  ev.setBigUint64(48, BigInt(directoryOffset), true);
  ev.setUint32(56, 0x07064b50, true);
  ev.setBigUint64(64, BigInt(directoryOffset + directorySize), true);
  ev.setUint32(72, 1, true);
  ev.setUint32(76, 0x06054b50, true);
  ev.setUint16(84, Math.min(entries.length, 0xffff), true);
  ev.setUint16(86, Math.min(entries.length, 0xffff), true);
  ev.setUint32(88, Math.min(directorySize, 0xffffffff), true);
  ev.setUint32(92, Math.min(directoryOffset, 0xffffffff), true);
  return concatBytes([...chunks, ...central, end]);
}

/** The entries of torch's zip layout for a state dict, in torch's order; tests edit this list to make broken files. */
export function zipCheckpointEntries(stateDict: ReadonlyMap<string, TensorData>, archiveName = 'archive', byteorder = 'little'): ZipFileEntry[] {
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);
  const entries: ZipFileEntry[] = [
    { name: `${archiveName}/data.pkl`, data: pickleStateDict(stateDict) },
    { name: `${archiveName}/.format_version`, data: text('1') },
    { name: `${archiveName}/.storage_alignment`, data: text('64') },
    { name: `${archiveName}/byteorder`, data: text(byteorder) },
  ];
  let key = 0;
  for (const tensor of stateDict.values()) entries.push({ name: `${archiveName}/data/${key++}`, data: storageBytes(tensor) });
  entries.push({ name: `${archiveName}/version`, data: text('3\n') });
  return entries;
}

/** `torch.save(state_dict, f)` in the zip format (torch ≥ 1.6). */
export function writeZipCheckpoint(stateDict: ReadonlyMap<string, TensorData>, archiveName = 'archive'): Uint8Array {
  return writeZip(zipCheckpointEntries(stateDict, archiveName));
}

/** `torch.save(state_dict, f, _use_new_zipfile_serialization=False)`: the legacy format. */
export function writeLegacyCheckpoint(stateDict: ReadonlyMap<string, TensorData>): Uint8Array {
  const magic = new PickleWriter().proto(2).long(0x1950a86a20f9469cfc6cn).stop().bytes();
  const protocol = new PickleWriter().proto(2).int(1001).stop().bytes();
  const sysInfo = new PickleWriter()
    .proto(2)
    .raw(0x7d)
    .mark()
    .string('protocol_version')
    .int(1001)
    .string('little_endian')
    .bool(true)
    .string('type_sizes')
    .raw(0x7d)
    .mark()
    .string('short')
    .int(2)
    .string('int')
    .int(4)
    .string('long')
    .int(4)
    .setitems()
    .setitems()
    .stop()
    .bytes();
  const keys = new PickleWriter().proto(2).emptyList().mark();
  const storages: Uint8Array[] = [];
  let key = 0;
  for (const tensor of stateDict.values()) {
    keys.string(String(key++));
    const count = new Uint8Array(8);
    new DataView(count.buffer).setBigInt64(0, BigInt(tensor.data.length), true);
    storages.push(count, storageBytes(tensor));
  }
  return concatBytes([magic, protocol, sysInfo, pickleStateDict(stateDict, { legacyPersistentIds: true }), keys.appends().stop().bytes(), ...storages]);
}
