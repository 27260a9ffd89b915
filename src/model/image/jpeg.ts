/**
 * JPEG reader that gives what Pillow's `Image.open(f).convert("RGB")` gives. Pillow decodes with libjpeg-turbo at
 * default settings (accurate integer IDCT, fancy upsampling, no block smoothing of complete progressive files), so this
 * reproduces those algorithms exactly:
 *  - Huffman decoding of baseline/extended sequential (SOF0/SOF1) and progressive (SOF2) scans (ITU T.81 F.2, G.1.2),
 *    restart intervals, libjpeg's tolerance of corrupt entropy data (bad codes read as 0, data cut by a marker padded
 *    with zeros);
 *  - `jpeg_idct_islow` (jidctint.c: the Loeffler–Ligtenberg–Moschytz IDCT, CONST_BITS 13, PASS1_BITS 2) with
 *    libjpeg's wrapping range limit table (jdmaster.c `prepare_range_limit_table`);
 *  - jdsample.c chroma upsampling: h2v1/h1v2/h2v2 "fancy" triangle filters, box replication for other integral ratios,
 *    edge rows replicated as jdmainct.c's context rows do;
 *  - jdcolor.c YCbCr→RGB with its 16-bit fixed-point tables, YCCK→CMYK;
 *  - the color space libjpeg infers (jdapimin.c `default_decompress_parms`: JFIF/Adobe markers, component ids).
 * Pillow (JpegImagePlugin.py) opens 1/3/4 components as "L"/"RGB"/"CMYK", always reading CMYK as inverted
 * ("CMYK;I", "assume adobe conventions"), and `convert("RGB")` applies Convert.c `cmyk2rgb`. A file that ends before
 * its EOI marker is "truncated", as Pillow reports it.
 * Not supported (refused with a message): arithmetic coding, lossless and hierarchical JPEG, 12-bit samples,
 * 2-component images.
 */
import { fail } from './fail';

export interface JpegHeader {
  readonly widthPx: number;
  readonly heightPx: number;
  readonly components: number;
  readonly progressive: boolean;
}

export interface DecodedJpeg {
  readonly widthPx: number;
  readonly heightPx: number;
  readonly rgb: Uint8Array;
  /** Pillow's mode: "L", "RGB" or "CMYK". */
  readonly mode: 'L' | 'RGB' | 'CMYK';
  readonly progressive: boolean;
}

/** Zigzag position → natural (row-major) index, padded with 63 as libjpeg's `jpeg_natural_order` (corrupt runs past 63). */
const NATURAL_ORDER = new Uint8Array([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22,
  15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63,
]);

/**
 * libjpeg's post-IDCT range limit: `range_limit[x & 1023]` with range_limit = sample_range_limit + 128, i.e. x + 128
 * for x in [−128, 127], 255 for [128, 511], 0 for [512, 895] (mod 1024): out-of-range values wrap as libjpeg's do.
 */
const IDCT_RANGE = (() => {
  const table = new Uint8Array(1024);
  for (let t = 0; t < 1024; t++) table[t] = t < 128 ? t + 128 : t < 512 ? 255 : t < 896 ? 0 : t - 896;
  return table;
})();

/**
 * jdcolor.c `build_ycc_rgb_table` (SCALEBITS 16, FIX(x) = (int)(x · 65536 + 0.5), x = i − 128):
 *   Cr_r = (FIX(1.40200)·x + 2^15) >> 16, Cb_b = (FIX(1.77200)·x + 2^15) >> 16,
 *   Cr_g = −FIX(0.71414)·x, Cb_g = −FIX(0.34414)·x + 2^15;
 *   R = Y + Cr_r[Cr], G = Y + ((Cb_g[Cb] + Cr_g[Cr]) >> 16), B = Y + Cb_b[Cb], each clamped to [0, 255].
 */
const YCC = (() => {
  const fix = (x: number): number => Math.trunc(x * 65536 + 0.5);
  const crR = new Int32Array(256);
  const cbB = new Int32Array(256);
  const crG = new Int32Array(256);
  const cbG = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    const x = i - 128;
    crR[i] = (fix(1.402) * x + 32768) >> 16;
    cbB[i] = (fix(1.772) * x + 32768) >> 16;
    crG[i] = -fix(0.71414) * x;
    cbG[i] = -fix(0.34414) * x + 32768;
  }
  return { crR, cbB, crG, cbG };
})();

function clampByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

interface HuffmanTable {
  /** 9-bit lookahead: (code length << 8) | symbol, 0 when the code is longer than 9 bits. */
  readonly lookup: Uint16Array;
  /** jdhuff.c `maxcode[l]` (−1 when no code of length l; index 17 is a sentinel). */
  readonly maxcode: Int32Array;
  /** jdhuff.c `valoffset[l]`: symbol index of a code of length l is code + valoffset[l]. */
  readonly valoffset: Int32Array;
  readonly symbols: Uint8Array;
}

interface Component {
  readonly id: number;
  readonly h: number;
  readonly v: number;
  readonly quantTableId: number;
  /** libjpeg `downsampled_width/height`: ceil(W · h / maxH), ceil(H · v / maxV). */
  widthPx: number;
  heightPx: number;
  /** Blocks covering the component (non-interleaved scans) and the MCU-padded grid (interleaved scans). */
  blocksPerLine: number;
  blocksPerColumn: number;
  paddedBlocksPerLine: number;
  paddedBlocksPerColumn: number;
  coefficients: Int16Array;
  /** The quantization table latched at the component's first scan (jdinput.c `latch_quant_tables`). */
  quant: Uint16Array | undefined;
  dcTable: HuffmanTable | undefined;
  acTable: HuffmanTable | undefined;
  dcPredictor: number;
}

