/** Float formats of checkpoint files, converted to float32 (little-endian storage, as PyTorch and safetensors write). */

export type FloatDtype = 'float32' | 'float16' | 'bfloat16' | 'float64';

export const DTYPE_SIZES: Record<FloatDtype, number> = { float32: 4, float16: 2, bfloat16: 2, float64: 8 };

/** IEEE 754 half → float32 (exact: every half is a float32). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** Decodes little-endian values of `dtype` into a new Float32Array. `bytes.length` must be a multiple of the size. */
export function decodeFloats(bytes: Uint8Array, dtype: FloatDtype): Float32Array {
  const count = bytes.length / DTYPE_SIZES[dtype];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'float32': {
      // Copy (the source may be unaligned); a byte copy is as fast as it gets.
      const out = new Float32Array(count);
      new Uint8Array(out.buffer).set(bytes);
      return out;
    }
    case 'float64': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
      return out;
    }
    case 'bfloat16': {
      // bfloat16 is the top half of a float32.
      const bits = new Uint32Array(count);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(i * 2, true) << 16;
      return new Float32Array(bits.buffer);
    }
    case 'float16': {
      const table = halfTable();
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = table[view.getUint16(i * 2, true)]!;
      return out;
    }
  }
}

let halfLookup: Float32Array | undefined;
function halfTable(): Float32Array {
  if (!halfLookup) {
    halfLookup = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfLookup[h] = halfToFloat(h);
  }
  return halfLookup;
}

/** float32 → IEEE 754 half bits, rounded to nearest even (as torch's `.half()`); overflow gives ±Infinity. */
const scratchFloat = new Float32Array(1);
const scratchBits = new Uint32Array(scratchFloat.buffer);
const float32Bits = (value: number): number => {
  scratchFloat[0] = value;
  return scratchBits[0]!;
};

export function floatToHalfBits(value: number): number {
  const bits = float32Bits(value);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 | (mantissa >>> 13) : 0); // Inf / NaN (quiet)
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // underflows to ±0
    const m = mantissa | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = m & ((1 << shift) - 1);
    let out = m >>> shift;
    if (rest > half || (rest === half && (out & 1) === 1)) out++;
    return sign | out;
  }
  let out = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (out & 1) === 1)) out++; // may carry into the exponent, which is right
  return sign | out;
}

/** float32 → bfloat16 bits, rounded to nearest even (as torch's `.bfloat16()`); NaN stays NaN. */
export function floatToBfloat16Bits(value: number): number {
  const bits = float32Bits(value);
  if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x7fffff) !== 0) return ((bits >>> 16) | 0x40) & 0xffff;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Encodes float32 values as little-endian `dtype` bytes. */
export function encodeFloats(data: Float32Array, dtype: 'float32' | 'float16' | 'bfloat16'): Uint8Array {
  if (dtype === 'float32') return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  const out = new Uint16Array(data.length);
  const convert = dtype === 'float16' ? floatToHalfBits : floatToBfloat16Bits;
  for (let i = 0; i < data.length; i++) out[i] = convert(data[i]!);
  return new Uint8Array(out.buffer);
}
