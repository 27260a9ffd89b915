/**
 * `resnext diff A B` and the extension's Compare Checkpoints view (schema `resnext-inspector/diff@1`): two checkpoints
 * compared tensor by tensor under torchvision's names (each file's usual prefix stripped), streaming — each key is read
 * from A, then from B, compared in float64 and dropped before the next, so neither file's tensors are ever all in
 * memory (lazy.ts reads one tensor at a time from disk).
 *
 * Per tensor: `same` (same dtype, bit-identical values), `changed`, `added` (only in B), `removed` (only in A),
 * `reshaped`; ‖B − A‖₂, ‖B − A‖₂ / ‖A‖₂ (null where A is all zeros), max |B − A| and the cosine of A and B. Per leaf
 * module (conv1, layer1.0.bn2, fc): its parameters — not its buffers (running_mean, running_var, num_batches_tracked)
 * — taken together, in network order (A's state-dict order, then modules only B has).
 */
import { DIFF_SCHEMA, type Diff, type DiffStatus, type DiffTensor } from '../../shared/data';
import { openWeightsLazily, type LazyWeights, type TensorInfo } from './lazy';

export { DIFF_SCHEMA, type Diff, type DiffStatus, type DiffTensor } from '../../shared/data';

export interface DiffOptions {
  /** The state dict to use in A (and in B unless `stateDictKeyB` is given): a key `resnext inspect` lists. */
  readonly stateDictKey?: string;
  readonly stateDictKeyB?: string;
}

/** BatchNorm's buffers: the only ones a torchvision ResNet/ResNeXt has. */
const BUFFER_NAMES = new Set(['running_mean', 'running_var', 'num_batches_tracked']);
export const isBuffer = (key: string): boolean => BUFFER_NAMES.has(key.slice(key.lastIndexOf('.') + 1));
export const moduleOf = (key: string): string => (key.includes('.') ? key.slice(0, key.lastIndexOf('.')) : '');

/** safetensors' dtype names as torch's, so a .pth and a .safetensors file of the same dtype compare as the same. */
const TORCH_NAMES: Record<string, string> = {
  F64: 'torch.float64',
  F32: 'torch.float32',
  F16: 'torch.float16',
  BF16: 'torch.bfloat16',
  I64: 'torch.int64',
  I32: 'torch.int32',
  I16: 'torch.int16',
  I8: 'torch.int8',
  U8: 'torch.uint8',
  BOOL: 'torch.bool',
};
export const torchDtype = (dtype: string): string => TORCH_NAMES[dtype] ?? dtype;

const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((n, i) => n === b[i]);

/** Sums over one tensor pair, in float64. */
interface Sums {
  readonly a2: number;
  readonly b2: number;
  readonly d2: number;
  readonly dot: number;
  readonly maxAbs: number;
  readonly identical: boolean;
}

/** Compares two equally long float32 arrays element by element in float64. */
export function compareValues(a: Float32Array, b: Float32Array): Sums {
  let a2 = 0;
  let b2 = 0;
  let d2 = 0;
  let dot = 0;
  let maxAbs = 0;
  const n = a.length;
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    const d = y - x;
    a2 += x * x;
    b2 += y * y;
    d2 += d * d;
    dot += x * y;
    const abs = Math.abs(d);
    if (abs > maxAbs) maxAbs = abs;
  }
  // NaN anywhere makes the sums NaN; bit identity (which tells 0 from -0 and compares NaNs by their bits) is only
  // worth a second pass where no element differs.
  if (Number.isNaN(d2)) maxAbs = NaN;
  let identical = false;
  if (d2 === 0 || Number.isNaN(d2)) {
    const ua = new Uint32Array(a.buffer, a.byteOffset, n);
    const ub = new Uint32Array(b.buffer, b.byteOffset, n);
    identical = true;
    for (let i = 0; i < n; i++) {
      if (ua[i] !== ub[i]) {
        identical = false;
        break;
      }
    }
  }
  return { a2, b2, d2, dot, maxAbs, identical };
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

