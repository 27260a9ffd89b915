/**
 * Grouped convolution on TF.js, whose conv2d has no `groups` (DESIGN §2, "grouped conv"). Three methods, all exact
 * (each is checked against a naive grouped conv in test/unit/groupedConv.test.ts):
 *
 * - **depthwise**: a depthwise conv over all Cin channels with channel multiplier M = Cout/G produces, for input
 *   channel c = g·(Cin/G) + i, the outputs c·M + m: the product of input i of group g with the weights of output m of
 *   group g. Summing over i gives output g·M + m, which is exactly PyTorch's channel order. So: depthwiseConv2d →
 *   reshape [N,H,W,G,Cin/G,M] → sum over Cin/G. Two ops and exactly the grouped conv's multiply-adds, but it writes
 *   (and the sum reads) Cin·M channels per pixel, and with M > 1 XNNPACK runs it as Cin tiny GEMMs of depth k²
 *   rather than its depthwise kernel: slow where M is large (resnext101_32x8d), fine where a layer is small.
 * - **perGroup**: the input's channels split into G tensors (one pass), one dense `fused.conv2d` per group (XNNPACK's
 *   GEMM with bias and ReLU fused, Cin/G → M), the G outputs joined back into NHWC (one pass). Exactly the grouped
 *   conv's multiply-adds at GEMM speed, but 2 + G ops, and each op costs a fixed few tens of µs (more with threads,
 *   where every op wakes the pool): it loses where a layer's work is small next to G ops.
 * - **pairs**: perGroup with two consecutive groups in each conv (a block-diagonal [2·Cin/G → 2M] weight, zeros off
 *   the blocks): half the ops for twice the multiply-adds. It pays where M is small (XNNPACK's GEMM tiles are 8
 *   output channels wide, so M = 4 leaves half of each tile idle anyway) or where per-op cost dominates. The zeros
 *   double that layer's weight memory, so it is a candidate only where M ≤ 16 (not in resnext101_32x8d's layer3 and
 *   layer4, which hold most of its grouped weights). With an odd G it is perGroup.
 *
 * The split and join are two small kernels of our own (registered for the wasm backend below): TF.js has no fast
 * op for them there (Slice copies the whole input out of the wasm heap before slicing, so G slices cost G copies;
 * Gather and Transpose do per-element index arithmetic; Concat on the channel axis makes a subarray per pixel).
 *
 * Not methods here, and why:
 * - XNNPACK supports groups natively (xnn_create_convolution2d_nhwc_f32's `groups`), but tfjs-backend-wasm's C++
 *   conv2d passes groups = 1, or groups = Cin with one input channel per group for a depthwise conv, and its JS kernel
 *   has no argument for it: no build-time edit of tfjs's JS can reach it (it would take a rebuilt .wasm).
 * - A batched matMul [G, HW, Cin/G·k²] × [G, Cin/G·k², M] on im2col patches runs tfjs-backend-wasm's scalar
 *   `slow_batch_matmul` (only a batch of 1 goes through XNNPACK): the matMul alone measured 1.0–2.8× the time of the
 *   whole depthwise method, before any im2col copy. Per group it would be the GEMM that perGroup gets from XNNPACK's
 *   indirect conv, without the k²-times copy of the input.
 * - Larger blocks (4 or 8 groups per conv) or the whole block-diagonal weight (one dense conv, G× the multiply-adds):
 *   slower than pairs or perGroup on each of 7 ResNeXt layer shapes measured (1 thread); the dense weight 4–14×.
 *
 * Which method is fastest depends on the layer shape, the thread count and the machine (see the bench's "grouped conv
 * methods"), so `chooseGroupedMethod` measures the candidates once per layer shape and thread count per process.
 */
