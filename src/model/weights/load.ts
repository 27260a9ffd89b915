/**
 * One entry point for weight files: the format is recognised from the content, never from the file name (downloads
 * and caches often lose or change the extension).
 */
import { readFileSync } from 'node:fs';
import { unreadableReason, WeightsError } from '../errors';
import { chooseStateDict, describeChoice, type ChosenStateDict, type StateDictOptions } from './find';
import { readPth } from './pth';
import type { WEIGHTS_FORMATS } from '../../shared/data';
import { readSafetensors } from './safetensors';

/** The container formats (src/shared/data.ts WEIGHTS_FORMATS): PyTorch's three and safetensors. */
export type WeightsFormat = (typeof WEIGHTS_FORMATS)[number];

export type WeightsResult = ChosenStateDict<WeightsFormat>;
export type ReadWeightsOptions = StateDictOptions;

const ACCEPTED_FORMATS =
  'accepted are PyTorch checkpoints (.pth, .pt, .pth.tar, .ckpt, .bin: the zip format of torch ≥ 1.6, the legacy format, TorchScript archives) ' +
  'and .safetensors files';

/** `PK\x03\x04`, the local-file header that starts every non-empty zip. */
const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
/**
 * PROTO 2, LONG1 of 10 bytes, torch's legacy MAGIC_NUMBER 0x1950a86a20f9469cfc6c little-endian (torch/serialization.py).
 * Any other pickle start (PROTO 2–5) also goes to the legacy reader, which then says what it found instead.
 */
const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
const isPickle = (bytes: Uint8Array): boolean => bytes.length >= 2 && bytes[0] === 0x80 && bytes[1]! >= 2 && bytes[1]! <= 5;

const startsWith = (bytes: Uint8Array, prefix: readonly number[]): boolean => bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);

/** safetensors: an 8-byte little-endian header length that fits in the file, then the JSON header's `{`. */
function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 10) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  return headerLength >= 2n && headerLength <= BigInt(bytes.length - 8) && bytes[8] === 0x7b;
}

export type SniffedFormat = 'pth' | 'safetensors' | 'empty' | 'unknown';

/** The format from the first bytes (never the file name). */
export function sniffWeightsFormat(bytes: Uint8Array): SniffedFormat {
  if (startsWith(bytes, ZIP_MAGIC) || startsWith(bytes, LEGACY_MAGIC) || isPickle(bytes)) return 'pth';
  if (looksLikeSafetensors(bytes)) return 'safetensors';
  return bytes.length === 0 ? 'empty' : 'unknown';
}

/**
 * Detects the format from the first bytes, finds the state dict (the one named by `options.stateDictKey`, else the
 * first in find.ts's order) and reads it as float32 tensors under torchvision's names.
 */
export function readWeights(bytes: Uint8Array, source = 'the file', options: ReadWeightsOptions = {}): WeightsResult {
  const sniffed = sniffWeightsFormat(bytes);
  if (sniffed === 'pth') return readPth(bytes, source, options);
  if (sniffed === 'safetensors') {
    const all = readSafetensors(bytes, source);
    const { tensors, ...choice } = chooseStateDict([{ key: '', kind: 'state dict', tensors: all }], source, options.stateDictKey);
    return { stateDict: tensors, format: 'safetensors', choice, ...(choice.strippedPrefix !== undefined && { strippedPrefix: choice.strippedPrefix }) };
  }
  if (bytes.length === 0) throw new WeightsError(`${source} is empty; ${ACCEPTED_FORMATS}`);
  throw new WeightsError(
    `${source} is not a weights file this reader knows (it starts with neither a zip header, a pickle, nor a safetensors header); ${ACCEPTED_FORMATS}`,
  );
}

/** A file's bytes, or a WeightsError that says why it cannot be read. */
export function readWeightsBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    const why = unreadableReason(error, 'file');
    throw new WeightsError(`cannot read the weights file ${path}: ${why}`);
  }
}

/** Reads and parses a weights file from disk. */
export function readWeightsFile(path: string, options: ReadWeightsOptions = {}): WeightsResult {
  return readWeights(readWeightsBytes(path), path, options);
}

/**
 * The weights file as it should be named wherever results are shown: the path, and which state dict in it was used
 * when that is not simply the whole file ("run.ckpt (state dict 'state_dict'; prefix 'model.' stripped)").
 */
export function describeWeights(path: string, result: Pick<WeightsResult, 'choice'>): string {
  const choice = describeChoice(result.choice);
  return choice === '' ? path : `${path} (${choice})`;
}
