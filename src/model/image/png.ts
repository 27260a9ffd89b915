/**
 * PNG reader that gives what Pillow's `Image.open(f).convert("RGB")` gives.
 *
 * Pillow (PngImagePlugin.py `_MODES`) opens a PNG as: 1-bit gray → "1", 2/4/8-bit gray → "L" (2-bit values × 0x55,
 * 4-bit × 0x11), 16-bit gray → "I;16", 8-bit RGB → "RGB", 16-bit RGB → "RGB" from the high byte of each sample
 * (rawmode RGB;16B), palette → "P", 8-bit gray+alpha → "LA", 16-bit gray+alpha → "RGBA" (rawmode LA;16B, high bytes),
 * RGBA → "RGBA" (16-bit: high bytes). `convert("RGB")` (libImaging/Convert.c) then replicates gray (`l2rgb`,
 * `bit2rgb`: 0/255, `la2rgb`), clips I;16 to 255 (`I16_RGB`), looks palette indices up (`p2rgb`; entries past the
 * PLTE are black, as `ImagingPaletteNew` leaves them) and drops alpha without compositing (`rgba2rgb`). tRNS never
 * affects the RGB values.
 *
 * Like Pillow, chunk CRCs are checked up to the image data, IDAT CRCs and anything after the pixel data are not, and
 * pixel data that ends early is an error ("truncated").
 */
import { inflateSync, constants as zlibConstants } from 'node:zlib';
import { InputError } from '../errors';

export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;

export interface PngHeader {
  readonly widthPx: number;
  readonly heightPx: number;
  readonly bitDepth: number;
  readonly colorType: number;
  readonly interlaced: boolean;
}

export interface DecodedPng {
  readonly widthPx: number;
  readonly heightPx: number;
  readonly rgb: Uint8Array;
  /** Pillow's mode name for the image as opened (before convert("RGB")). */
  readonly mode: string;
}

/** Samples per pixel by color type (PNG spec §11.2.2). */
const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Bit depths allowed per color type. */
const DEPTHS: Readonly<Record<number, readonly number[]>> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
/** Deflate's best ratio is about 1032:1; IDAT data shorter than raw/1032 cannot hold the image. */
const MAX_DEFLATE_RATIO = 1032;
/** Adam7 passes: x0, y0, dx, dy. */
// The PNG spec's table, one pass a line.
// prettier-ignore
const ADAM7: readonly (readonly [number, number, number, number])[] = [
  [0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2],
];