interface Frame {
  readonly widthPx: number;
  readonly heightPx: number;
  readonly progressive: boolean;
  readonly components: Component[];
  readonly maxH: number;
  readonly maxV: number;
  readonly mcusPerLine: number;
  readonly mcusPerColumn: number;
}

const TRUNCATED = 'JPEG file is truncated (it ends before its end-of-image marker)';

function buildHuffmanTable(counts: Uint8Array, symbols: Uint8Array, source: string): HuffmanTable {
  // jdhuff.c jpeg_make_d_derived_tbl: canonical codes; a code that overflows its length is a bogus table.
  const lookup = new Uint16Array(512);
  const maxcode = new Int32Array(18).fill(-1);
  const valoffset = new Int32Array(18);
  let code = 0;
  let k = 0;
  let longest = 0;
  for (let length = 1; length <= 16; length++) if (counts[length - 1]) longest = length;
  for (let length = 1; length <= 16; length++) {
    const n = counts[length - 1]!;
    valoffset[length] = k - code;
    for (let i = 0; i < n; i++, k++, code++) {
      if (length <= 9) {
        const first = code << (9 - length);
        const entry = (length << 8) | symbols[k]!;
        for (let j = 0; j < 1 << (9 - length); j++) lookup[first + j] = entry;
      }
    }
    if (n > 0) maxcode[length] = code - 1;
    // No code may be all ones: the next code must still fit in `length` bits.
    if (length <= longest && code >= 1 << length) fail(source, 'corrupt JPEG file (bogus Huffman table)');
    code <<= 1;
  }
  maxcode[17] = 0x7fffffff;
  return { lookup, maxcode, valoffset, symbols };
}

/** Reads entropy-coded bits the way jdhuff.c does: 0xFF00 is a 0xFF byte; a marker ends the data (zeros follow). */
class BitReader {
  private buffer = 0;
  private count = 0;
  /** True once a marker stopped the data; true with `atEnd` when the file ended instead. */
  private stopped = false;
  atEnd = false;

  constructor(
    private readonly bytes: Uint8Array,
    public pos: number,
  ) {}

  private fill(): void {
    while (this.count <= 24) {
      let byte = 0;
      if (!this.stopped) {
        if (this.pos >= this.bytes.length) {
          this.stopped = true;
          this.atEnd = true;
        } else {
          const b = this.bytes[this.pos]!;
          if (b !== 0xff) {
            byte = b;
            this.pos++;
          } else {
            // 0xFF, then fill 0xFFs, then 0x00 (a stuffed 0xFF data byte) or a marker code.
            let next = this.pos + 1;
            while (next < this.bytes.length && this.bytes[next] === 0xff) next++;
            if (next >= this.bytes.length) {
              this.stopped = true;
              this.atEnd = true;
            } else if (this.bytes[next] === 0) {
              byte = 0xff;
              this.pos = next + 1;
            } else {
              this.stopped = true; // pos stays on the marker
            }
          }
        }
      }
      this.buffer = (this.buffer << 8) | byte;
      this.count += 8;
    }
  }

  bits(n: number): number {
    if (n === 0) return 0;
    if (this.count < n) this.fill();
    this.count -= n;
    return (this.buffer >>> this.count) & ((1 << n) - 1);
  }

  bit(): number {
    if (this.count < 1) this.fill();
    this.count -= 1;
    return (this.buffer >>> this.count) & 1;
  }

  /** One Huffman symbol; an invalid code reads as 0 (libjpeg's JWRN_HUFF_BAD_CODE). */
  decode(table: HuffmanTable): number {
    if (this.count < 16) this.fill();
    const entry = table.lookup[(this.buffer >>> (this.count - 9)) & 511]!;
    if (entry !== 0) {
      this.count -= entry >> 8;
      return entry & 0xff;
    }
    let length = 10;
    let code = (this.buffer >>> (this.count - 10)) & 1023;
    while (code > table.maxcode[length]!) {
      if (length === 16) {
        this.count -= 16;
        return 0;
      }
      length++;
      code = (this.buffer >>> (this.count - length)) & ((1 << length) - 1);
    }
    this.count -= length;
    return table.symbols[code + table.valoffset[length]!] ?? 0;
  }

  /** ITU T.81 F.2.2.1 EXTEND: an s-bit value v < 2^(s−1) stands for v − 2^s + 1. */
  receiveExtend(s: number): number {
    if (s === 0) return 0;
    if (s > 16) s = 16;
    const v = this.bits(s);
    return v < 1 << (s - 1) ? v - (1 << s) + 1 : v;
  }

  /** Restart: drop buffered bits, consume an RSTn marker if one is next (else keep zero-filling, as libjpeg). */
  restart(): void {
    this.buffer = 0;
    this.count = 0;
    if (this.atEnd) return;
    let p = this.pos;
    // Skip to the marker (a marker that stopped the data is where pos is).
    while (p + 1 < this.bytes.length && !(this.bytes[p] === 0xff && this.bytes[p + 1] !== 0 && this.bytes[p + 1] !== 0xff)) p++;
    if (p + 1 < this.bytes.length && this.bytes[p + 1]! >= 0xd0 && this.bytes[p + 1]! <= 0xd7) {
      this.pos = p + 2;
      this.stopped = false;
    } else if (p + 1 >= this.bytes.length) {
      this.pos = this.bytes.length;
    }
  }

