/**
 * `resnext convert` and the extension's "Convert to safetensors…": the chosen state dict of any checkpoint this reader
 * understands, under torchvision's names (prefix stripped), written as a safetensors file (huggingface/safetensors'
 * format: 8-byte header length, JSON header padded with spaces to 8 bytes, then the data) in float32, float16 or
 * bfloat16 (rounded to nearest even, as torch's `.half()` / `.bfloat16()`). Integer tensors (BatchNorm's
 * num_batches_tracked) are written as I64. The file is written to a temporary name in the target folder and renamed
 * when complete, so a failure never leaves a partial file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkedArchitecture } from '../architecture';
import { configName } from '../config';
import { InputError, WeightsError } from '../errors';
import { encodeFloats } from './dtypes';
import { CONVERT_DTYPES, type Conversion } from '../../shared/data';
import { describeWeights, readWeights, readWeightsBytes, type ReadWeightsOptions } from './load';
import { inferWeightsConfig } from './resolve';
import { checkStateDict, type StateDict } from './stateDict';

export { CONVERT_DTYPES, type Conversion } from '../../shared/data';
export type ConvertDtype = (typeof CONVERT_DTYPES)[number];
const SAFETENSORS_DTYPE: Record<ConvertDtype, string> = { float32: 'F32', float16: 'F16', bfloat16: 'BF16' };

export interface ConvertOptions extends ReadWeightsOptions {
  readonly dtype?: ConvertDtype;
  /** Leave the classifier (fc.* / classifier.*) out, for a model with another number of classes (check's hint). */
  readonly dropClassifier?: boolean;
}

export type ConvertResult = Conversion;

/** The safetensors bytes of a state dict (float tensors in `dtype`, integer ones as I64), with `__metadata__`. */
export function encodeSafetensors(stateDict: StateDict, dtype: ConvertDtype, metadata: Record<string, string>): Uint8Array[] {
  const header: Record<string, unknown> = { __metadata__: metadata };
  const chunks: Uint8Array[] = [];
  let offset = 0;
  // Integer tensors first: 8-byte elements keep every later tensor aligned to its element size.
  const entries = [...stateDict].sort(([, a], [, b]) => Number(isFloat(a.sourceDtype)) - Number(isFloat(b.sourceDtype)));
  for (const [name, tensor] of entries) {
    let data: Uint8Array;
    let stDtype: string;
    if (isFloat(tensor.sourceDtype)) {
      data = encodeFloats(tensor.data, dtype);
      stDtype = SAFETENSORS_DTYPE[dtype];
    } else {
      const ints = new BigInt64Array(tensor.data.length);
      for (let i = 0; i < ints.length; i++) ints[i] = BigInt(Math.trunc(tensor.data[i]!));
      data = new Uint8Array(ints.buffer);
      stDtype = 'I64';
    }
    header[name] = { dtype: stDtype, shape: tensor.shape, data_offsets: [offset, offset + data.length] };
    chunks.push(data);
    offset += data.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
  padded.set(json);
  const length = new Uint8Array(8);
  new DataView(length.buffer).setBigUint64(0, BigInt(padded.length), true);
  return [length, padded, ...chunks];
}

/** safetensors files store F32/F16/BF16/F64 and torch's float dtypes as floats; everything else is an integer. */
const isFloat = (sourceDtype: string): boolean => /^(torch\.)?(float|bfloat|half|double|F\d|BF16)/i.test(sourceDtype);

/** Reads `input`, checks it is a whole torchvision ResNet-family state dict, and writes `output` atomically. */
export function convertToSafetensors(input: string, output: string, options: ConvertOptions = {}): ConvertResult {
  const dtype = options.dtype ?? 'float32';
  if (!output.toLowerCase().endsWith('.safetensors')) throw new InputError(`the output ${output} must end in .safetensors`);
  if (path.resolve(input) === path.resolve(output)) throw new InputError(`the output ${output} is the input file; choose another name`);
  const dir = path.dirname(path.resolve(output));
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new InputError(`the folder ${dir} does not exist; create it or choose another output path`);
  const weights = readWeights(readWeightsBytes(input), input, options);
  const config = inferWeightsConfig(weights.stateDict, input, weights.choice);
  checkStateDict(weights.stateDict, checkedArchitecture(config), describeWeights(input, weights));
  const model = configName(config);
  const { choice } = weights;
  const metadata: Record<string, string> = {
    format: 'pt',
    source: path.basename(input),
    source_format: weights.format,
    architecture: model,
    state_dict: choice.chosen.key === '' ? '(the file itself)' : choice.chosen.key,
    ...(choice.strippedPrefix !== undefined && { stripped_prefix: choice.strippedPrefix }),
    dtype,
    written_by: 'resnext-inspector',
  };
  const dropped = options.dropClassifier ? [...weights.stateDict.keys()].filter((k) => /^(fc|classifier)\./.test(k)) : [];
  if (dropped.length > 0) metadata.dropped = dropped.join(', ');
  const kept = dropped.length > 0 ? new Map([...weights.stateDict].filter(([k]) => !dropped.includes(k))) : weights.stateDict;
  const chunks = encodeSafetensors(kept, dtype, metadata);
  const target = path.resolve(output);
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${Date.now()}.tmp`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(temp, 'wx');
    for (const chunk of chunks) {
      for (let written = 0; written < chunk.length;) written += fs.writeSync(fd, chunk, written, chunk.length - written);
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(temp, target);
  } catch (error) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    throw new WeightsError(
      `cannot write ${output}: ${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOSPC' ? 'the disk is full' : (error as Error).message}; nothing was written`,
    );
  }
  return {
    output,
    sizeBytes: chunks.reduce((n, c) => n + c.length, 0),
    tensors: kept.size,
    dtype,
    sourceFormat: weights.format,
    model,
    source: describeWeights(input, weights),
    metadata,
  };
}
