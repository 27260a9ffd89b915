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
