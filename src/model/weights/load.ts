/**
 * One entry point for weight files: the format is recognised from the content, never from the file name (downloads
 * and caches often lose or change the extension).
 */
import { readFileSync } from 'node:fs';
import { WeightsError } from '../errors';
import type { TensorData } from './stateDict';
import { readPth, stripModulePrefix } from './pth';
import { readSafetensors } from './safetensors';

export type WeightsFormat = 'zip' | 'legacy' | 'safetensors';

export interface WeightsResult {
  readonly stateDict: Map<string, TensorData>;
  readonly format: WeightsFormat;
  /** Set when the state dict was found inside a checkpoint dict (`state_dict`, `model`, …). */
  readonly wrapperKey?: string;
  /** Set when a `module.` prefix (nn.DataParallel) was removed from every key. */
  readonly strippedPrefix?: string;
}

const ACCEPTED_FORMATS =
  'accepted are PyTorch checkpoints (.pth/.pt, the zip format of torch ≥ 1.6 or the legacy format) and .safetensors files';

/** `PK\x03\x04`, the local-file header that starts every non-empty zip. */
const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
/**
 * PROTO 2, LONG1 of 10 bytes, torch's legacy MAGIC_NUMBER 0x1950a86a20f9469cfc6c little-endian (torch/serialization.py).
 * Any other pickle start (PROTO 2–5) also goes to the legacy reader, which then says what it found instead.
 */
const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
const isPickle = (bytes: Uint8Array): boolean => bytes.length >= 2 && bytes[0] === 0x80 && bytes[1]! >= 2 && bytes[1]! <= 5;

const startsWith = (bytes: Uint8Array, prefix: readonly number[]): boolean =>
  bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);

/** safetensors: an 8-byte little-endian header length that fits in the file, then the JSON header's `{`. */
function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 10) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  return headerLength >= 2n && headerLength <= BigInt(bytes.length - 8) && bytes[8] === 0x7b;
}

/** Detects the format from the first bytes and reads the state dict as float32 tensors. */
export function readWeights(bytes: Uint8Array, source = 'the file'): WeightsResult {
  if (startsWith(bytes, ZIP_MAGIC) || startsWith(bytes, LEGACY_MAGIC) || isPickle(bytes)) return readPth(bytes, source);
  if (looksLikeSafetensors(bytes)) {
    const { stateDict, strippedPrefix } = stripModulePrefix(readSafetensors(bytes, source));
    return { stateDict, format: 'safetensors', ...(strippedPrefix !== undefined && { strippedPrefix }) };
  }
  if (bytes.length === 0) throw new WeightsError(`${source} is empty; ${ACCEPTED_FORMATS}`);
  throw new WeightsError(`${source} is not a weights file this reader knows (it starts with neither a zip header, a pickle, nor a safetensors header); ${ACCEPTED_FORMATS}`);
}

/** Reads and parses a weights file from disk. */
export function readWeightsFile(path: string): WeightsResult {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'there is no file at this path'
        : code === 'EISDIR' ? 'it is a directory, not a file'
        : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
        : (error as Error).message;
    throw new WeightsError(`cannot read the weights file ${path}: ${why}`);
  }
  return readWeights(bytes, path);
}
