/**
 * A state dict as the core uses it: tensor name → shape and float32 values (converted from the file's dtype),
 * and the check that it fits an architecture, reported all at once as torch's `load_state_dict(strict=True)` does.
 */
import { WeightsError } from '../errors';
import { configName } from '../config';
import { stateDictSpec, type Architecture } from '../architecture';

export interface TensorData {
  readonly shape: readonly number[];
  readonly data: Float32Array;
  /** The dtype stored in the file (e.g. `F32`, `F16`, `BF16`, `torch.float32`). */
  readonly sourceDtype: string;
}

export type StateDict = ReadonlyMap<string, TensorData>;

const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((n, i) => n === b[i]);
const fmt = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/**
 * Throws one WeightsError listing missing keys, unexpected keys and shape mismatches. `num_batches_tracked` may be
 * absent (old checkpoints and safetensors exports often drop it); it is not used in eval mode.
 */
export function checkStateDict(stateDict: StateDict, arch: Architecture, source: string): void {
  const spec = stateDictSpec(arch);
  const expected = new Map(spec.map((e) => [e.key, e]));
  const missing = spec.filter((e) => !stateDict.has(e.key) && !e.key.endsWith('.num_batches_tracked')).map((e) => e.key);
  const unexpected = [...stateDict.keys()].filter((k) => !expected.has(k));
  const mismatched: string[] = [];
  for (const [key, tensor] of stateDict) {
    const want = expected.get(key);
    if (want && !sameShape(want.shape, tensor.shape)) {
      mismatched.push(`${key}: file has ${fmt(tensor.shape)}, the network expects ${fmt(want.shape)}`);
    }
  }
  if (missing.length + unexpected.length + mismatched.length === 0) return;
  const list = (label: string, items: string[]): string =>
    items.length === 0 ? '' : `\n  ${label} (${items.length}): ${items.slice(0, 12).join(', ')}${items.length > 12 ? `, … ${items.length - 12} more` : ''}`;
  throw new WeightsError(
    `the weights in ${source} do not fit ${configName(arch.config)} ` +
      `(layers ${arch.config.layers.join(',')}, groups ${arch.config.groups}, width per group ${arch.config.widthPerGroup}, ` +
      `base width ${arch.config.baseWidth}, ${arch.config.numClasses} classes):` +
      list('missing keys', missing) +
      list('unexpected keys', unexpected) +
      list('shape mismatches', mismatched),
  );
}