  /** Position of the next marker after the scan (skipping trailing entropy bytes, as libjpeg's next_marker). */
  endOfScan(): number {
    return this.pos;
  }
}

/** Reads segment markers up to and including SOF; used for the size check before any decoding. */
export function readJpegHeader(bytes: Uint8Array, source: string): JpegHeader {
  let pos = 2;
  for (;;) {
    const marker = nextMarker(bytes, pos);
    if (!marker) fail(source, 'JPEG file is truncated (it ends before the frame header)');
    pos = marker.at + 2;
    const code = marker.code;
    if (code === 0xd8 || code === 0xd9) fail(source, 'corrupt JPEG file (no frame header before the end of the image)');
    if ((code >= 0xd0 && code <= 0xd7) || code === 0x01) continue;
    if (pos + 2 > bytes.length) fail(source, 'JPEG file is truncated (it ends inside a marker segment)');
    const length = (bytes[pos]! << 8) | bytes[pos + 1]!;
    if (length < 2) fail(source, 'corrupt JPEG file (a marker segment shorter than 2 bytes)');
    if (pos + length > bytes.length) fail(source, 'JPEG file is truncated (it ends inside a marker segment)');
    checkSofSupported(code, source);
    if (code === 0xc0 || code === 0xc1 || code === 0xc2) {
      if (length < 8) fail(source, 'corrupt JPEG file (short frame header)');
      const precision = bytes[pos + 2]!;
      const heightPx = (bytes[pos + 3]! << 8) | bytes[pos + 4]!;
      const widthPx = (bytes[pos + 5]! << 8) | bytes[pos + 6]!;
      const components = bytes[pos + 7]!;
      if (precision !== 8) fail(source, `unsupported JPEG: ${precision}-bit samples (only 8-bit JPEGs are accepted)`);
      if (heightPx === 0) fail(source, 'unsupported JPEG: the height is given by a DNL marker (height 0 in the frame header)');
      if (widthPx === 0) fail(source, 'corrupt JPEG file (width 0)');
      if (components !== 1 && components !== 3 && components !== 4) {
        fail(source, `unsupported JPEG: ${components} color components (accepted: 1 gray, 3 YCbCr/RGB, 4 CMYK/YCCK)`);
      }
      if (length !== 8 + components * 3) fail(source, 'corrupt JPEG file (bad frame header length)');
      return { widthPx, heightPx, components, progressive: code === 0xc2 };
    }
    pos += length;
  }
}

function checkSofSupported(code: number, source: string): void {
  if (code === 0xc3 || code === 0xc7 || code === 0xcb || code === 0xcf)
    fail(source, 'unsupported JPEG: lossless JPEG (accepted: baseline and progressive JPEG)');
  if (code === 0xc5 || code === 0xc6 || code === 0xcd || code === 0xce)
    fail(source, 'unsupported JPEG: hierarchical JPEG (accepted: baseline and progressive JPEG)');
  if (code === 0xc9 || code === 0xca || code === 0xcc)
    fail(source, 'unsupported JPEG: arithmetic coding (accepted: Huffman-coded baseline and progressive JPEG)');
}

/** jdmarker.c next_marker: skip to 0xFF, skip fill bytes, take the code (0x00 after 0xFF is not a marker). */
function nextMarker(bytes: Uint8Array, from: number): { at: number; code: number } | undefined {
  let p = from;
  for (;;) {
    while (p < bytes.length && bytes[p] !== 0xff) p++;
    let q = p + 1;
    while (q < bytes.length && bytes[q] === 0xff) q++;
    if (q >= bytes.length) return undefined;
    if (bytes[q] !== 0) return { at: q - 1, code: bytes[q]! };
    p = q + 1;
  }
}

/**
 * jidctint.c `jpeg_idct_islow`: dequantize and inverse-DCT one 8x8 block (natural order) into `out` at `outAt`
 * with row stride `stride`. Pass 1 on columns keeps PASS1_BITS = 2 extra bits (DESCALE by CONST_BITS − PASS1_BITS);
 * pass 2 on rows descales by CONST_BITS + PASS1_BITS + 3 and range-limits. Constants are FIX(c) = round(c · 2^13).
 */
function idctIslow(coef: Int16Array, at: number, quant: Uint16Array, workspace: Int32Array, out: Uint8Array, outAt: number, stride: number): void {
  const v = IDCT_1D;
  for (let col = 0; col < 8; col++) {
    const c = at + col;
    if (coef[c + 8] === 0 && coef[c + 16] === 0 && coef[c + 24] === 0 && coef[c + 32] === 0 && coef[c + 40] === 0 && coef[c + 48] === 0 && coef[c + 56] === 0) {
      const dc = coef[c]! * quant[col]! * 4;
      for (let r = 0; r < 64; r += 8) workspace[col + r] = dc;
      continue;
    }
    idct1d(
      coef[c]! * quant[col]!,
      coef[c + 8]! * quant[col + 8]!,
      coef[c + 16]! * quant[col + 16]!,
      coef[c + 24]! * quant[col + 24]!,
      coef[c + 32]! * quant[col + 32]!,
      coef[c + 40]! * quant[col + 40]!,
      coef[c + 48]! * quant[col + 48]!,
      coef[c + 56]! * quant[col + 56]!,
    );
    for (let k = 0; k < 8; k++) workspace[col + k * 8] = (v[k]! + 1024) >> 11;
  }
  const half = 1 << 17;
  for (let row = 0; row < 8; row++) {
    const w = row * 8;
    const o = outAt + row * stride;
    if (
      workspace[w + 1] === 0 &&
      workspace[w + 2] === 0 &&
      workspace[w + 3] === 0 &&
      workspace[w + 4] === 0 &&
      workspace[w + 5] === 0 &&
      workspace[w + 6] === 0 &&
      workspace[w + 7] === 0
    ) {
      const dc = IDCT_RANGE[((workspace[w]! + 16) >> 5) & 1023]!;
      out.fill(dc, o, o + 8);
      continue;
    }
    idct1d(workspace[w]!, workspace[w + 1]!, workspace[w + 2]!, workspace[w + 3]!, workspace[w + 4]!, workspace[w + 5]!, workspace[w + 6]!, workspace[w + 7]!);
    for (let k = 0; k < 8; k++) out[o + k] = IDCT_RANGE[((v[k]! + half) >> 18) & 1023]!;
  }
}

