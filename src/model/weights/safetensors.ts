/**
 * safetensors reader. Format (huggingface/safetensors README): 8-byte little-endian header length N, N bytes of JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {…}}`, then the byte buffer; offsets are
 * relative to the buffer's start. Everything is checked before a byte is read: header bounds, dtype, shape × dtype
 * size = byte length, offsets inside the buffer and not overlapping.
 */
import { WeightsError } from '../errors';
import type { TensorData } from './stateDict';
import { decodeFloats, DTYPE_SIZES, type FloatDtype } from './dtypes';

/** Header larger than this is refused (real headers are a few hundred KB at most). */
const MAX_HEADER_BYTES = 100 * 2 ** 20;

const SAFETENSORS_DTYPES: Record<string, FloatDtype | 'int'> = {
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  F64: 'float64',
  I64: 'int',
  I32: 'int',
  I16: 'int',
  I8: 'int',
  U8: 'int',
  BOOL: 'int',
};
const INT_SIZES: Record<string, number> = { I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

function fail(source: string, what: string): never {
  throw new WeightsError(`${source} is not a valid safetensors file: ${what}`);
}

export interface SafetensorsEntry {
  readonly name: string;
  /** As written in the header: F32, F16, BF16, F64, I64, … */
  readonly dtype: string;
  readonly shape: readonly number[];
  /** Absolute byte range in the file. */
  readonly begin: number;
  readonly end: number;
}

/** Parses and checks the header only (no tensor data is read): the entries in header order and `__metadata__`. */
export function readSafetensorsHeader(bytes: Uint8Array, source = 'the file'): { entries: SafetensorsEntry[]; metadata: Record<string, string> } {
  if (bytes.length < 8) fail(source, `it has ${bytes.length} bytes, fewer than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(Math.min(MAX_HEADER_BYTES, bytes.length - 8))) {
    fail(source, `the header length (${headerLength} bytes) runs past the end of the file (${bytes.length} bytes)`);
  }
  const headerEnd = 8 + Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, headerEnd)));
  } catch {
    fail(source, 'the header is not UTF-8 JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail(source, 'the header is not a JSON object');
  const bufferLength = bytes.length - headerEnd;
  const entries: SafetensorsEntry[] = [];
  const metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry === 'object' && entry !== null) {
        for (const [k, v] of Object.entries(entry as Record<string, unknown>)) if (typeof v === 'string') metadata[k] = v;
      }
      continue;
    }
    if (typeof entry !== 'object' || entry === null) fail(source, `entry '${name}' is not an object`);
    const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
    if (typeof dtype !== 'string' || !(dtype in SAFETENSORS_DTYPES)) {
      fail(source, `tensor '${name}' has dtype ${JSON.stringify(dtype)}; accepted: ${Object.keys(SAFETENSORS_DTYPES).join(', ')}`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(source, `tensor '${name}' has shape ${JSON.stringify(shape)}; expected a list of non-negative integers`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      fail(source, `tensor '${name}' has data_offsets ${JSON.stringify(offsets)}; expected [begin, end]`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > bufferLength) {
      fail(source, `tensor '${name}' has data_offsets [${begin}, ${end}] outside the ${bufferLength}-byte data buffer`);
    }
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (count * safetensorsElementSize(dtype) !== end - begin) {
      fail(
        source,
        `tensor '${name}' has shape [${(shape as number[]).join(', ')}] of ${dtype} (${count * safetensorsElementSize(dtype)} bytes) but ${end - begin} bytes of data`,
      );
    }
    entries.push({ name, dtype, shape: shape as number[], begin: headerEnd + begin, end: headerEnd + end });
  }
  const spans = [...entries].sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i]!.begin < spans[i - 1]!.end) fail(source, `tensors '${spans[i - 1]!.name}' and '${spans[i]!.name}' overlap`);
  }
  return { entries, metadata };
}

export function safetensorsElementSize(dtype: string): number {
  const kind = SAFETENSORS_DTYPES[dtype]!;
  return kind === 'int' ? INT_SIZES[dtype]! : DTYPE_SIZES[kind];
}

/** Parses a safetensors file into float32 tensors. Integer tensors (e.g. num_batches_tracked) are skipped. */
export function readSafetensors(bytes: Uint8Array, source = 'the file'): Map<string, TensorData> {
  const out = new Map<string, TensorData>();
  for (const { name, dtype, shape, begin, end } of readSafetensorsHeader(bytes, source).entries) {
    const kind = SAFETENSORS_DTYPES[dtype]!;
    if (kind === 'int') continue;
    out.set(name, { shape, data: decodeFloats(bytes.subarray(begin, end), kind), sourceDtype: dtype });
  }
  return out;
}
