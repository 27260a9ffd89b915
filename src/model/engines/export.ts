/**
 * `resnext export`: a network as an ONNX file (onnx.ts's graph, BN folded, opset 17 by default), with a checkpoint's
 * weights or, without one, seeded random weights (torchvision's init shape, seed 0).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { architecture } from '../architecture';
import { InputError } from '../errors';
import type { NetworkConfig } from '../config';
import type { StateDict } from '../weights/stateDict';
import { DEFAULT_OPSET, encodeOnnxModel, onnxModel, weightSourceFor } from './onnx';

export interface ExportOptions {
  readonly stateDict?: StateDict;
  readonly source?: string;
  readonly opset?: number;
  /** A symbolic batch dimension. */
  readonly dynamicBatch?: boolean;
  readonly producerVersion?: string;
}

/** The ONNX model's bytes: input `input` [1 or batch, 3, H, W] (the configuration's input size), output `logits`. */
export function exportOnnx(config: NetworkConfig, options: ExportOptions = {}): Uint8Array {
  const arch = architecture(config);
  const get = weightSourceFor(arch, {
    ...(options.stateDict && { stateDict: options.stateDict }),
    ...(options.source !== undefined && { source: options.source }),
    seed: 0,
  });
  return encodeOnnxModel(
    onnxModel(arch, get, {
      opset: options.opset ?? DEFAULT_OPSET,
      ...(options.dynamicBatch && { dynamicBatch: true }),
      ...(options.producerVersion !== undefined && { producerVersion: options.producerVersion }),
    }),
  );
}

/** Writes the model to `output` atomically (a temporary file in the same folder, renamed): never a partial file. */
export function writeOnnxFile(output: string, bytes: Uint8Array): void {
  const target = path.resolve(output);
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${Date.now()}.tmp`);
  try {
    fs.writeFileSync(temp, bytes, { flag: 'wx' });
    fs.renameSync(temp, target);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'ENOSPC'
          ? 'the disk is full'
          : code === 'ENOENT'
            ? 'its folder does not exist'
            : (error as Error).message;
    throw new InputError(`cannot write ${output}: ${why}; nothing was written`);
  }
}