/** The 1-D pass's outputs, before descaling (exact integers: a Float64Array, as the locals they replace). */
const IDCT_1D = new Float64Array(8);

/**
 * One 1-D pass of `jpeg_idct_islow` (columns on dequantized coefficients, then rows on the workspace): the even part
 * from inputs 0, 2, 4, 6, the odd part's butterfly from 1, 3, 5, 7; the eight outputs, not yet descaled, into IDCT_1D.
 */
function idct1d(in0: number, in1: number, in2: number, in3: number, in4: number, in5: number, in6: number, in7: number): void {
  let z1 = (in2 + in6) * 4433;
  let tmp2 = z1 + in6 * -15137;
  let tmp3 = z1 + in2 * 6270;
  let tmp0 = (in0 + in4) * 8192;
  let tmp1 = (in0 - in4) * 8192;
  const tmp10 = tmp0 + tmp3;
  const tmp13 = tmp0 - tmp3;
  const tmp11 = tmp1 + tmp2;
  const tmp12 = tmp1 - tmp2;
  tmp3 = in1;
  tmp2 = in3;
  tmp1 = in5;
  tmp0 = in7;
  let z4 = tmp1 + tmp3;
  let z3 = tmp0 + tmp2;
  let z2 = tmp1 + tmp2;
  z1 = tmp0 + tmp3;
  const z5 = (z3 + z4) * 9633;
  tmp3 *= 12299;
  tmp2 *= 25172;
  tmp1 *= 16819;
  tmp0 *= 2446;
  z4 = z4 * -3196 + z5;
  z3 = z3 * -16069 + z5;
  z1 *= -7373;
  z2 *= -20995;
  tmp3 += z1 + z4;
  tmp2 += z2 + z3;
  tmp1 += z2 + z4;
  tmp0 += z1 + z3;
  const v = IDCT_1D;
  v[0] = tmp10 + tmp3;
  v[7] = tmp10 - tmp3;
  v[1] = tmp11 + tmp2;
  v[6] = tmp11 - tmp2;
  v[2] = tmp12 + tmp1;
  v[5] = tmp12 - tmp1;
  v[3] = tmp13 + tmp0;
  v[4] = tmp13 - tmp0;
}

interface Scan {
  readonly components: Component[];
  readonly ss: number;
  readonly se: number;
  readonly ah: number;
  readonly al: number;
}

