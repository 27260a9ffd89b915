/**
 * GIF reader that gives what Pillow 9.4's `Image.open(f).convert("RGB")` gives: the first frame (GifImagePlugin.py
 * `_open`, `_seek(0)`, `load_prepare`; GifDecode.c for the LZW stream).
 *  - The canvas is the logical screen, grown to hold the first frame if it reaches past it; pixels outside the frame
 *    are palette index 0, or the frame's transparency index when its Graphic Control Extension sets one.
 *  - The frame's palette is its local table if it has one, else the global table. A table that is exactly the gray
 *    ramp (entry i = (i, i, i)), or no table at all, makes the image mode "L": each index is its own gray level.
 *    Otherwise mode "P": index → the table's colour; indices past the table get the gray ramp (i, i, i), which is
 *    where Pillow's palette starts.
 *  - LZW: codes LSB-first from the concatenated data sub-blocks, code size from min+1 up to 12, clear and
 *    end-of-information codes, a full table kept until the next clear (deferred clear). Interlaced frames fill rows
 *    in the four passes 0/8, 4/8, 2/4, 1/2.
 * A stream that ends (or reaches its end code) before every pixel of the frame is decoded is refused, as Pillow
 * refuses it ("image file is truncated"); so is a file with no image.
 */
import { InputError } from '../errors';

export interface DecodedGif {
  readonly widthPx: number;
  readonly heightPx: number;
  readonly rgb: Uint8Array;
  readonly mode: 'P' | 'L';
}

function fail(source: string, what: string): never {
  throw new InputError(`${source}: ${what}`);
}

const TRUNCATED = 'GIF file is truncated or corrupt';

/** Pillow's `_is_palette_needed`: false when entry i is (i, i, i) for every entry. */
function isGrayRamp(table: Uint8Array): boolean {
  for (let i = 0; i < table.length / 3; i++) if (table[3 * i] !== i || table[3 * i + 1] !== i || table[3 * i + 2] !== i) return false;
  return true;
}

export function decodeGif(bytes: Uint8Array, source: string, checkPixels: (widthPx: number, heightPx: number) => void): DecodedGif {
  const u16 = (at: number): number => bytes[at]! | (bytes[at + 1]! << 8);
  if (bytes.length < 13) fail(source, `${TRUNCATED} (it ends inside the header)`);
  const screenW = u16(6);
  const screenH = u16(8);
  const screenFlags = bytes[10]!;
  let at = 13;
  let globalTable: Uint8Array | undefined;
  if (screenFlags & 0x80) {
    const n = 3 << ((screenFlags & 7) + 1);
    if (at + n > bytes.length) fail(source, `${TRUNCATED} (it ends inside the global colour table)`);
    globalTable = bytes.subarray(at, at + n);
    at += n;
  }
  /** Concatenates data sub-blocks from `at`; returns the data and where the terminator ends. */
  const subBlocks = (from: number): { data: Uint8Array; end: number; complete: boolean } => {
    const parts: Uint8Array[] = [];
    let p = from;
    let total = 0;
    while (p < bytes.length) {
      const size = bytes[p]!;
      p++;
      if (size === 0) return { data: concat(parts, total), end: p, complete: true };
      const part = bytes.subarray(p, Math.min(p + size, bytes.length));
      parts.push(part);
      total += part.length;
      p += size;
    }
    return { data: concat(parts, total), end: bytes.length, complete: false };
  };
  let transparency: number | undefined;
  // Blocks until the first image descriptor (GifImagePlugin `_seek`: unknown bytes are skipped one at a time).
  for (;;) {
    if (at >= bytes.length || bytes[at] === 0x3b) fail(source, 'the GIF file has no image');
    const introducer = bytes[at]!;
    at++;
    if (introducer === 0x21) {
      const label = bytes[at];
      const first = at + 1 < bytes.length ? bytes[at + 1]! : 0;
      if (label === 0xf9 && first >= 4 && at + 5 < bytes.length) {
        const flags = bytes[at + 2]!;
        transparency = flags & 1 ? bytes[at + 5]! : undefined;
      }
      at = subBlocks(at + 1).end;
    } else if (introducer === 0x2c) {
      break;
    }
  }
  if (at + 9 > bytes.length) fail(source, `${TRUNCATED} (it ends inside the image descriptor)`);
  const x0 = u16(at);
  const y0 = u16(at + 2);
  const frameW = u16(at + 4);
  const frameH = u16(at + 6);
  const flags = bytes[at + 8]!;
  at += 9;
  let frameTable = globalTable;
  if (flags & 0x80) {
    const n = 3 << ((flags & 7) + 1);
    if (at + n > bytes.length) fail(source, `${TRUNCATED} (it ends inside the local colour table)`);
    frameTable = bytes.subarray(at, at + n);
    at += n;
  }
  const widthPx = Math.max(screenW, x0 + frameW);
  const heightPx = Math.max(screenH, y0 + frameH);
  if (widthPx === 0 || heightPx === 0) fail(source, `the GIF image is ${widthPx}x${heightPx} pixels; there is nothing to classify`);
  checkPixels(widthPx, heightPx);
  if (at >= bytes.length) fail(source, `${TRUNCATED} (no image data)`);
  const minCodeSize = bytes[at]!;
  if (minCodeSize < 1 || minCodeSize > 11) fail(source, `the GIF image data starts with an LZW code size of ${minCodeSize}; valid GIFs use 2 to 8`);
  const { data } = subBlocks(at + 1);

  const indices = new Uint8Array(widthPx * heightPx).fill(transparency ?? 0);
  const frameIndices = decodeLzw(data, minCodeSize, frameW * frameH, source);
  const rowOrder = flags & 0x40 ? interlacedRows(frameH) : Array.from({ length: frameH }, (_, y) => y);
  rowOrder.forEach((y, i) => indices.set(frameIndices.subarray(i * frameW, (i + 1) * frameW), (y0 + y) * widthPx + x0));

  const gray = frameTable === undefined || isGrayRamp(frameTable);
  const rgb = new Uint8Array(widthPx * heightPx * 3);
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i]!;
    const o = i * 3;
    if (!gray && 3 * index + 2 < frameTable!.length) {
      rgb[o] = frameTable![3 * index]!;
      rgb[o + 1] = frameTable![3 * index + 1]!;
      rgb[o + 2] = frameTable![3 * index + 2]!;
    } else {
      rgb[o] = rgb[o + 1] = rgb[o + 2] = index;
    }
  }
  return { widthPx, heightPx, rgb, mode: gray ? 'L' : 'P' };
}

