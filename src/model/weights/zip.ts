/**
 * A minimal, defensive ZIP reader: just enough for PyTorch's zip checkpoints (torch.save since 1.6).
 *
 * Format: PKWARE APPNOTE.TXT. The reader starts from the end of central directory record (EOCD, §4.3.16), follows the
 * ZIP64 locator and record when present (§4.3.14–15; torch's writer, miniz via caffe2's PyTorchStreamWriter, always
 * writes them), walks the central directory (§4.3.12) and only then looks at each local header (§4.3.7) to find
 * where the data starts. Sizes come from the central directory because torch sets general-purpose bit 3 (sizes in a
 * trailing data descriptor) and writes zeros in the local headers.
 *
 * torch stores entries uncompressed and 64-byte aligned, so a stored entry is returned as a subarray of the input (no
 * copy); deflate is supported for archives rewritten by other tools. CRCs are not checked: a flipped byte in a tensor
 * is not this reader's business, and every length and offset is bounds-checked before use, so corrupt input can only
 * end in a WeightsError.
 */
import { inflateRawSync } from 'node:zlib';
import { WeightsError } from '../errors';

export interface ZipEntry {
  readonly name: string;
  /** 0 = stored, 8 = deflate; anything else is refused when the archive is opened. */
  readonly method: 0 | 8;
  readonly compressedSizeBytes: number;
  readonly uncompressedSizeBytes: number;
  readonly localHeaderOffsetBytes: number;
}

export interface ZipArchive {
  /** Entries by name, in central-directory order. */
  readonly entries: ReadonlyMap<string, ZipEntry>;
  /** The entry's bytes: a subarray of the archive for stored entries, a new buffer for deflated ones. */
  read(entry: ZipEntry): Uint8Array;
}

const EOCD_SIGNATURE = 0x06054b50;
const EOCD_SIZE_BYTES = 22;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_LOCATOR_SIZE_BYTES = 20;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const ZIP64_EOCD_SIZE_BYTES = 56;
const CENTRAL_SIGNATURE = 0x02014b50;
const CENTRAL_SIZE_BYTES = 46;
const LOCAL_SIGNATURE = 0x04034b50;
const LOCAL_SIZE_BYTES = 30;
const ZIP64_EXTRA_ID = 0x0001;
/** The EOCD ends with a comment of at most 65,535 bytes, so it starts within this distance of the end. */
const MAX_EOCD_SEARCH_BYTES = EOCD_SIZE_BYTES + 0xffff;
/** Deflate cannot compress better than about 1032:1 (zlib's technical notes); a larger claim is a zip bomb or junk. */
const MAX_DEFLATE_RATIO = 1032;

function fail(source: string, what: string): never {
  throw new WeightsError(`${source} is not a valid zip archive (the format of PyTorch ≥ 1.6 checkpoints): ${what}`);
}

/** Reads a little-endian uint64 as a number, refusing values above 2^53 (no real file is that large). */
function readUint64(view: DataView, offset: number, source: string, what: string): number {
  const low = view.getUint32(offset, true);
  const high = view.getUint32(offset + 4, true);
  if (high >= 0x200000) fail(source, `${what} (${high} · 2^32 + ${low}) is too large`);
  return high * 0x100000000 + low;
}

function findEocd(view: DataView, source: string): number {
  const lowest = Math.max(0, view.byteLength - MAX_EOCD_SEARCH_BYTES);
  for (let at = view.byteLength - EOCD_SIZE_BYTES; at >= lowest; at--) {
    // A comment could contain the signature; accept the first candidate whose comment length reaches the end exactly.
    if (view.getUint32(at, true) === EOCD_SIGNATURE && at + EOCD_SIZE_BYTES + view.getUint16(at + 20, true) === view.byteLength) {
      return at;
    }
  }
  return fail(source, 'no end-of-central-directory record (the file is truncated or not a zip)');
}

/** A name that could escape an extraction folder, or that no sane writer produces, is refused for the whole archive. */
function checkEntryName(name: string, source: string): void {
  if (name.length === 0) fail(source, 'an entry has an empty name');
  if (name.includes('\0')) fail(source, `entry name ${JSON.stringify(name)} contains a NUL character`);
  if (name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name)) {
    fail(source, `entry name ${JSON.stringify(name)} is an absolute path; accepted are relative names such as "archive/data.pkl"`);
  }
  if (name.split(/[/\\]/).includes('..')) {
    fail(source, `entry name ${JSON.stringify(name)} contains "..", which would escape the archive's folder`);
  }
}

