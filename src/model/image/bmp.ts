/**
 * BMP reader that gives what Pillow's `Image.open(f).convert("RGB")` gives (BmpImagePlugin.py `_bitmap`):
 * BITMAPCOREHEADER (12 bytes, 16-bit sizes, 3-byte palette entries) and BITMAPINFOHEADER and its successors
 * (40/52/56/64/108/124 bytes, 4-byte palette entries); negative height = top-down rows; rows padded to 4 bytes.
 *  - 1/4/8-bit: palette indices (Pillow "P", or "1"/"L" when the palette is the identity gray ramp — same RGB either
 *    way); `colors` 0 means 2^bits entries; indices past the palette are black.
 *  - 16-bit: BI_RGB is 5-5-5 ("BGR;15"), BI_BITFIELDS 5-6-5 or 5-5-5; each channel v·255 / max, truncated
 *    (Unpack.c ImagingUnpackBGR15/BGR16).
 *  - 24-bit: B, G, R. 32-bit: B, G, R, X (BI_RGB), or one of Pillow's supported BI_BITFIELDS layouts; alpha dropped.
 * RLE-compressed BMPs are refused.
 */
import { fail } from './fail';

export interface DecodedBmp {
  readonly widthPx: number;
  readonly heightPx: number;
  readonly rgb: Uint8Array;
  readonly mode: string;
}

const TRUNCATED = 'BMP file is truncated';

/** Pillow's supported BI_BITFIELDS masks (r, g, b[, a]) → byte offsets of R, G, B within a 32-bit little-endian pixel. */
const MASKS_32: readonly { masks: readonly [number, number, number, number]; rgb: readonly [number, number, number]; alpha: boolean }[] = [
  { masks: [0xff0000, 0xff00, 0xff, 0x0], rgb: [2, 1, 0], alpha: false }, // BGRX
  { masks: [0xff000000, 0xff0000, 0xff00, 0x0], rgb: [3, 2, 1], alpha: false }, // XBGR
  { masks: [0xff000000, 0xff00, 0xff, 0x0], rgb: [3, 1, 0], alpha: false }, // BGXR
  { masks: [0xff000000, 0xff0000, 0xff00, 0xff], rgb: [3, 2, 1], alpha: true }, // ABGR
  { masks: [0xff, 0xff00, 0xff0000, 0xff000000], rgb: [0, 1, 2], alpha: true }, // RGBA
  { masks: [0xff0000, 0xff00, 0xff, 0xff000000], rgb: [2, 1, 0], alpha: true }, // BGRA
  { masks: [0x0, 0x0, 0x0, 0x0], rgb: [2, 1, 0], alpha: true }, // BGRA
];