let crcTable: Uint32Array | undefined;
function crc32(bytes: Uint8Array, start: number, end: number): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = crcTable[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function u32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

function chunkName(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
}

function fail(source: string, what: string): never {
  throw new InputError(`${source}: ${what}`);
}

/** Reads and validates IHDR (the first chunk), without touching the pixel data. */
export function readPngHeader(bytes: Uint8Array, source: string): PngHeader {
  if (bytes.length < 8 + 8 + 13 + 4) fail(source, 'PNG file is truncated (it ends inside the header)');
  if (chunkName(bytes, 12) !== 'IHDR' || u32(bytes, 8) !== 13) fail(source, 'corrupt PNG file (the first chunk is not a 13-byte IHDR)');
  if (crc32(bytes, 12, 29) !== u32(bytes, 29)) fail(source, 'corrupt PNG file (bad IHDR checksum)');
  const widthPx = u32(bytes, 16);
  const heightPx = u32(bytes, 20);
  const bitDepth = bytes[24]!;
  const colorType = bytes[25]!;
  const interlace = bytes[28]!;
  if (widthPx === 0 || heightPx === 0 || widthPx > 0x7fffffff || heightPx > 0x7fffffff) {
    fail(source, `corrupt PNG file (invalid size ${widthPx}x${heightPx})`);
  }
  const depths = DEPTHS[colorType];
  if (!depths) fail(source, `unsupported PNG color type ${colorType} (accepted: 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA)`);
  if (!depths.includes(bitDepth)) fail(source, `unsupported PNG bit depth ${bitDepth} for color type ${colorType} (accepted: ${depths.join(', ')})`);
  if (bytes[26] !== 0 || bytes[27] !== 0 || interlace > 1) fail(source, 'corrupt PNG file (unknown compression, filter or interlace method)');
  return { widthPx, heightPx, bitDepth, colorType, interlaced: interlace === 1 };
}

/** Pillow's mode for a PNG (PngImagePlugin `_MODES`). */
function pillowMode(header: PngHeader): string {
  const { bitDepth, colorType } = header;
  switch (colorType) {
    case 0:
      return bitDepth === 1 ? '1' : bitDepth === 16 ? 'I;16' : 'L';
    case 2:
      return 'RGB';
    case 3:
      return 'P';
    case 4:
      return bitDepth === 16 ? 'RGBA' : 'LA';
    default:
      return 'RGBA';
  }
}

/** Bytes of one filtered scanline (without its filter byte) for a row of `widthPx` pixels. */
function rowBytes(header: PngHeader, widthPx: number): number {
  return Math.ceil((widthPx * CHANNELS[header.colorType]! * header.bitDepth) / 8);
}

/** Total decompressed size: every (pass) row is a filter byte plus its samples. */
function rawSize(header: PngHeader): number {
  if (!header.interlaced) return header.heightPx * (1 + rowBytes(header, header.widthPx));
  let total = 0;
  for (const [x0, y0, dx, dy] of ADAM7) {
    const w = Math.ceil((header.widthPx - x0) / dx);
    const h = Math.ceil((header.heightPx - y0) / dy);
    if (w > 0 && h > 0) total += h * (1 + rowBytes(header, w));
  }
  return total;
}

/**
 * PNG unfiltering (spec §9): filter types 0 None, 1 Sub, 2 Up, 3 Average, 4 Paeth, with `bpp` = bytes per complete
 * pixel (at least 1). Writes `rows` unfiltered rows of `stride` bytes from `raw` at `offset` into `out`.
 */
function unfilter(raw: Uint8Array, offset: number, rows: number, stride: number, bpp: number, out: Uint8Array, source: string): void {
  for (let y = 0; y < rows; y++) {
    const filter = raw[offset + y * (stride + 1)]!;
    const inAt = offset + y * (stride + 1) + 1;
    const at = y * stride;
    const prev = at - stride;
    switch (filter) {
      case 0:
        out.set(raw.subarray(inAt, inAt + stride), at);
        break;
      case 1:
        for (let i = 0; i < stride; i++) out[at + i] = raw[inAt + i]! + (i >= bpp ? out[at + i - bpp]! : 0);
        break;
      case 2:
        for (let i = 0; i < stride; i++) out[at + i] = raw[inAt + i]! + (y > 0 ? out[prev + i]! : 0);
        break;
      case 3:
        for (let i = 0; i < stride; i++) {
          const left = i >= bpp ? out[at + i - bpp]! : 0;
          const up = y > 0 ? out[prev + i]! : 0;
          out[at + i] = raw[inAt + i]! + ((left + up) >> 1);
        }
        break;
      case 4:
        for (let i = 0; i < stride; i++) {
          const a = i >= bpp ? out[at + i - bpp]! : 0;
          const b = y > 0 ? out[prev + i]! : 0;
          const c = i >= bpp && y > 0 ? out[prev + i - bpp]! : 0;
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          out[at + i] = raw[inAt + i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
        }
        break;
      default:
        fail(source, `corrupt PNG file (unknown scanline filter type ${filter})`);
    }
  }
}

/**
 * Converts `count` pixels of one unfiltered row (at `row`) to RGB at `out[outAt]`, stepping `outStep` bytes per pixel
 * (3 for consecutive pixels, 3·dx for an Adam7 pass), as Pillow's unpacker + convert("RGB") would.
 */
function rowToRgb(
  header: PngHeader,
  palette: Uint8Array,
  row: Uint8Array,
  rowAt: number,
  count: number,
  out: Uint8Array,
  outAt: number,
  outStep: number,
): void {
  const { bitDepth, colorType } = header;
  let o = outAt;
  if (colorType === 0 || colorType === 3) {
    for (let x = 0; x < count; x++, o += outStep) {
      let v: number;
      if (bitDepth === 8) v = row[rowAt + x]!;
      else if (bitDepth === 16) {
        // I;16 → RGB (Convert.c I16_RGB): values above 255 clip to 255.
        const hi = row[rowAt + x * 2]!;
        v = hi === 0 ? row[rowAt + x * 2 + 1]! : 255;
      } else {
        const perByte = 8 / bitDepth;
        const byte = row[rowAt + Math.floor(x / perByte)]!;
        const shift = 8 - bitDepth * ((x % perByte) + 1);
        v = (byte >> shift) & ((1 << bitDepth) - 1);
        // Gray scaling of Pillow's unpackers: "1" → 0/255, "L;2" × 0x55, "L;4" × 0x11; palette indices stay.
        if (colorType === 0) v = bitDepth === 1 ? v * 255 : bitDepth === 2 ? v * 0x55 : v * 0x11;
      }
      if (colorType === 3) {
        out[o] = palette[v * 3]!;
        out[o + 1] = palette[v * 3 + 1]!;
        out[o + 2] = palette[v * 3 + 2]!;
      } else {
        out[o] = v;
        out[o + 1] = v;
        out[o + 2] = v;
      }
    }
    return;
  }
  // Gray+alpha (4), RGB (2), RGBA (6): 8-bit samples, or the high byte of each 16-bit sample.
  const channels = CHANNELS[colorType]!;
  const sampleBytes = bitDepth / 8;
  const pixelBytes = channels * sampleBytes;
  for (let x = 0; x < count; x++, o += outStep) {
    const p = rowAt + x * pixelBytes;
    if (colorType === 4) {
      const v = row[p]!;
      out[o] = v;
      out[o + 1] = v;
      out[o + 2] = v;
    } else {
      out[o] = row[p]!;
      out[o + 1] = row[p + sampleBytes]!;
      out[o + 2] = row[p + 2 * sampleBytes]!;
    }
  }
}

/**
 * Decodes a PNG to RGB. `checkPixels` is called with the header's size before anything large is allocated (the
 * caller's decompression-bomb guard).
 */
export function decodePng(bytes: Uint8Array, source: string, checkPixels: (widthPx: number, heightPx: number) => void): DecodedPng {
  const header = readPngHeader(bytes, source);
  checkPixels(header.widthPx, header.heightPx);

  // Walk the chunks: CRC-check everything before the image data (as Pillow does), collect PLTE and the IDAT run.
  let palette: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  let idatBytes = 0;
  let at = 8;
  let truncated = false;
  let sawIdat = false;
  while (at < bytes.length) {
    if (at + 8 > bytes.length) {
      truncated = true;
      break;
    }
    const length = u32(bytes, at);
    const name = chunkName(bytes, at + 4);
    const dataAt = at + 8;
    if (name === 'IDAT') {
      sawIdat = true;
      // A short last IDAT still gives what it has (its pixels may all be there); the rest is checked below.
      const end = Math.min(bytes.length, dataAt + length);
      idat.push(bytes.subarray(dataAt, end));
      idatBytes += end - dataAt;
      if (dataAt + length + 4 > bytes.length) {
        truncated = true;
        break;
      }
      at = dataAt + length + 4;
      continue;
    }
    if (sawIdat) break; // the image data is over; Pillow ignores what follows
    if (length > 0x7fffffff || dataAt + length + 4 > bytes.length) {
      truncated = true;
      break;
    }
    if (crc32(bytes, at + 4, dataAt + length) !== u32(bytes, dataAt + length))
      fail(source, `corrupt PNG file (bad checksum in the ${JSON.stringify(name)} chunk)`);
    if (name === 'IEND') break;
    if (name === 'PLTE') {
      if (length % 3 !== 0 || length === 0 || length > 768) fail(source, `corrupt PNG file (PLTE chunk of ${length} bytes)`);
      palette = new Uint8Array(768); // entries past the PLTE are black (Pillow's ImagingPaletteNew)
      palette.set(bytes.subarray(dataAt, dataAt + length));
    }
    at = dataAt + length + 4;
  }
  if (!sawIdat) fail(source, truncated ? 'PNG file is truncated (it ends before the image data)' : 'corrupt PNG file (no image data)');
  if (header.colorType === 3 && !palette) fail(source, 'corrupt PNG file (a palette image without a PLTE chunk)');

  const expected = rawSize(header);
  if (idatBytes * MAX_DEFLATE_RATIO < expected) {
    fail(source, `PNG file is truncated or corrupt: ${idatBytes} bytes of compressed data cannot hold a ${header.widthPx}x${header.heightPx} image`);
  }
  let raw: Uint8Array;
  try {
    // Z_SYNC_FLUSH returns what a cut-off stream holds instead of failing; the length check below decides.
    raw = inflateSync(idat.length === 1 ? idat[0]! : Buffer.concat(idat), { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: expected });
  } catch (error) {
    // More data than the header declares (Pillow would ignore the excess; we refuse rather than inflate unbounded).
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') fail(source, 'corrupt PNG file (the image data is larger than its header declares)');
    fail(source, `corrupt PNG file (bad compressed image data: ${(error as Error).message})`);
  }
  if (raw.length < expected) fail(source, `PNG file is truncated (image data holds ${raw.length} of ${expected} bytes)`);

  const { widthPx, heightPx } = header;
  const rgb = new Uint8Array(widthPx * heightPx * 3);
  const bpp = Math.max(1, (CHANNELS[header.colorType]! * header.bitDepth) / 8);
  const paletteBytes = palette ?? new Uint8Array(0);
  if (!header.interlaced) {
    const stride = rowBytes(header, widthPx);
    const rows = new Uint8Array(stride * heightPx);
    unfilter(raw, 0, heightPx, stride, Math.floor(bpp), rows, source);
    for (let y = 0; y < heightPx; y++) rowToRgb(header, paletteBytes, rows, y * stride, widthPx, rgb, y * widthPx * 3, 3);
  } else {
    let offset = 0;
    for (const [x0, y0, dx, dy] of ADAM7) {
      const w = Math.ceil((widthPx - x0) / dx);
      const h = Math.ceil((heightPx - y0) / dy);
      if (w <= 0 || h <= 0) continue;
      const stride = rowBytes(header, w);
      const rows = new Uint8Array(stride * h);
      unfilter(raw, offset, h, stride, Math.floor(bpp), rows, source);
      offset += h * (stride + 1);
      for (let y = 0; y < h; y++) {
        rowToRgb(header, paletteBytes, rows, y * stride, w, rgb, ((y0 + y * dy) * widthPx + x0) * 3, dx * 3);
      }
    }
  }
  return { widthPx, heightPx, rgb, mode: pillowMode(header) };
}