interface Zip64Fields {
  uncompressedSizeBytes: number;
  compressedSizeBytes: number;
  localHeaderOffsetBytes: number;
}

/** Applies the ZIP64 extended-information extra field (APPNOTE §4.5.3): 8-byte values for the fields saturated at 0xFFFFFFFF, in this order. */
function applyZip64Extra(view: DataView, extraStart: number, extraEnd: number, fields: Zip64Fields, name: string, source: string): void {
  const needed: (keyof Zip64Fields)[] = [];
  if (fields.uncompressedSizeBytes === 0xffffffff) needed.push('uncompressedSizeBytes');
  if (fields.compressedSizeBytes === 0xffffffff) needed.push('compressedSizeBytes');
  if (fields.localHeaderOffsetBytes === 0xffffffff) needed.push('localHeaderOffsetBytes');
  if (needed.length === 0) return;
  for (let at = extraStart; at + 4 <= extraEnd;) {
    const id = view.getUint16(at, true);
    const size = view.getUint16(at + 2, true);
    const dataStart = at + 4;
    if (dataStart + size > extraEnd) break;
    if (id === ZIP64_EXTRA_ID) {
      if (size < needed.length * 8) fail(source, `entry ${JSON.stringify(name)} has a ZIP64 extra field of ${size} bytes; it needs ${needed.length * 8}`);
      needed.forEach((field, i) => {
        fields[field] = readUint64(view, dataStart + i * 8, source, `entry ${JSON.stringify(name)}'s ZIP64 ${field}`);
      });
      return;
    }
    at = dataStart + size;
  }
  fail(source, `entry ${JSON.stringify(name)} has a size or offset of 0xFFFFFFFF but no ZIP64 extra field`);
}

