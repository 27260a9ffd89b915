/**
 * Image decoding for classification: bytes in, 8-bit RGB out, the same pixels as Pillow's
 * `Image.open(path).convert("RGB")` (what torchvision's reference pipeline starts from).
 * The format is sniffed from the magic bytes, never from the file name. Sizes are read from the header and checked
 * against Pillow's decompression-bomb limit before any pixel is decoded. Every failure is an `InputError` that says
 * what was wrong and which formats are accepted.
 */
import { InputError } from '../errors';
import { decodeBmp } from './bmp';
import { decodeGif } from './gif';
import { decodeJpeg } from './jpeg';
import { decodePng, PNG_SIGNATURE } from './png';

export type ImageFormat = 'jpeg' | 'png' | 'bmp' | 'gif';

export interface RgbImage {
  readonly widthPx: number;
  readonly heightPx: number;
  /** Interleaved R, G, B bytes, row-major, widthPx · heightPx · 3 long. */
  readonly data: Uint8Array;
  readonly format: ImageFormat;
  /** The file's mode as Pillow names it before convert("RGB"): "1", "L", "P", "RGB", "RGBA", "LA", "CMYK", "I;16". */
  readonly mode: string;
}

/**
 * Pillow's `Image.MAX_IMAGE_PIXELS` (int(1024 · 1024 · 1024 // 4 // 3)). Pillow warns above it and refuses above twice
 * it; we refuse above it.
 */
export const MAX_IMAGE_PIXELS = 89_478_485;

export const ACCEPTED_FORMATS =
  'JPEG (baseline or progressive; gray, RGB or CMYK), PNG (any bit depth, palette, alpha, interlaced), BMP and GIF (the first frame)';

/** The decompression-bomb guard, run on the header's size before decoding. */
export function checkImageSize(widthPx: number, heightPx: number, source: string): void {
  const pixels = widthPx * heightPx;
  if (pixels > MAX_IMAGE_PIXELS) {
    throw new InputError(
      `${source}: the image is ${widthPx}x${heightPx} = ${pixels.toLocaleString('en-US')} pixels, over the limit of ` +
        `${MAX_IMAGE_PIXELS.toLocaleString('en-US')} pixels (Pillow's Image.MAX_IMAGE_PIXELS decompression-bomb guard); it was not decoded`,
    );
  }
}

function startsWith(bytes: Uint8Array, prefix: readonly number[] | string, at = 0): boolean {
  const codes = typeof prefix === 'string' ? Array.from(prefix, (ch) => ch.charCodeAt(0)) : prefix;
  if (bytes.length < at + codes.length) return false;
  return codes.every((code, i) => bytes[at + i] === code);
}

/** Names a format we recognize but do not decode, or describes what the bytes look like. */
function describeUnknown(bytes: Uint8Array): string {
  if (startsWith(bytes, 'RIFF') && startsWith(bytes, 'WEBP', 8)) return 'it is a WebP image, which is not supported';
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return 'it is a TIFF image, which is not supported';
  if (startsWith(bytes, 'ftyp', 4)) return 'it is an HEIF/AVIF/MP4-family file, which is not supported';
  if (startsWith(bytes, [0xff, 0xd8])) return 'it starts like a JPEG but is corrupt';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47])) return 'it starts like a PNG but its signature is corrupt';
  const head = bytes.subarray(0, 512);
  let printable = 0;
  for (const b of head) if (b === 9 || b === 10 || b === 13 || (b >= 0x20 && b < 0x7f) || b >= 0x80) printable++;
  if (printable === head.length) return 'it looks like a text file';
  return 'its first bytes match no known image format';
}

/**
 * Decodes an image file to RGB exactly as Pillow's `Image.open(...).convert("RGB")` would (see png.ts, jpeg.ts,
 * bmp.ts for each format's rules). `source` names the file in error messages.
 */
export function decodeImage(bytes: Uint8Array, source: string): RgbImage {
  if (bytes.length === 0) throw new InputError(`${source}: the file is empty (0 bytes); accepted formats: ${ACCEPTED_FORMATS}`);
  const checkPixels = (widthPx: number, heightPx: number): void => checkImageSize(widthPx, heightPx, source);
  if (startsWith(bytes, PNG_SIGNATURE)) {
    const png = decodePng(bytes, source, checkPixels);
    return { widthPx: png.widthPx, heightPx: png.heightPx, data: png.rgb, format: 'png', mode: png.mode };
  }
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) {
    const jpeg = decodeJpeg(bytes, source, checkPixels);
    return { widthPx: jpeg.widthPx, heightPx: jpeg.heightPx, data: jpeg.rgb, format: 'jpeg', mode: jpeg.mode };
  }
  if (startsWith(bytes, 'BM')) {
    const bmp = decodeBmp(bytes, source, checkPixels);
    return { widthPx: bmp.widthPx, heightPx: bmp.heightPx, data: bmp.rgb, format: 'bmp', mode: bmp.mode };
  }
  if (startsWith(bytes, 'GIF87a') || startsWith(bytes, 'GIF89a')) {
    const gif = decodeGif(bytes, source, checkPixels);
    return { widthPx: gif.widthPx, heightPx: gif.heightPx, data: gif.rgb, format: 'gif', mode: gif.mode };
  }
  throw new InputError(`${source}: not a supported image (${describeUnknown(bytes)}); accepted formats: ${ACCEPTED_FORMATS}`);
}