import { getThreadsCount, type BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { paramModules, type Architecture, type ConvModule } from './architecture';
import { staticTrace } from './shapes';
import { tf } from './tf';

export const GROUPED_METHODS = ['depthwise', 'perGroup', 'pairs'] as const;
export type GroupedMethod = (typeof GROUPED_METHODS)[number];
/** A method, or 'auto': each layer shape's fastest, measured (`chooseGroupedMethod`). */
export type GroupedMethodOption = GroupedMethod | 'auto';

/** A grouped conv's shape (a ConvModule is one). Padding is symmetric, as PyTorch pads. */
export interface GroupedConvSpec {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly groups: number;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
  /** Dilation of the kernel (timm SelectiveKernel's second path); 1 when absent. TF.js dilates only at stride 1:
   * a dilated strided conv arrives here with its kernel already spread out (network.ts `undilated`). */
  readonly dilation?: number;
}

/**
 * A dilated conv with a stride as the same conv without dilation: TF.js dilates only at stride 1 ("either strides or
 * dilations must be 1"), so a strided dilated conv (timm SelectiveKernel's second path in a stage's first block) runs
 * with its kernel spread out, zeros between the taps: kernel (k − 1)·d + 1, the same padding, the same outputs.
 */
export function undilated<T extends GroupedConvSpec>(spec: T): T {
  const d = spec.dilation ?? 1;
  return d === 1 || spec.stride === 1 ? spec : { ...spec, kernel: (spec.kernel - 1) * d + 1, dilation: 1 };
}

/** A PyTorch conv weight [Cout, Cin/G, k, k] of `spec` spread out to `undilated(spec)`'s kernel (zeros between taps). */
export function spreadKernel(weight: Float32Array, spec: GroupedConvSpec): Float32Array {
  const wide = undilated(spec);
  if (wide === spec) return weight;
  const { kernel: k } = spec;
  const { kernel: span } = wide;
  const d = spec.dilation ?? 1;
  const planes = weight.length / (k * k);
  const out = new Float32Array(planes * span * span);
  for (let p = 0; p < planes; p++)
    for (let y = 0; y < k; y++) for (let x = 0; x < k; x++) out[(p * span + y * d) * span + x * d] = weight[(p * k + y) * k + x]!;
  return out;
}

interface DepthwiseWeights {
  readonly method: 'depthwise';
  /** [kh, kw, Cin, M]. */
  readonly filter: tf.Tensor4D;
  /** Per depthwise output channel [Cin·M]: the conv's bias on i = 0 of each group, 0 elsewhere, so the sum over i
   * adds it once. */
  readonly bias: tf.Tensor1D;
}

interface BlockWeights {
  readonly method: 'perGroup' | 'pairs';
  /** Per block of `merge` consecutive groups, HWIO [kh, kw, merge·Cin/G, merge·M], block-diagonal. */
  readonly filters: readonly tf.Tensor4D[];
  /** Per block [merge·M]. */
  readonly biases: readonly tf.Tensor1D[];
}

/** A grouped conv's weights in the layout of one method (and only that one: weights are never held twice). */
export type PreparedGroupedConv = (DepthwiseWeights | BlockWeights) & {
  readonly spec: GroupedConvSpec;
  /** Every tensor it holds, for the owner to dispose. */
  readonly tensors: readonly tf.Tensor[];
};

function checkSpec(spec: GroupedConvSpec): void {
  const { inChannels, outChannels, groups } = spec;
  if (!(groups >= 1 && inChannels % groups === 0 && outChannels % groups === 0)) {
    throw new Error(`grouped conv: groups ${groups} must divide in ${inChannels} and out ${outChannels} channels`);
  }
}

/**
 * A PyTorch grouped-conv weight [Cout, Cin/G, k, k] and bias [Cout] (BN already folded in) in the layout `method`
 * runs on. Without a weight: zeros, made directly in TF.js (a shape trace needs no values). Without a bias: zeros.
 */
export function prepareGroupedConv(
  weight: Float32Array | undefined,
  bias: Float32Array | undefined,
  spec: GroupedConvSpec,
  method: GroupedMethod,
): PreparedGroupedConv {
  checkSpec(spec);
  const { inChannels, outChannels, groups, kernel } = spec;
  const inPerGroup = inChannels / groups;
  const outPerGroup = outChannels / groups;
  const kk = kernel * kernel;
  if (weight && weight.length !== outChannels * inPerGroup * kk) {
    throw new Error(`grouped conv weight has ${weight.length} values, expected ${outChannels}·${inPerGroup}·${kernel}·${kernel}`);
  }
  if (method === 'depthwise') {
    let filter: tf.Tensor4D;
    let depthwiseBias: tf.Tensor1D;
    if (!weight) {
      filter = tf.zeros([kernel, kernel, inChannels, outPerGroup]);
    } else {
      // filter[y, x, g·Ig + i, m] = W[g·M + m, i, y, x]
      const data = new Float32Array(kk * inChannels * outPerGroup);
      for (let g = 0; g < groups; g++) {
        for (let m = 0; m < outPerGroup; m++) {
          const o = g * outPerGroup + m;
          for (let i = 0; i < inPerGroup; i++) {
            const c = g * inPerGroup + i;
            const src = (o * inPerGroup + i) * kk;
            for (let p = 0; p < kk; p++) data[(p * inChannels + c) * outPerGroup + m] = weight[src + p]!;
          }
        }
      }
      filter = tf.tensor4d(data, [kernel, kernel, inChannels, outPerGroup]);
    }
    if (!bias) {
      depthwiseBias = tf.zeros([inChannels * outPerGroup]);
    } else {
      const data = new Float32Array(inChannels * outPerGroup);
      for (let g = 0; g < groups; g++) {
        for (let m = 0; m < outPerGroup; m++) data[g * inPerGroup * outPerGroup + m] = bias[g * outPerGroup + m]!;
      }
      depthwiseBias = tf.tensor1d(data);
    }
    return { method, spec, filter, bias: depthwiseBias, tensors: [filter, depthwiseBias] };
  }
  const merge = method === 'pairs' && groups % 2 === 0 ? 2 : 1;
  const blocks = groups / merge;
  const bin = inPerGroup * merge;
  const bout = outPerGroup * merge;
  const filters: tf.Tensor4D[] = [];
  const biases: tf.Tensor1D[] = [];
  try {
    for (let b = 0; b < blocks; b++) {
      if (!weight) {
        filters.push(tf.zeros([kernel, kernel, bin, bout]));
      } else {
        // HWIO: filter_b[y, x, j·Ig + i, j·M + m] = W[(b·merge + j)·M + m, i, y, x]
        const data = new Float32Array(kk * bin * bout);
        for (let j = 0; j < merge; j++) {
          for (let m = 0; m < outPerGroup; m++) {
            for (let i = 0; i < inPerGroup; i++) {
              const src = (((b * merge + j) * outPerGroup + m) * inPerGroup + i) * kk;
              for (let p = 0; p < kk; p++) data[(p * bin + j * inPerGroup + i) * bout + j * outPerGroup + m] = weight[src + p]!;
            }
          }
        }
        filters.push(tf.tensor4d(data, [kernel, kernel, bin, bout]));
      }
      biases.push(bias ? tf.tensor1d(bias.slice(b * bout, (b + 1) * bout)) : tf.zeros([bout]));
    }
  } catch (error) {
    for (const t of [...filters, ...biases]) t.dispose();
    throw error;
  }
  return { method, spec, filters, biases, tensors: [...filters, ...biases] };
}

/** Grouped conv (NHWC) with the prepared weights, symmetric zero padding as PyTorch pads, optional fused ReLU. */
export function groupedConv2d(x: tf.Tensor4D, w: PreparedGroupedConv, relu: boolean): tf.Tensor4D {
  const { groups, inChannels, outChannels, stride, padding } = w.spec;
  const dilations = w.spec.dilation ?? 1;
  const inPerGroup = inChannels / groups;
  const outPerGroup = outChannels / groups;
  if (x.shape[3] !== inChannels) throw new Error(`grouped conv expects ${inChannels} input channels, got ${x.shape[3]}`);
  const activation = relu ? 'relu' : 'linear';
  return tf.tidy(() => {
    if (w.method === 'depthwise') {
      if (inPerGroup === 1) {
        // Depthwise proper: nothing to sum, the fused op applies bias and ReLU.
        return tf.fused.depthwiseConv2d({ x, filter: w.filter, bias: w.bias, strides: stride, pad: padding, dilations, activation });
      }
      const y = tf.fused.depthwiseConv2d({ x, filter: w.filter, bias: w.bias, strides: stride, pad: padding, dilations });
      const [n, h, wd] = y.shape;
      const summed = tf.sum(tf.reshape(y, [n * h * wd * groups, inPerGroup, outPerGroup]), 1);
      const out = tf.reshape(summed, [n, h, wd, outChannels]) as tf.Tensor4D;
      return relu ? tf.relu(out) : out;
    }
    const [n, h, wd] = x.shape;
    const blocks = w.filters.length;
    if (blocks === 1) return tf.fused.conv2d({ x, filter: w.filters[0]!, bias: w.biases[0], strides: stride, pad: padding, dilations, activation });
    const parts = splitChannels(tf.reshape(x, [n * h * wd, inChannels]), blocks);
    const outs = parts.map((part, b) =>
      tf.fused.conv2d({
        x: tf.reshape(part, [n, h, wd, inChannels / blocks]) as tf.Tensor4D,
        filter: w.filters[b]!,
        bias: w.biases[b],
        strides: stride,
        pad: padding,
        dilations,
        activation,
      }),
    );
    const [, ho, wo] = outs[0]!.shape;
    return tf.reshape(joinChannels(outs.map((o) => tf.reshape(o, [n * ho * wo, outChannels / blocks]))), [n, ho, wo, outChannels]) as tf.Tensor4D;
  });
}

/** The methods worth measuring for a layer shape (see the file comment for why pairs only where M ≤ 16). */
export function candidateMethods(spec: GroupedConvSpec): GroupedMethod[] {
  const inPerGroup = spec.inChannels / spec.groups;
  const outPerGroup = spec.outChannels / spec.groups;
  // One input channel per group: the depthwise method is one depthwise op and nothing to sum; per-group convs of a
  // single input channel would be G GEMMs of depth k².
  if (inPerGroup === 1) return ['depthwise'];
  return spec.groups % 2 === 0 && outPerGroup <= 16 ? ['depthwise', 'perGroup', 'pairs'] : ['depthwise', 'perGroup'];
}

/** One layer shape's measurement and its winner. */
export interface GroupedCalibration {
  readonly key: string;
  readonly method: GroupedMethod;
  /** Each candidate's first run (operator creation included: an upper bound), ms. */
  readonly firstMs: Partial<Record<GroupedMethod, number>>;
  /** Each candidate's fastest run, its first included (ms); the winner's is the least of them. */
  readonly ms: Partial<Record<GroupedMethod, number>>;
  /** What the measurement cost, preparing and disposing included, ms. */
  readonly elapsedMs: number;
}

const calibrations = new Map<string, GroupedCalibration>();

/** Every calibration this process has made, in order (for the bench and diagnostics). */
export function groupedCalibrations(): readonly GroupedCalibration[] {
  return [...calibrations.values()];
}

function threadCount(): number {
  return tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? getThreadsCount() : 1;
}

/** Rounds after the first run of each candidate; a candidate slower than DROP_RATIO × the best leaves (after the
 * first run, FIRST_DROP_RATIO: that run also creates the operators, so it is a rougher measure). */
const CALIBRATION_ROUNDS = 2;
const DROP_RATIO = 1.3;
const FIRST_DROP_RATIO = 3;

/**
 * The fastest method for a grouped conv of this shape producing an outHeight × outWidth map (batch 1), measured here
 * and now: the candidates run on a random input with zero weights (XNNPACK's float kernels take the same time
 * whatever the values), a first run each (it also creates XNNPACK's operators and packs their weights; a candidate
 * 3× slower than the best there leaves), then up to two more rounds, interleaved so that a burst of load from
 * elsewhere hits all of them, keeping each candidate's fastest run (the least disturbed on a shared machine) and
 * dropping any 1.3× slower than the best after each round. The answer is cached per process by shape and thread count, so the layers
 * of one shape cost one measurement, and building a second network of that family costs none.
 */
export function chooseGroupedMethod(spec: GroupedConvSpec, outHeight: number, outWidth: number): GroupedMethod {
  const candidates = candidateMethods(spec);
  if (candidates.length === 1) return candidates[0]!;
  const { inChannels, outChannels, groups, kernel, stride, padding } = spec;
  const dilation = spec.dilation ?? 1;
  const key =
    `${threadCount()} thread(s): ${inChannels}→${outChannels} in ${groups} groups, ${kernel}x${kernel}/${stride}` +
    `${dilation > 1 ? ` dilation ${dilation}` : ''} pad ${padding}, out ${outHeight}x${outWidth}`;
  const cached = calibrations.get(key);
  if (cached) return cached.method;
  // The smallest input with this output size (the map's exact size matters little; its output's does).
  const started = performance.now();
  const span = (kernel - 1) * dilation + 1;
  const inHeight = Math.max(1, (outHeight - 1) * stride + span - 2 * padding);
  const inWidth = Math.max(1, (outWidth - 1) * stride + span - 2 * padding);
  const x = tf.randomUniform([1, inHeight, inWidth, inChannels], -1, 1) as tf.Tensor4D;
  const prepared = candidates.map((m) => prepareGroupedConv(undefined, undefined, spec, m));
  let result: Omit<GroupedCalibration, 'elapsedMs'>;
  try {
    const time = (w: PreparedGroupedConv): number => {
      const start = performance.now();
      // The wasm backend computes synchronously (threads included): the op has run when it returns.
      groupedConv2d(x, w, true).dispose();
      return performance.now() - start;
    };
    // The first runs also create the operators, so they are upper bounds: they count towards each one's fastest run,
    // and a clear loser there (3× the best) costs no more runs.
    const first = prepared.map(time);
    const firstMs = Object.fromEntries(prepared.map((w, i) => [w.method, first[i]!]));
    const ms: Partial<Record<GroupedMethod, number>> = { ...firstMs };
    let racing = prepared.filter((_, i) => first[i]! <= FIRST_DROP_RATIO * Math.min(...first));
    for (let round = 0; round < CALIBRATION_ROUNDS && racing.length > 1; round++) {
      for (const w of racing) ms[w.method] = Math.min(ms[w.method]!, time(w));
      const best = Math.min(...racing.map((w) => ms[w.method]!));
      racing = racing.filter((w) => ms[w.method]! <= DROP_RATIO * best);
    }
    const method = racing.reduce((a, b) => (ms[b.method]! < ms[a.method]! ? b : a)).method;
    result = { key, method, firstMs, ms };
  } finally {
    x.dispose();
    for (const w of prepared) for (const t of w.tensors) t.dispose();
  }
  calibrations.set(key, { ...result, elapsedMs: performance.now() - started });
  return result.method;
}

/**
 * Each grouped conv's method (by module name) for a network: `option` itself, or with 'auto' each layer's measured
 * fastest (`chooseGroupedMethod`) at the configured input size (the network runs at any size; the choice is made
 * for this one). A forced method runs on every grouped layer (each is exact everywhere; only its speed differs).
 */
export function groupedMethods(arch: Architecture, option: GroupedMethodOption): ReadonlyMap<string, GroupedMethod> {
  const convs = paramModules(arch).filter((m): m is ConvModule => m.type === 'Conv2d' && m.groups > 1);
  const methods = new Map<string, GroupedMethod>();
  if (convs.length === 0) return methods;
  if (option !== 'auto') {
    for (const c of convs) methods.set(c.name, option);
    return methods;
  }
  const outShapes = new Map(staticTrace(arch).map((call) => [call.name, call.outputShape]));
  for (const c of convs) {
    const shape = outShapes.get(c.name);
    if (!shape) throw new Error(`no traced output for ${c.name}`); // every conv is called once by the forward walk
    methods.set(c.name, chooseGroupedMethod(undilated(c), shape[2]!, shape[3]!));
  }
  return methods;
}

/*
 * Two layout kernels for perGroup, registered for the wasm backend: the channel split and join it needs have no
 * fast TF.js op there (Slice copies the whole input out of the wasm heap before it slices, so G slices cost G
 * copies of the input; Gather and Transpose run generic per-element index arithmetic; Concat on the channel axis
 * makes a subarray per pixel and input). These are plain loops over views of the wasm heap, one pass each.
 */
const SPLIT_CHANNELS = 'ResnextSplitChannels';
const JOIN_CHANNELS = 'ResnextJoinChannels';
let kernelsRegistered = false;

function registerLayoutKernels(): void {
  if (kernelsRegistered) return;
  kernelsRegistered = true;
  tf.registerKernel({
    kernelName: SPLIT_CHANNELS,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const wasm = backend as BackendWasm;
      const x = inputs.x!;
      const parts = attrs!.parts as number;
      const [rows, channels] = x.shape as [number, number];
      const width = channels / parts;
      const outs = Array.from({ length: parts }, () => wasm.makeOutput([rows, width], 'float32'));
      // Views after every allocation: an allocation may grow (and so replace) the heap's buffer.
      const src = wasm.typedArrayFromHeap(x) as Float32Array;
      for (let k = 0; k < parts; k++) {
        const dst = wasm.typedArrayFromHeap(outs[k]!) as Float32Array;
        let o = 0;
        for (let r = 0, base = k * width; r < rows; r++, base += channels) for (let i = 0; i < width; i++) dst[o++] = src[base + i]!;
      }
      return outs;
    },
  });
  tf.registerKernel({
    kernelName: JOIN_CHANNELS,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const wasm = backend as BackendWasm;
      const parts = Object.keys(inputs).length;
      const [rows, width] = inputs['0']!.shape as [number, number];
      const channels = width * parts;
      const out = wasm.makeOutput([rows, channels], 'float32');
      const dst = wasm.typedArrayFromHeap(out) as Float32Array;
      for (let k = 0; k < parts; k++) {
        const src = wasm.typedArrayFromHeap(inputs[String(k)]!) as Float32Array;
        let o = 0;
        for (let r = 0, base = k * width; r < rows; r++, base += channels) for (let i = 0; i < width; i++) dst[base + i] = src[o++]!;
      }
      return out;
    },
  });
}

/** [P, C] → `parts` tensors [P, C/parts]: part k holds channels k·C/parts … (k+1)·C/parts − 1. */
function splitChannels(x: tf.Tensor2D, parts: number): tf.Tensor2D[] {
  registerLayoutKernels();
  return tf.engine().runKernel<tf.Tensor2D[]>(SPLIT_CHANNELS, { x }, { parts });
}

/** The inverse of splitChannels: `parts` tensors [P, W] → [P, parts·W]. */
function joinChannels(xs: tf.Tensor2D[]): tf.Tensor2D {
  registerLayoutKernels();
  return tf.engine().runKernel<tf.Tensor2D>(JOIN_CHANNELS, Object.fromEntries(xs.map((t, k) => [String(k), t])));
}