export function decodeBmp(bytes: Uint8Array, source: string, checkPixels: (widthPx: number, heightPx: number) => void): DecodedBmp {
  if (bytes.length < 14 + 12) fail(source, `${TRUNCATED} (it ends inside the header)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  let widthPx: number;
  let heightPx: number;
  let bits: number;
  let compression = 0;
  let colors = 0;
  let paletteEntryBytes = 4;
  let topDown = false;
  let masks: [number, number, number, number] = [0, 0, 0, 0];
  if (headerSize === 12) {
    widthPx = view.getUint16(18, true);
    heightPx = view.getUint16(20, true);
    bits = view.getUint16(24, true);
    paletteEntryBytes = 3;
  } else if ([40, 52, 56, 64, 108, 124].includes(headerSize)) {
    if (bytes.length < 14 + 40) fail(source, `${TRUNCATED} (it ends inside the header)`);
    widthPx = view.getInt32(18, true);
    const rawHeight = view.getInt32(22, true);
    topDown = rawHeight < 0;
    heightPx = Math.abs(rawHeight);
    bits = view.getUint16(28, true);
    compression = view.getUint32(30, true);
    colors = view.getUint32(46, true);
    if (compression === 3) {
      // BI_BITFIELDS: masks follow a 40-byte header (or are inside a larger one); alpha only from 52 bytes up.
      const at = 14 + 40;
      if (bytes.length < at + 12) fail(source, `${TRUNCATED} (it ends inside the header)`);
      masks = [view.getUint32(at, true), view.getUint32(at + 4, true), view.getUint32(at + 8, true), 0];
      if (headerSize >= 52 && bytes.length >= at + 16) masks[3] = view.getUint32(at + 12, true);
    } else if (compression === 1 || compression === 2) {
      fail(source, 'unsupported BMP: RLE compression (accepted: uncompressed BMP)');
    } else if (compression !== 0) {
      fail(source, `unsupported BMP compression ${compression} (accepted: uncompressed BMP)`);
    }
  } else {
    fail(source, `unsupported BMP header size ${headerSize} (accepted: 12, 40, 52, 56, 64, 108, 124)`);
  }
  if (widthPx <= 0 || heightPx <= 0) fail(source, `corrupt BMP file (invalid size ${widthPx}x${heightPx})`);
  if (![1, 4, 8, 16, 24, 32].includes(bits)) fail(source, `unsupported BMP pixel depth ${bits} (accepted: 1, 4, 8, 16, 24, 32)`);
  checkPixels(widthPx, heightPx);

  // Palette: 2^bits entries when the header says 0; right after the headers when the data offset says so.
  let palette: Uint8Array | undefined;
  if (bits <= 8) {
    if (colors === 0) colors = 1 << bits;
    if (colors > 65536) fail(source, `unsupported BMP palette size ${colors}`);
    const paletteAt = 14 + headerSize;
    if (offset === paletteAt) offset += 4 * colors;
    if (paletteAt + colors * paletteEntryBytes > bytes.length) fail(source, `${TRUNCATED} (it ends inside the palette)`);
    palette = new Uint8Array(256 * 3); // entries past the palette are black
    for (let i = 0; i < Math.min(colors, 256); i++) {
      const p = paletteAt + i * paletteEntryBytes;
      palette[i * 3] = bytes[p + 2]!;
      palette[i * 3 + 1] = bytes[p + 1]!;
      palette[i * 3 + 2] = bytes[p]!;
    }
  }

  // Pixel layout.
  let layout32: (typeof MASKS_32)[number] | undefined;
  let rgb565 = false;
  if (compression === 3) {
    if (bits === 32) {
      layout32 = MASKS_32.find((m) => m.masks.every((mask, i) => mask === masks[i]));
    } else if (bits === 24 && masks[0] === 0xff0000 && masks[1] === 0xff00 && masks[2] === 0xff) {
      // BGR
    } else if (bits === 16 && masks[0] === 0xf800 && masks[1] === 0x7e0 && masks[2] === 0x1f) {
      rgb565 = true;
    } else if (!(bits === 16 && masks[0] === 0x7c00 && masks[1] === 0x3e0 && masks[2] === 0x1f)) {
      fail(source, 'unsupported BMP bitfields layout');
    }
    if (bits === 32 && !layout32) fail(source, 'unsupported BMP bitfields layout');
  } else if (bits === 32) {
    layout32 = MASKS_32[0];
  }

  const stride = ((widthPx * bits + 31) >>> 3) & ~3;
  if (offset + stride * heightPx > bytes.length)
    fail(source, `${TRUNCATED} (its pixel data holds ${Math.max(0, bytes.length - offset)} of ${stride * heightPx} bytes)`);
  const rgb = new Uint8Array(widthPx * heightPx * 3);
  const grayPalette = palette !== undefined && isGrayRamp(palette, colors);
  for (let y = 0; y < heightPx; y++) {
    const row = offset + (topDown ? y : heightPx - 1 - y) * stride;
    let o = y * widthPx * 3;
    for (let x = 0; x < widthPx; x++, o += 3) {
      if (palette) {
        const index =
          bits === 8 ? bytes[row + x]! : bits === 4 ? (bytes[row + (x >> 1)]! >> (x & 1 ? 0 : 4)) & 15 : (bytes[row + (x >> 3)]! >> (7 - (x & 7))) & 1;
        rgb[o] = palette[index * 3]!;
        rgb[o + 1] = palette[index * 3 + 1]!;
        rgb[o + 2] = palette[index * 3 + 2]!;
      } else if (bits === 24) {
        const p = row + x * 3;
        rgb[o] = bytes[p + 2]!;
        rgb[o + 1] = bytes[p + 1]!;
        rgb[o + 2] = bytes[p]!;
      } else if (bits === 32) {
        const p = row + x * 4;
        rgb[o] = bytes[p + layout32!.rgb[0]]!;
        rgb[o + 1] = bytes[p + layout32!.rgb[1]]!;
        rgb[o + 2] = bytes[p + layout32!.rgb[2]]!;
      } else {
        const pixel = bytes[row + x * 2]! | (bytes[row + x * 2 + 1]! << 8);
        if (rgb565) {
          rgb[o] = Math.trunc((((pixel >> 11) & 31) * 255) / 31);
          rgb[o + 1] = Math.trunc((((pixel >> 5) & 63) * 255) / 63);
        } else {
          rgb[o] = Math.trunc((((pixel >> 10) & 31) * 255) / 31);
          rgb[o + 1] = Math.trunc((((pixel >> 5) & 31) * 255) / 31);
        }
        rgb[o + 2] = Math.trunc(((pixel & 31) * 255) / 31);
      }
    }
  }
  let mode = 'RGB';
  if (palette) mode = grayPalette ? (colors === 2 ? '1' : 'L') : 'P';
  else if (layout32?.alpha) mode = 'RGBA';
  return { widthPx, heightPx, rgb, mode };
}

/** Pillow drops a palette that is the gray ramp (2 colors: black and white) and opens the image as "1" or "L". */
function isGrayRamp(palette: Uint8Array, colors: number): boolean {
  const values = colors === 2 ? [0, 255] : Array.from({ length: Math.min(colors, 256) }, (_, i) => i);
  return values.every((v, i) => palette[i * 3] === v && palette[i * 3 + 1] === v && palette[i * 3 + 2] === v);
}