/** Decodes one scan's entropy-coded data into the components' coefficient arrays (jdhuff.c / jdphuff.c). */
function decodeScan(reader: BitReader, frame: Frame, scan: Scan, restartInterval: number): void {
  const { components, ss, se, ah, al } = scan;
  const progressive = frame.progressive;
  let eobrun = 0;
  const p1 = 1 << al;
  const m1 = -1 << al;

  const decodeBlock = (component: Component, blockIndex: number): void => {
    const coef = component.coefficients;
    const at = blockIndex * 64;
    if (!progressive) {
      // decode_mcu (sequential): DC difference, then run/size AC symbols (ZRL = 0xF0, EOB = 0x00).
      const s = reader.decode(component.dcTable!);
      component.dcPredictor += reader.receiveExtend(s);
      coef[at] = component.dcPredictor;
      const ac = component.acTable!;
      for (let k = 1; k < 64; k++) {
        const rs = reader.decode(ac);
        const r = rs >> 4;
        const size = rs & 15;
        if (size) {
          k += r;
          coef[at + NATURAL_ORDER[k]!] = reader.receiveExtend(size);
        } else {
          if (r !== 15) break;
          k += 15;
        }
      }
      return;
    }
    if (ss === 0) {
      if (ah === 0) {
        // decode_mcu_DC_first
        const s = reader.decode(component.dcTable!);
        component.dcPredictor += reader.receiveExtend(s);
        coef[at] = component.dcPredictor * p1;
      } else if (reader.bit()) {
        // decode_mcu_DC_refine
        coef[at] = coef[at]! | p1;
      }
      return;
    }
    const ac = component.acTable!;
    if (ah === 0) {
      // decode_mcu_AC_first
      if (eobrun > 0) {
        eobrun--;
        return;
      }
      for (let k = ss; k <= se; k++) {
        const rs = reader.decode(ac);
        const r = rs >> 4;
        const size = rs & 15;
        if (size) {
          k += r;
          coef[at + NATURAL_ORDER[k]!] = reader.receiveExtend(size) * p1;
        } else if (r === 15) {
          k += 15;
        } else {
          eobrun = (1 << r) + reader.bits(r) - 1;
          break;
        }
      }
      return;
    }
    // decode_mcu_AC_refine: correction bits for nonzero coefficients, new ±1<<Al coefficients in zero positions.
    let k = ss;
    if (eobrun === 0) {
      for (; k <= se; k++) {
        const rs = reader.decode(ac);
        let r = rs >> 4;
        let s = rs & 15;
        if (s) {
          s = reader.bit() ? p1 : m1;
        } else if (r !== 15) {
          eobrun = 1 << r;
          if (r) eobrun += reader.bits(r);
          break;
        }
        do {
          const z = at + NATURAL_ORDER[k]!;
          if (coef[z] !== 0) {
            if (reader.bit() && (coef[z]! & p1) === 0) coef[z] = coef[z]! + (coef[z]! >= 0 ? p1 : m1);
          } else {
            if (--r < 0) break;
          }
          k++;
        } while (k <= se);
        if (s) coef[at + NATURAL_ORDER[k]!] = s;
      }
    }
    if (eobrun > 0) {
      for (; k <= se; k++) {
        const z = at + NATURAL_ORDER[k]!;
        if (coef[z] !== 0 && reader.bit() && (coef[z]! & p1) === 0) coef[z] = coef[z]! + (coef[z]! >= 0 ? p1 : m1);
      }
      eobrun--;
    }
  };

  let mcusToRestart = restartInterval;
  const restartIfDue = (): void => {
    if (restartInterval === 0) return;
    if (mcusToRestart === 0) {
      reader.restart();
      for (const c of components) c.dcPredictor = 0;
      eobrun = 0;
      mcusToRestart = restartInterval;
    }
    mcusToRestart--;
  };

  if (components.length === 1) {
    // Non-interleaved: one block per MCU over the component's own block grid.
    const c = components[0]!;
    for (let row = 0; row < c.blocksPerColumn; row++) {
      for (let col = 0; col < c.blocksPerLine; col++) {
        restartIfDue();
        decodeBlock(c, row * c.paddedBlocksPerLine + col);
        if (reader.atEnd) return;
      }
    }
    return;
  }
  for (let mcuRow = 0; mcuRow < frame.mcusPerColumn; mcuRow++) {
    for (let mcuCol = 0; mcuCol < frame.mcusPerLine; mcuCol++) {
      restartIfDue();
      for (const c of components) {
        for (let v = 0; v < c.v; v++) {
          for (let h = 0; h < c.h; h++) {
            decodeBlock(c, (mcuRow * c.v + v) * c.paddedBlocksPerLine + mcuCol * c.h + h);
          }
        }
      }
      if (reader.atEnd) return;
    }
  }
}

/** IDCT of every block of a component into a plane of blocksPerLine·8 × blocksPerColumn·8 samples. */
function componentPlane(component: Component): { plane: Uint8Array; stride: number } {
  const stride = component.blocksPerLine * 8;
  const plane = new Uint8Array(stride * component.blocksPerColumn * 8);
  const workspace = new Int32Array(64);
  const quant = component.quant ?? new Uint16Array(64);
  for (let row = 0; row < component.blocksPerColumn; row++) {
    for (let col = 0; col < component.blocksPerLine; col++) {
      idctIslow(component.coefficients, (row * component.paddedBlocksPerLine + col) * 64, quant, workspace, plane, row * 8 * stride + col * 8, stride);
    }
  }
  return { plane, stride };
}

/**
 * jdsample.c: produces output row `y` (frame width) of a component from its plane.
 *  - full size: copy;
 *  - h2v1 fancy (downsampled width > 2): out[2i] = (3·s[i] + s[i−1] + 1) >> 2, out[2i+1] = (3·s[i] + s[i+1] + 2) >> 2,
 *    with the first and last columns copied outward;
 *  - h1v2 fancy: (3·nearer row + farther row + bias) >> 2, bias 1 above, 2 below;
 *  - h2v2 fancy (downsampled width > 2): column sums c = 3·nearer row + farther row, then
 *    out[2i] = (3·c[i] + c[i−1] + 8) >> 4, out[2i+1] = (3·c[i] + c[i+1] + 7) >> 4 (first: (4·c + 8) >> 4, last: (4·c + 7) >> 4);
 *  - any other integral ratio: box replication.
 * Rows above the top and below the last real row repeat the edge row (jdmainct.c context rows).
 */