function tensorRow(key: string, infoA: TensorInfo | undefined, infoB: TensorInfo | undefined, sums?: Sums): DiffTensor {
  const dtypeA = infoA ? torchDtype(infoA.dtype) : null;
  const dtypeB = infoB ? torchDtype(infoB.dtype) : null;
  const base = { key, shapeA: infoA?.shape ?? null, shapeB: infoB?.shape ?? null, dtypeA, dtypeB };
  if (sums === undefined) {
    const status: DiffStatus = !infoA ? 'added' : !infoB ? 'removed' : 'reshaped';
    return { ...base, status, l2Diff: null, relativeChange: null, maxAbsDiff: null, cosine: null };
  }
  const l2 = Math.sqrt(sums.d2);
  return {
    ...base,
    status: sums.identical && dtypeA === dtypeB ? 'same' : 'changed',
    l2Diff: finite(l2),
    relativeChange: sums.a2 > 0 ? finite(l2 / Math.sqrt(sums.a2)) : null,
    maxAbsDiff: finite(sums.maxAbs),
    cosine: sums.a2 > 0 && sums.b2 > 0 ? finite(sums.dot / Math.sqrt(sums.a2 * sums.b2)) : null,
  };
}

const sideOf = (weights: LazyWeights): Diff['a'] => ({ file: weights.file, stateDict: weights.choice.chosen.key });

/** Compares two open checkpoints key by key, reading one tensor of each at a time. */
export function diffWeights(a: LazyWeights, b: LazyWeights): Diff {
  const keys = [...a.tensors.keys(), ...[...b.tensors.keys()].filter((k) => !a.tensors.has(k))];
  const tensors: DiffTensor[] = [];
  const moduleSums = new Map<string, { d2: number; a2: number; statuses: DiffStatus[] }>();
  for (const key of keys) {
    const infoA = a.tensors.get(key);
    const infoB = b.tensors.get(key);
    let sums: Sums | undefined;
    if (infoA && infoB && sameShape(infoA.shape, infoB.shape)) {
      const valuesA = a.read(key).data;
      sums = compareValues(valuesA, b.read(key).data);
    }
    const row = tensorRow(key, infoA, infoB, sums);
    tensors.push(row);
    if (isBuffer(key)) continue;
    const name = moduleOf(key);
    const entry = moduleSums.get(name) ?? { d2: 0, a2: 0, statuses: [] };
    moduleSums.set(name, entry);
    entry.statuses.push(row.status);
    if (sums) {
      entry.d2 += sums.d2;
      entry.a2 += sums.a2;
    }
  }
  const modules = [...moduleSums].map(([name, { d2, a2, statuses }]) => {
    const status: DiffStatus = statuses.every((s) => s === 'same')
      ? 'same'
      : statuses.every((s) => s === 'same' || s === 'changed')
        ? 'changed'
        : statuses.every((s) => s === 'added')
          ? 'added'
          : statuses.every((s) => s === 'removed')
            ? 'removed'
            : 'reshaped';
    const comparable = status === 'same' || status === 'changed';
    return { name, status, relativeChange: comparable && a2 > 0 ? finite(Math.sqrt(d2) / Math.sqrt(a2)) : null };
  });
  const summary = { same: 0, changed: 0, added: 0, removed: 0, reshaped: 0 };
  for (const t of tensors) summary[t.status]++;
  return { schema: DIFF_SCHEMA, a: sideOf(a), b: sideOf(b), tensors, modules, summary };
}

/** Opens both files (headers only), compares them streaming, and closes them. */
export function diffCheckpoints(fileA: string, fileB: string, options: DiffOptions = {}): Diff {
  const a = openWeightsLazily(fileA, { ...(options.stateDictKey !== undefined && { stateDictKey: options.stateDictKey }) });
  try {
    const keyB = options.stateDictKeyB ?? options.stateDictKey;
    const b = openWeightsLazily(fileB, { ...(keyB !== undefined && { stateDictKey: keyB }) });
    try {
      return diffWeights(a, b);
    } finally {
      b.close();
    }
  } finally {
    a.close();
  }
}