function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The frame rows in the order an interlaced GIF stores them. */
function interlacedRows(height: number): number[] {
  const rows: number[] = [];
  for (const [start, step] of [
    [0, 8],
    [4, 8],
    [2, 4],
    [1, 2],
  ] as const)
    for (let y = start; y < height; y += step) rows.push(y);
  return rows;
}

/** GIF's variable-length LZW: exactly `count` indices, or an InputError. */
function decodeLzw(data: Uint8Array, minCodeSize: number, count: number, source: string): Uint8Array {
  const out = new Uint8Array(count);
  const clear = 1 << minCodeSize;
  const end = clear + 1;
  const prefix = new Int16Array(4096);
  const suffix = new Uint8Array(4096);
  const length = new Uint16Array(4096);
  for (let i = 0; i < clear; i++) {
    prefix[i] = -1;
    suffix[i] = i;
    length[i] = 1;
  }
  let codeSize = minCodeSize + 1;
  let next = clear + 2;
  let previous = -1;
  let written = 0;
  let bitPos = 0;
  const totalBits = data.length * 8;
  /** Writes the string of `code` at `written` (clipped to the frame); returns its first index. */
  const emit = (code: number): number => {
    const n = length[code]!;
    let c = code;
    for (let k = n - 1; k >= 0; k--) {
      if (written + k < count) out[written + k] = suffix[c]!;
      c = prefix[c]!;
    }
    let first = code;
    while (prefix[first]! >= 0) first = prefix[first]!;
    written += n;
    return suffix[first]!;
  };
  while (written < count) {
    if (bitPos + codeSize > totalBits) fail(source, `${TRUNCATED}: the image data ends after ${Math.min(written, count)} of ${count} pixels`);
    let code = 0;
    for (let b = 0; b < codeSize; b++, bitPos++) code |= ((data[bitPos >> 3]! >> (bitPos & 7)) & 1) << b;
    if (code === clear) {
      codeSize = minCodeSize + 1;
      next = clear + 2;
      previous = -1;
      continue;
    }
    if (code === end) fail(source, `${TRUNCATED}: the image data ends after ${written} of ${count} pixels`);
    if (previous < 0) {
      if (code >= clear) fail(source, `corrupt GIF image data (code ${code} where a pixel value was expected)`);
      emit(code);
      previous = code;
      continue;
    }
    if (code > next || (code === next && next >= 4096)) fail(source, `corrupt GIF image data (LZW code ${code} is not yet defined)`);
    let first: number;
    if (code < next) {
      first = emit(code);
    } else {
      // The KwKwK case: the previous string followed by its own first index.
      let f = previous;
      while (prefix[f]! >= 0) f = prefix[f]!;
      first = suffix[f]!;
      prefix[next] = previous;
      suffix[next] = first;
      length[next] = length[previous]! + 1;
      emit(next);
      next++;
      if (next === 1 << codeSize && codeSize < 12) codeSize++;
      previous = code;
      continue;
    }
    if (next < 4096) {
      prefix[next] = previous;
      suffix[next] = first;
      length[next] = length[previous]! + 1;
      next++;
      if (next === 1 << codeSize && codeSize < 12) codeSize++;
    }
    previous = code;
  }
  return out;
}