function upsampleRow(component: Component, frame: Frame, plane: Uint8Array, stride: number, y: number, out: Uint8Array): void {
  const width = frame.widthPx;
  const hExpand = frame.maxH / component.h;
  const vExpand = frame.maxV / component.v;
  const dw = component.widthPx;
  const lastRow = component.heightPx - 1;
  const rowAt = (r: number): number => (r < 0 ? 0 : r > lastRow ? lastRow : r) * stride;
  const fancyH = dw > 2;
  if (hExpand === 1 && vExpand === 1) {
    out.set(plane.subarray(y * stride, y * stride + width));
    return;
  }
  if (hExpand === 2 && vExpand === 1 && fancyH) {
    const s = y * stride;
    out[0] = plane[s]!;
    if (width > 1) out[1] = (plane[s]! * 3 + plane[s + 1]! + 2) >> 2;
    for (let i = 1; i < dw - 1; i++) {
      const v3 = plane[s + i]! * 3;
      if (2 * i < width) out[2 * i] = (v3 + plane[s + i - 1]! + 1) >> 2;
      if (2 * i + 1 < width) out[2 * i + 1] = (v3 + plane[s + i + 1]! + 2) >> 2;
    }
    const last = dw - 1;
    if (2 * last < width) out[2 * last] = (plane[s + last]! * 3 + plane[s + last - 1]! + 1) >> 2;
    if (2 * last + 1 < width) out[2 * last + 1] = plane[s + last]!;
    return;
  }
  if (hExpand === 1 && vExpand === 2) {
    const inRow = y >> 1;
    const below = y & 1;
    const near = rowAt(inRow);
    const far = rowAt(below ? inRow + 1 : inRow - 1);
    const bias = below ? 2 : 1;
    for (let x = 0; x < width; x++) out[x] = (plane[near + x]! * 3 + plane[far + x]! + bias) >> 2;
    return;
  }
  if (hExpand === 2 && vExpand === 2 && fancyH) {
    const inRow = y >> 1;
    const near = rowAt(inRow);
    const far = rowAt(y & 1 ? inRow + 1 : inRow - 1);
    const sum = (i: number): number => plane[near + i]! * 3 + plane[far + i]!;
    let last = sum(0);
    let cur = last;
    let next = sum(1);
    out[0] = (cur * 4 + 8) >> 4;
    if (width > 1) out[1] = (cur * 3 + next + 7) >> 4;
    for (let i = 1; i < dw - 1; i++) {
      last = cur;
      cur = next;
      next = sum(i + 1);
      if (2 * i < width) out[2 * i] = (cur * 3 + last + 8) >> 4;
      if (2 * i + 1 < width) out[2 * i + 1] = (cur * 3 + next + 7) >> 4;
    }
    last = cur;
    cur = next;
    const i = dw - 1;
    if (2 * i < width) out[2 * i] = (cur * 3 + last + 8) >> 4;
    if (2 * i + 1 < width) out[2 * i + 1] = (cur * 4 + 7) >> 4;
    return;
  }
  // int_upsample / h2v1_upsample / h2v2_upsample: box replication.
  const s = Math.floor(y / vExpand) * stride;
  for (let x = 0; x < width; x++) out[x] = plane[s + Math.floor(x / hExpand)]!;
}

/** Decodes a JPEG to RGB; `checkPixels` runs on the frame size before anything large is allocated. */
export function decodeJpeg(bytes: Uint8Array, source: string, checkPixels: (widthPx: number, heightPx: number) => void): DecodedJpeg {
  const header = readJpegHeader(bytes, source);
  checkPixels(header.widthPx, header.heightPx);

  const quantTables: (Uint16Array | undefined)[] = [];
  const dcTables: (HuffmanTable | undefined)[] = [];
  const acTables: (HuffmanTable | undefined)[] = [];
  let frame: Frame | undefined;
  let restartInterval = 0;
  let sawJfif = false;
  let adobeTransform: number | undefined;
  let scans = 0;
  let pos = 2;
  let sawEoi = false;

  while (!sawEoi) {
    const marker = nextMarker(bytes, pos);
    if (!marker) fail(source, TRUNCATED);
    pos = marker.at + 2;
    const code = marker.code;
    if (code === 0xd9) {
      sawEoi = true;
      break;
    }
    if (code === 0xd8) fail(source, 'corrupt JPEG file (a second start-of-image marker)');
    if ((code >= 0xd0 && code <= 0xd7) || code === 0x01) continue;
    if (pos + 2 > bytes.length) fail(source, TRUNCATED);
    const length = (bytes[pos]! << 8) | bytes[pos + 1]!;
    if (length < 2) fail(source, 'corrupt JPEG file (a marker segment shorter than 2 bytes)');
    if (pos + length > bytes.length) fail(source, TRUNCATED);
    const data = bytes.subarray(pos + 2, pos + length);
    pos += length;
    checkSofSupported(code, source);
    switch (code) {
      case 0xc0:
      case 0xc1:
      case 0xc2: {
        if (frame) fail(source, 'corrupt JPEG file (more than one frame header)');
        frame = readFrame(data, header, bytes.length - pos, source);
        break;
      }
      case 0xc4: {
        // DHT: one or more tables, each Tc/Th, 16 counts, symbols.
        let p = 0;
        while (p < data.length) {
          if (p + 17 > data.length) fail(source, 'corrupt JPEG file (short Huffman table)');
          const tcth = data[p]!;
          const counts = data.subarray(p + 1, p + 17);
          let total = 0;
          for (const n of counts) total += n;
          if (total > 256 || p + 17 + total > data.length) fail(source, 'corrupt JPEG file (bad Huffman table)');
          const table = buildHuffmanTable(counts, data.slice(p + 17, p + 17 + total), source);
          const index = tcth & 15;
          if (index > 3 || tcth >> 4 > 1) fail(source, 'corrupt JPEG file (bad Huffman table index)');
          if (tcth >> 4 === 0) {
            for (const s of table.symbols) if (s > 15) fail(source, 'corrupt JPEG file (bad DC Huffman table)');
            dcTables[index] = table;
          } else {
            acTables[index] = table;
          }
          p += 17 + total;
        }
        break;
      }
      case 0xdb: {
        // DQT: Pq/Tq, then 64 values (8- or 16-bit) in zigzag order.
        let p = 0;
        while (p < data.length) {
          const pqtq = data[p]!;
          const wide = pqtq >> 4 === 1;
          if (pqtq >> 4 > 1 || (pqtq & 15) > 3) fail(source, 'corrupt JPEG file (bad quantization table)');
          const size = wide ? 128 : 64;
          if (p + 1 + size > data.length) fail(source, 'corrupt JPEG file (short quantization table)');
          const table = new Uint16Array(64);
          for (let k = 0; k < 64; k++) table[NATURAL_ORDER[k]!] = wide ? (data[p + 1 + 2 * k]! << 8) | data[p + 2 + 2 * k]! : data[p + 1 + k]!;
          quantTables[pqtq & 15] = table;
          p += 1 + size;
        }
        break;
      }
      case 0xdd:
        if (data.length < 2) fail(source, 'corrupt JPEG file (bad restart interval)');
        restartInterval = (data[0]! << 8) | data[1]!;
        break;
      case 0xe0:
        // jdmarker.c examine_app0: "JFIF\0" with at least 14 bytes.
        if (data.length >= 14 && data[0] === 0x4a && data[1] === 0x46 && data[2] === 0x49 && data[3] === 0x46 && data[4] === 0) sawJfif = true;
        break;
      case 0xee:
        // examine_app14: "Adobe" with at least 12 bytes; the transform flag is byte 11.
        if (data.length >= 12 && data[0] === 0x41 && data[1] === 0x64 && data[2] === 0x6f && data[3] === 0x62 && data[4] === 0x65) adobeTransform = data[11]!;
        break;
      case 0xda: {
        if (!frame) fail(source, 'corrupt JPEG file (image data before the frame header)');
        const scan = readScan(data, frame, quantTables, dcTables, acTables, source);
        const reader = new BitReader(bytes, pos);
        decodeScan(reader, frame, scan, restartInterval);
        if (reader.atEnd) fail(source, TRUNCATED);
        pos = reader.endOfScan();
        scans++;
        break;
      }
      default:
        break; // APPn, COM, DNL and other segments carry nothing the pixels depend on.
    }
  }
  if (!frame || scans === 0) fail(source, 'corrupt JPEG file (no image data)');

  return toRgb(frame, header, sawJfif, adobeTransform);
}

