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

/** Parses a safetensors file into float32 tensors. Integer tensors (e.g. num_batches_tracked) are skipped. */
export function readSafetensors(bytes: Uint8Array, source = 'the file'): Map<string, TensorData> {
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
  const spans: { begin: number; end: number; name: string }[] = [];
  const out = new Map<string, TensorData>();
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') continue;
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
    const kind = SAFETENSORS_DTYPES[dtype]!;
    const elementSize = kind === 'int' ? INT_SIZES[dtype]! : DTYPE_SIZES[kind];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (count * elementSize !== end - begin) {
      fail(source, `tensor '${name}' has shape [${(shape as number[]).join(', ')}] of ${dtype} (${count * elementSize} bytes) but ${end - begin} bytes of data`);
    }
    spans.push({ begin, end, name });
    if (kind === 'int') continue;
    out.set(name, { shape: shape as number[], data: decodeFloats(bytes.subarray(headerEnd + begin, headerEnd + end), kind), sourceDtype: dtype });
  }
  spans.sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i]!.begin < spans[i - 1]!.end) fail(source, `tensors '${spans[i - 1]!.name}' and '${spans[i]!.name}' overlap`);
  }
  return out;
}