/** Parses the central directory. Nothing is decompressed until `read` is called. */
export function openZip(bytes: Uint8Array, source = 'the file'): ZipArchive {
  if (bytes.length < EOCD_SIZE_BYTES) fail(source, `it has ${bytes.length} bytes, fewer than the 22-byte end-of-central-directory record`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = findEocd(view, source);
  let entryCount = view.getUint16(eocd + 10, true);
  let directorySizeBytes = view.getUint32(eocd + 12, true);
  let directoryOffsetBytes = view.getUint32(eocd + 16, true);
  if (view.getUint16(eocd + 4, true) !== 0 || view.getUint16(eocd + 6, true) !== 0) fail(source, 'it spans several disks; accepted is a single-file archive');
  /** The central directory must end where the records after it begin. */
  let directoryLimit = eocd;

  const locator = eocd - ZIP64_LOCATOR_SIZE_BYTES;
  if (locator >= 0 && view.getUint32(locator, true) === ZIP64_LOCATOR_SIGNATURE) {
    const record = readUint64(view, locator + 8, source, 'the ZIP64 end-of-central-directory offset');
    if (record + ZIP64_EOCD_SIZE_BYTES > locator)
      fail(source, `the ZIP64 end-of-central-directory record at byte ${record} runs past the locator at byte ${locator}`);
    if (view.getUint32(record, true) !== ZIP64_EOCD_SIGNATURE) fail(source, `no ZIP64 end-of-central-directory record at byte ${record}`);
    entryCount = readUint64(view, record + 32, source, 'the ZIP64 entry count');
    directorySizeBytes = readUint64(view, record + 40, source, 'the ZIP64 central-directory size');
    directoryOffsetBytes = readUint64(view, record + 48, source, 'the ZIP64 central-directory offset');
    directoryLimit = record;
  } else if (entryCount === 0xffff || directorySizeBytes === 0xffffffff || directoryOffsetBytes === 0xffffffff) {
    fail(source, 'the end-of-central-directory record points to ZIP64 values but there is no ZIP64 locator');
  }
  if (directoryOffsetBytes + directorySizeBytes > directoryLimit) {
    fail(source, `the central directory (${directorySizeBytes} bytes at byte ${directoryOffsetBytes}) runs past byte ${directoryLimit}`);
  }
  if (entryCount * CENTRAL_SIZE_BYTES > directorySizeBytes) {
    fail(source, `${entryCount} entries cannot fit in a ${directorySizeBytes}-byte central directory`);
  }

  const entries = new Map<string, ZipEntry>();
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const directoryEnd = directoryOffsetBytes + directorySizeBytes;
  let at = directoryOffsetBytes;
  for (let i = 0; i < entryCount; i++) {
    if (at + CENTRAL_SIZE_BYTES > directoryEnd || view.getUint32(at, true) !== CENTRAL_SIGNATURE) {
      fail(source, `central-directory entry ${i} at byte ${at} is missing or damaged`);
    }
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const nameStart = at + CENTRAL_SIZE_BYTES;
    const extraStart = nameStart + nameLength;
    const next = extraStart + extraLength + commentLength;
    if (next > directoryEnd) fail(source, `central-directory entry ${i} runs past the end of the central directory`);
    let name: string;
    try {
      name = utf8.decode(bytes.subarray(nameStart, extraStart));
    } catch {
      return fail(source, `central-directory entry ${i} has a name that is not UTF-8`);
    }
    checkEntryName(name, source);
    if (flags & 0x1) fail(source, `entry ${JSON.stringify(name)} is encrypted; accepted are plain entries`);
    if (method !== 0 && method !== 8) fail(source, `entry ${JSON.stringify(name)} uses compression method ${method}; accepted are 0 (stored) and 8 (deflate)`);
    const fields: Zip64Fields = {
      compressedSizeBytes: view.getUint32(at + 20, true),
      uncompressedSizeBytes: view.getUint32(at + 24, true),
      localHeaderOffsetBytes: view.getUint32(at + 42, true),
    };
    applyZip64Extra(view, extraStart, extraStart + extraLength, fields, name, source);
    if (method === 0 && fields.compressedSizeBytes !== fields.uncompressedSizeBytes) {
      fail(
        source,
        `stored entry ${JSON.stringify(name)} declares ${fields.compressedSizeBytes} stored bytes but ${fields.uncompressedSizeBytes} uncompressed bytes`,
      );
    }
    if (method === 8 && fields.uncompressedSizeBytes > fields.compressedSizeBytes * MAX_DEFLATE_RATIO + 64) {
      fail(
        source,
        `deflated entry ${JSON.stringify(name)} claims ${fields.uncompressedSizeBytes} bytes from ${fields.compressedSizeBytes}, more than deflate can produce`,
      );
    }
    if (fields.localHeaderOffsetBytes + LOCAL_SIZE_BYTES + fields.compressedSizeBytes > directoryOffsetBytes) {
      fail(
        source,
        `entry ${JSON.stringify(name)} (${fields.compressedSizeBytes} bytes at byte ${fields.localHeaderOffsetBytes}) runs into the central directory at byte ${directoryOffsetBytes}`,
      );
    }
    if (entries.has(name)) fail(source, `two entries are named ${JSON.stringify(name)}`);
    entries.set(name, { name, method, ...fields });
    at = next;
  }

  const read = (entry: ZipEntry): Uint8Array => {
    const local = entry.localHeaderOffsetBytes;
    if (view.getUint32(local, true) !== LOCAL_SIGNATURE) fail(source, `entry ${JSON.stringify(entry.name)} has no local header at byte ${local}`);
    const nameLength = view.getUint16(local + 26, true);
    const extraLength = view.getUint16(local + 28, true);
    const dataStart = local + LOCAL_SIZE_BYTES + nameLength + extraLength;
    const dataEnd = dataStart + entry.compressedSizeBytes;
    if (dataEnd > directoryOffsetBytes)
      fail(source, `entry ${JSON.stringify(entry.name)}'s data (${entry.compressedSizeBytes} bytes at byte ${dataStart}) runs into the central directory`);
    // The local name must repeat the central one; a mismatch means the two directories disagree about the contents.
    const localName = bytes.subarray(local + LOCAL_SIZE_BYTES, local + LOCAL_SIZE_BYTES + nameLength);
    const centralName = new TextEncoder().encode(entry.name);
    if (localName.length !== centralName.length || !localName.every((b, i) => b === centralName[i])) {
      fail(source, `entry ${JSON.stringify(entry.name)}'s local header names a different file`);
    }
    const data = bytes.subarray(dataStart, dataEnd);
    if (entry.method === 0) return data;
    if (entry.uncompressedSizeBytes === 0) return new Uint8Array(0);
    let inflated: Buffer;
    try {
      inflated = inflateRawSync(data, { maxOutputLength: entry.uncompressedSizeBytes });
    } catch (error) {
      return fail(
        source,
        `entry ${JSON.stringify(entry.name)} does not inflate to its declared ${entry.uncompressedSizeBytes} bytes (${(error as Error).message})`,
      );
    }
    if (inflated.length !== entry.uncompressedSizeBytes) {
      fail(source, `entry ${JSON.stringify(entry.name)} inflates to ${inflated.length} bytes, not the declared ${entry.uncompressedSizeBytes}`);
    }
    return new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.length);
  };
  return { entries, read };
}