function readFrame(data: Uint8Array, header: JpegHeader, bytesLeft: number, source: string): Frame {
  const { widthPx, heightPx, components: count, progressive } = header;
  const components: Component[] = [];
  let maxH = 1;
  let maxV = 1;
  for (let i = 0; i < count; i++) {
    const id = data[6 + i * 3]!;
    const hv = data[7 + i * 3]!;
    const h = hv >> 4;
    const v = hv & 15;
    if (h < 1 || h > 4 || v < 1 || v > 4) fail(source, 'corrupt JPEG file (bogus sampling factors)');
    maxH = Math.max(maxH, h);
    maxV = Math.max(maxV, v);
    components.push({
      id,
      h,
      v,
      quantTableId: data[8 + i * 3]! & 3,
      widthPx: 0,
      heightPx: 0,
      blocksPerLine: 0,
      blocksPerColumn: 0,
      paddedBlocksPerLine: 0,
      paddedBlocksPerColumn: 0,
      coefficients: new Int16Array(0),
      quant: undefined,
      dcTable: undefined,
      acTable: undefined,
      dcPredictor: 0,
    });
  }
  // A single-component image has 1x1 MCUs whatever its sampling factors say (libjpeg: non-interleaved scan).
  if (count === 1) {
    components[0] = { ...components[0]!, h: 1, v: 1 };
    maxH = 1;
    maxV = 1;
  }
  for (const c of components) {
    // jdsample.c: only integral ratios are supported (JERR_FRACT_SAMPLE_NOTIMPL).
    if (maxH % c.h !== 0 || maxV % c.v !== 0) fail(source, 'unsupported JPEG: fractional chroma sampling factors');
  }
  const mcusPerLine = Math.ceil(widthPx / (8 * maxH));
  const mcusPerColumn = Math.ceil(heightPx / (8 * maxV));
  let blocks = 0;
  for (const c of components) {
    c.widthPx = Math.ceil((widthPx * c.h) / maxH);
    c.heightPx = Math.ceil((heightPx * c.v) / maxV);
    c.blocksPerLine = Math.ceil(c.widthPx / 8);
    c.blocksPerColumn = Math.ceil(c.heightPx / 8);
    c.paddedBlocksPerLine = count === 1 ? c.blocksPerLine : mcusPerLine * c.h;
    c.paddedBlocksPerColumn = count === 1 ? c.blocksPerColumn : mcusPerColumn * c.v;
    blocks += c.blocksPerLine * c.blocksPerColumn;
  }
  // Every block costs at least one bit of entropy-coded data (its DC code); refuse before allocating if the file
  // cannot hold them (a cut-off file, or a header that lies about the size).
  if (blocks > bytesLeft * 8) fail(source, `JPEG file is truncated or corrupt: ${bytesLeft} bytes of image data cannot hold a ${widthPx}x${heightPx} image`);
  for (const c of components) c.coefficients = new Int16Array(c.paddedBlocksPerLine * c.paddedBlocksPerColumn * 64);
  return { widthPx, heightPx, progressive, components, maxH, maxV, mcusPerLine, mcusPerColumn };
}

function readScan(
  data: Uint8Array,
  frame: Frame,
  quantTables: (Uint16Array | undefined)[],
  dcTables: (HuffmanTable | undefined)[],
  acTables: (HuffmanTable | undefined)[],
  source: string,
): Scan {
  const count = data[0] ?? 0;
  if (count < 1 || count > 4 || data.length < 4 + count * 2) fail(source, 'corrupt JPEG file (bad scan header)');
  const components: Component[] = [];
  let blocksInMcu = 0;
  for (let i = 0; i < count; i++) {
    const id = data[1 + i * 2]!;
    const tables = data[2 + i * 2]!;
    const component = frame.components.find((c) => c.id === id);
    if (!component || components.includes(component)) fail(source, 'corrupt JPEG file (scan refers to an unknown component)');
    component.dcTable = dcTables[tables >> 4];
    component.acTable = acTables[tables & 15];
    blocksInMcu += component.h * component.v;
    components.push(component);
  }
  const ss = data[1 + count * 2]!;
  const se = data[2 + count * 2]!;
  const ahal = data[3 + count * 2]!;
  const ah = ahal >> 4;
  const al = ahal & 15;
  if (count > 1 && blocksInMcu > 10) fail(source, 'corrupt JPEG file (sampling factors too large for an interleaved scan)');
  if (frame.progressive) {
    // jdphuff.c start_pass_phuff_decoder's checks (JERR_BAD_PROGRESSION).
    const bad = (ss === 0 ? se !== 0 : ss > se || se > 63 || count !== 1) || (ah !== 0 && al !== ah - 1) || al > 13;
    if (bad) fail(source, `corrupt JPEG file (invalid progressive parameters Ss=${ss} Se=${se} Ah=${ah} Al=${al})`);
  }
  for (const c of components) {
    const needsDc = !frame.progressive || (ss === 0 && ah === 0);
    const needsAc = !frame.progressive || ss > 0;
    if (needsDc && !c.dcTable) fail(source, 'corrupt JPEG file (a scan uses an undefined Huffman table)');
    if (needsAc && !c.acTable) fail(source, 'corrupt JPEG file (a scan uses an undefined Huffman table)');
    if (!c.quant) {
      const q = quantTables[c.quantTableId];
      if (!q) fail(source, 'corrupt JPEG file (a component uses an undefined quantization table)');
      c.quant = q.slice();
    }
    c.dcPredictor = 0;
  }
  return { components, ss, se, ah, al };
}

/**
 * Upsamples, converts to the output color space libjpeg picks for Pillow's mode (gray, RGB, CMYK), then to RGB as
 * Pillow's convert("RGB") does.
 */
function toRgb(frame: Frame, header: JpegHeader, sawJfif: boolean, adobeTransform: number | undefined): DecodedJpeg {
  const { widthPx, heightPx, components } = frame;
  const planes = components.map(componentPlane);
  const rows = components.map(() => new Uint8Array(widthPx));
  const rgb = new Uint8Array(widthPx * heightPx * 3);
  const n = components.length;
  // jdapimin.c default_decompress_parms: is the 3/4-component data color-transformed (YCbCr / YCCK)?
  let transformed: boolean;
  if (n === 3) {
    if (sawJfif) transformed = true;
    else if (adobeTransform !== undefined) transformed = adobeTransform !== 0;
    else {
      const [a, b, c] = components.map((x) => x.id);
      transformed = !(a === 82 && b === 71 && c === 66); // 'R', 'G', 'B' ids mean RGB; anything else YCbCr
    }
  } else {
    transformed = n === 4 && adobeTransform !== undefined && adobeTransform !== 0;
  }
  const { crR, cbB, crG, cbG } = YCC;
  for (let y = 0; y < heightPx; y++) {
    for (let c = 0; c < n; c++) upsampleRow(components[c]!, frame, planes[c]!.plane, planes[c]!.stride, y, rows[c]!);
    let o = y * widthPx * 3;
    if (n === 1) {
      const g = rows[0]!;
      for (let x = 0; x < widthPx; x++, o += 3) {
        rgb[o] = g[x]!;
        rgb[o + 1] = g[x]!;
        rgb[o + 2] = g[x]!;
      }
      continue;
    }
    const [r0, r1, r2] = [rows[0]!, rows[1]!, rows[2]!];
    for (let x = 0; x < widthPx; x++, o += 3) {
      // Samples as libjpeg outputs them: RGB for 3 components, CMYK for 4.
      let c0 = r0[x]!;
      let c1 = r1[x]!;
      let c2 = r2[x]!;
      if (transformed) {
        const luma = c0;
        const cb = c1;
        const cr = c2;
        c0 = clampByte(luma + crR[cr]!);
        c1 = clampByte(luma + ((cbG[cb]! + crG[cr]!) >> 16));
        c2 = clampByte(luma + cbB[cb]!);
        if (n === 4) {
          // ycck_cmyk_convert: C, M, Y = 255 − (the YCbCr→RGB sums), clamped; K passes through.
          c0 = clampByte(255 - (luma + crR[cr]!));
          c1 = clampByte(255 - (luma + ((cbG[cb]! + crG[cr]!) >> 16)));
          c2 = clampByte(255 - (luma + cbB[cb]!));
        }
      }
      if (n === 4) {
        // Pillow reads every CMYK JPEG inverted ("CMYK;I": c = 255 − C, k = 255 − K), then Convert.c cmyk2rgb:
        // nk = 255 − k (= K); out = CLIP8(nk − MULDIV255(c, nk)).
        const nk = rows[3]![x]!;
        c0 = cmykChannel(255 - c0, nk);
        c1 = cmykChannel(255 - c1, nk);
        c2 = cmykChannel(255 - c2, nk);
      }
      rgb[o] = c0;
      rgb[o + 1] = c1;
      rgb[o + 2] = c2;
    }
  }
  return { widthPx, heightPx, rgb, mode: n === 1 ? 'L' : n === 3 ? 'RGB' : 'CMYK', progressive: header.progressive };
}

/** Convert.c: CLIP8(nk − MULDIV255(ink, nk)), MULDIV255(a, b) = (((a·b + 128) >> 8) + a·b + 128) >> 8. */
function cmykChannel(ink: number, nk: number): number {
  const tmp = ink * nk + 128;
  return clampByte(nk - (((tmp >> 8) + tmp) >> 8));
}
