/**
 * The network on TensorFlow.js for inference: torchvision's ResNet/ResNeXt with BatchNorm (eval mode) folded into
 * the preceding convolution, so conv+BN(+ReLU) is one fused op. The trace still reports every leaf module call of
 * torchvision's forward (conv, bn, relu … each with its output shape) because the fused op's output has exactly the
 * shape each of them would have.
 */
import { initBackend, tf } from './tf';
import {
  architecture,
  blockConvs,
  checkBuildable,
  paramModules,
  stateDictSpec,
  type Architecture,
  type BatchNormModule,
  type ConvModule,
  type LinearModule,
} from './architecture';
import type { NetworkConfig } from './config';
import {
  groupedConv2d,
  groupedMethods,
  prepareGroupedConv,
  spreadKernel,
  undilated,
  type GroupedMethod,
  type GroupedMethodOption,
  type PreparedGroupedConv,
} from './groupedConv';
import { walkForward, type ForwardOps, type TraceSink } from './shapes';
import { checkStateDict, type StateDict, type TensorData } from './weights/stateDict';

export type { ContainerType, LeafCall, LeafType, TraceSink } from './shapes';

/** BatchNorm2d default eps (torch.nn.BatchNorm2d). */
const BN_EPS = 1e-5;

interface FusedConv {
  readonly spec: ConvModule;
  readonly grouped?: PreparedGroupedConv;
  readonly filter?: tf.Tensor4D;
  readonly bias?: tf.Tensor1D;
}

/** Convolution followed by eval-mode BatchNorm as one conv with bias: w' = w·γ/√(var+ε), b' = β − μ·γ/√(var+ε). */
export function foldBatchNorm(weight: Float32Array, outChannels: number, bnParams: BatchNormParams): { weight: Float32Array; bias: Float32Array } {
  const perOut = weight.length / outChannels;
  const folded = new Float32Array(weight.length);
  const bias = new Float32Array(outChannels);
  for (let o = 0; o < outChannels; o++) {
    const scale = bnParams.gamma[o]! / Math.sqrt(bnParams.runningVar[o]! + BN_EPS);
    bias[o] = bnParams.beta[o]! - bnParams.runningMean[o]! * scale;
    const base = o * perOut;
    for (let i = 0; i < perOut; i++) folded[base + i] = weight[base + i]! * scale;
  }
  return { weight: folded, bias };
}

export interface BatchNormParams {
  readonly gamma: Float32Array;
  readonly beta: Float32Array;
  readonly runningMean: Float32Array;
  readonly runningVar: Float32Array;
}

/** PyTorch [Cout, Cin, kh, kw] → TF.js [kh, kw, Cin, Cout]. */
export function toHwio(weight: Float32Array, cout: number, cin: number, k: number): Float32Array {
  const out = new Float32Array(weight.length);
  for (let o = 0; o < cout; o++) {
    for (let i = 0; i < cin; i++) {
      const src = (o * cin + i) * k * k;
      for (let y = 0; y < k; y++) {
        for (let x = 0; x < k; x++) out[((y * k + x) * cin + i) * cout + o] = weight[src + y * k + x]!;
      }
    }
  }
  return out;
}

/** A source of PyTorch-layout float32 tensors by state-dict key. */
type TensorSource = (key: string, shape: readonly number[]) => Float32Array;

/** The fused conv with all-zero weights, made directly in TF.js layouts (a shape trace needs no weight values). */
function zeroConv(spec: ConvModule, method: GroupedMethod): FusedConv {
  spec = undilated(spec);
  const k = spec.kernel;
  if (spec.groups === 1) {
    return { spec, filter: tf.zeros([k, k, spec.inChannels, spec.outChannels]), bias: tf.zeros([spec.outChannels]) };
  }
  return { spec, grouped: prepareGroupedConv(undefined, undefined, spec, method) };
}

/**
 * A conv with its BN folded in, or (bn undefined) with its own bias (SE's 1x1 convs), in TF.js layouts; a grouped
 * conv in the layout of its method (groupedConv.ts) only.
 */
function fuseConv(spec: ConvModule, bnSpec: BatchNormModule | undefined, get: TensorSource | undefined, method: GroupedMethod = 'depthwise'): FusedConv {
  if (!get) return zeroConv(spec, method);
  const cinPerGroup = spec.inChannels / spec.groups;
  const raw = get(`${spec.name}.weight`, [spec.outChannels, cinPerGroup, spec.kernel, spec.kernel]);
  let weight = raw;
  let bias: Float32Array;
  if (bnSpec) {
    const bnParams: BatchNormParams = {
      gamma: get(`${bnSpec.name}.weight`, [bnSpec.channels]),
      beta: get(`${bnSpec.name}.bias`, [bnSpec.channels]),
      runningMean: get(`${bnSpec.name}.running_mean`, [bnSpec.channels]),
      runningVar: get(`${bnSpec.name}.running_var`, [bnSpec.channels]),
    };
    ({ weight, bias } = foldBatchNorm(raw, spec.outChannels, bnParams));
  } else {
    bias = spec.bias ? get(`${spec.name}.bias`, [spec.outChannels]) : new Float32Array(spec.outChannels);
  }
  weight = spreadKernel(weight, spec);
  spec = undilated(spec);
  if (spec.groups === 1) {
    return {
      spec,
      filter: tf.tensor4d(toHwio(weight, spec.outChannels, spec.inChannels, spec.kernel), [spec.kernel, spec.kernel, spec.inChannels, spec.outChannels]),
      bias: tf.tensor1d(bias),
    };
  }
  return { spec, grouped: prepareGroupedConv(weight, bias, spec, method) };
}

function applyConv(x: tf.Tensor4D, conv: FusedConv, relu: boolean): tf.Tensor4D {
  const { spec } = conv;
  if (conv.grouped) return groupedConv2d(x, conv.grouped, relu);
  return tf.fused.conv2d({
    x,
    filter: conv.filter!,
    bias: conv.bias,
    strides: spec.stride,
    pad: spec.padding,
    dilations: spec.dilation ?? 1,
    activation: relu ? 'relu' : 'linear',
  });
}

/**
 * The PyTorch shape of a value. Activations are NHWC ([N, H, W, C] for PyTorch's [N, C, H, W]); SK's stacked paths
 * are NHWC per path ([N, P, H, W, C] for [N, P, C, H, W]); flat values ([N, F], ECA's [N, 1, C]) are as PyTorch has them.
 */
const nchw = (t: tf.Tensor): number[] => {
  const s = t.shape;
  if (t.rank === 4) return [s[0]!, s[3]!, s[1]!, s[2]!];
  if (t.rank === 5) return [s[0]!, s[1]!, s[4]!, s[2]!, s[3]!];
  return [...s];
};
/** The TF.js layout of a PyTorch shape (the inverse of `nchw`). */
const tfLayout = (shape: readonly number[]): number[] => {
  const s = shape;
  if (s.length === 4) return [s[0]!, s[2]!, s[3]!, s[1]!];
  if (s.length === 5) return [s[0]!, s[1]!, s[3]!, s[4]!, s[2]!];
  return [...s];
};
/** Whether a PyTorch shape's spatial axes are all 1 (or absent): then NCHW and NHWC order its elements alike. */
const pointwise = (shape: readonly number[]): boolean => shape.length < 4 || shape.slice(-2).every((d) => d === 1);

/** torch's `view` on the pooled vectors it is used on (ECA's [N, C, 1, 1] ↔ [N, 1, C], SK's [N, P·C, 1, 1] → [N, P, C,
 * 1, 1]): with the spatial axes 1, NHWC orders the elements as NCHW does, so a reshape to the TF.js layout is all. */
function viewAs(x: tf.Tensor, shape: readonly number[]): tf.Tensor {
  if (!pointwise(nchw(x)) || !pointwise(shape))
    throw new Error(`view of [${nchw(x).join(', ')}] as [${shape.join(', ')}]: only pooled (1x1) values are viewed`); // a bug if reached
  return tf.reshape(x, tfLayout(shape));
}

/** timm EcaModule's Conv1d(1, 1, k, padding p, bias=False) across the channels of [N, 1, C]: a 1×k conv2d over a
 * 1×C image of one channel, zero-padded by p at both ends of the channel axis only. */
function channelConv1d(x: tf.Tensor, filter: tf.Tensor4D, padding: number): tf.Tensor {
  const [n, , c] = x.shape as [number, number, number];
  const y = tf.conv2d(tf.reshape(x, [n, 1, c, 1]) as tf.Tensor4D, filter, 1, [
    [0, 0],
    [0, 0],
    [padding, padding],
    [0, 0],
  ]);
  return tf.reshape(y, [n, 1, c]);
}

/** Seeded uniform PRNG (mulberry32): repeatable random weights without the cost of a normal sampler. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a of a key: per-tensor seeds, so a tensor's random values do not depend on the order of generation. */
function hashKey(key: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * torchvision's initialisation in distribution shape (conv: kaiming with fan_out and ReLU gain, drawn uniform with
 * the same standard deviation; BN γ=1 β=0, running mean 0 var 1; Linear uniform ±1/√fan_in), seeded per tensor and
 * generated on demand, so building never holds a second copy of all the weights.
 */
export function randomTensorSource(arch: Architecture, seed = 0): (key: string) => TensorData {
  const modules = new Map(paramModules(arch).map((m) => [m.name, m]));
  const uniform = (key: string, shape: number[], bound: number): TensorData => {
    const rand = mulberry32(hashKey(key, seed));
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = (rand() * 2 - 1) * bound;
    return { shape, data, sourceDtype: 'random' };
  };
  const filled = (n: number, v: number): TensorData => ({ shape: [n], data: new Float32Array(n).fill(v), sourceDtype: 'random' });
  return (key) => {
    const dot = key.lastIndexOf('.');
    const m = modules.get(key.slice(0, dot));
    const field = key.slice(dot + 1);
    if (m?.type === 'Conv2d' && field === 'weight') {
      const std = Math.sqrt(2 / (m.outChannels * m.kernel * m.kernel));
      return uniform(key, [m.outChannels, m.inChannels / m.groups, m.kernel, m.kernel], std * Math.sqrt(3));
    }
    if (m?.type === 'Conv2d' && m.bias && field === 'bias') {
      // torch.nn.Conv2d's default bias init: uniform ±1/√fan_in.
      return uniform(key, [m.outChannels], 1 / Math.sqrt((m.inChannels / m.groups) * m.kernel * m.kernel));
    }
    if (m?.type === 'Conv1d' && field === 'weight') {
      // torch.nn.Conv1d's default init (timm's init_weights touches Conv2d only): uniform ±1/√fan_in, fan_in = k.
      return uniform(key, [1, 1, m.kernel], 1 / Math.sqrt(m.kernel));
    }
    if (m?.type === 'BatchNorm2d') {
      const value = { weight: 1, bias: 0, running_mean: 0, running_var: 1 }[field];
      if (value !== undefined) return filled(m.channels, value);
    }
    if (m?.type === 'Linear') {
      const bound = 1 / Math.sqrt(m.inFeatures);
      if (field === 'weight') return uniform(key, [m.outFeatures, m.inFeatures], bound);
      if (field === 'bias') return uniform(key, [m.outFeatures], bound);
    }
    throw new Error(`no parameter ${key} in this architecture`);
  };
}

/** All random weights as a state dict (for tests and tools that need the values, e.g. to save them). */
export function randomStateDict(arch: Architecture, seed = 0): Map<string, TensorData> {
  const source = randomTensorSource(arch, seed);
  return new Map(
    stateDictSpec(arch)
      .filter((e) => !e.key.endsWith('num_batches_tracked'))
      .map((e) => [e.key, source(e.key)]),
  );
}

export interface NetworkOptions {
  /** Real weights (checked against the architecture). */
  readonly stateDict?: StateDict;
  /** Without a state dict: seeded random weights (default) or zeros, made directly in TF.js (fast; for shape traces). */
  readonly init?: 'random' | 'zeros';
  /** Where the weights came from, for error messages. */
  readonly source?: string;
  readonly seed?: number;
  /**
   * How grouped convs run (groupedConv.ts). Default 'auto': each layer shape's fastest method, measured once per
   * process and thread count while building (tenths of a second the first time). A caller that runs one forward
   * only to trace shapes (the summary) passes a fixed method instead: the measurement would cost more than it saves.
   */
  readonly groupedMethod?: GroupedMethodOption;
  /**
   * 'resident' (default): every conv is folded and uploaded once, at build, for networks that run many forwards.
   * 'streamed': each conv is folded, uploaded, run and disposed at its call, so at most one layer's weights are in
   * TF.js at a time (XNNPACK's packed copy goes with its filter). For one-forward callers (a summary's trace): the
   * same work as resident once, with a peak of the source weights plus one layer instead of three copies of all.
   */
  readonly residency?: 'resident' | 'streamed';
}

/**
 * A built network. Holds TF.js tensors until `dispose()`. Not exported as a class: use `buildNetwork`.
 */
export interface Network {
  readonly config: NetworkConfig;
  readonly architecture: Architecture;
  /** Runs the network on an NCHW float32 input; returns logits [N, numClasses]. The caller disposes the result. */
  forward(input: tf.Tensor4D, trace?: TraceSink): tf.Tensor2D;
  /**
   * `forward` that also returns layer4's output (NHWC [N, H, W, K], the final grid before the global average pool),
   * for class activation maps. The caller disposes both tensors.
   */
  forwardWithFeatures(input: tf.Tensor4D): { readonly logits: tf.Tensor2D; readonly features: tf.Tensor4D };
  /** fc's weight as PyTorch stores it, [numClasses, K] row-major (a copy). */
  fcWeight(): Float32Array;
  dispose(): void;
}

class TfNetwork implements Network {
  private disposed = false;

  constructor(
    readonly config: NetworkConfig,
    readonly architecture: Architecture,
    private readonly convs: ConvProvider,
    /** ECA's Conv1d filters as 1×k conv2d filters [1, k, 1, 1], by module name (k values each: always resident). */
    private readonly conv1ds: ReadonlyMap<string, tf.Tensor4D>,
    private readonly fcWeightTensor: tf.Tensor2D,
    private readonly fcBias: tf.Tensor1D,
    private readonly tensors: readonly tf.Tensor[],
  ) {}

  forward(input: tf.Tensor4D, trace?: TraceSink): tf.Tensor2D {
    return this.run(input, trace, false).logits;
  }

  forwardWithFeatures(input: tf.Tensor4D): { readonly logits: tf.Tensor2D; readonly features: tf.Tensor4D } {
    const { logits, features } = this.run(input, undefined, true);
    return { logits, features: features! };
  }

  fcWeight(): Float32Array {
    return this.fcWeightTensor.dataSync() as Float32Array;
  }

  private run(input: tf.Tensor4D, trace: TraceSink | undefined, keepFeatures: boolean): { logits: tf.Tensor2D; features?: tf.Tensor4D } {
    if (this.disposed) throw new Error('network used after dispose()');
    // Fully convolutional up to the global average pool: any H x W works, as in torchvision.
    if (input.shape[1] !== 3) throw new Error(`input must be [N, 3, H, W], got [${input.shape.join(', ')}]`);
    const convs = this.convs;
    let lastMeanInput: tf.Tensor | undefined;
    let features: tf.Tensor4D | undefined;
    const ops: ForwardOps<tf.Tensor> = {
      shape: nchw,
      convBn: (x, conv, bn, relu) => {
        const fused = convs.take(conv, bn);
        try {
          return applyConv(x as tf.Tensor4D, fused, relu);
        } finally {
          convs.release(fused);
        }
      },
      maxPool: (x) => tf.maxPool(x as tf.Tensor4D, 3, 2, 1),
      // TF's 'same' pads at the end only and averages over the real elements: PyTorch's ceil_mode=True,
      // count_include_pad=False for a 2x2 window (a window that would start past the input is never made).
      avgPool2: (x, stride) => tf.avgPool(x as tf.Tensor4D, 2, stride, 'same'),
      mean: (x) => {
        // The last mean taken is the head's global average pool (SE blocks take means too, earlier): its input is
        // layer4's output, the features a class activation map weighs.
        lastMeanInput = x;
        return tf.mean(x, [1, 2], true);
      },
      sigmoid: (x) => tf.sigmoid(x),
      scale: (x, gate) => tf.mul(x, gate),
      addRelu: (a, b) => tf.relu(tf.add(a, b)),
      flatten: (x) => tf.reshape(x, [x.shape[0]!, x.shape[3]!]),
      linear: (x, fc: LinearModule) => {
        if (fc.inFeatures !== x.shape[1]) throw new Error(`${fc.name} expects ${fc.inFeatures} features, got ${x.shape[1]}`);
        return tf.add(tf.matMul(x as tf.Tensor2D, this.fcWeightTensor, false, true), this.fcBias);
      },
      // One tidy per block, disposing each block's input as soon as the next exists: at most two blocks'
      // activations are alive at a time (one tidy around the whole forward would keep every intermediate).
      scope: (x, run) => {
        const y = tf.tidy(() => run(x));
        // The head's stage pools its own input: kept (not freed) when the caller wants the features.
        if (keepFeatures && x === lastMeanInput) features = x as tf.Tensor4D;
        else x.dispose();
        return y;
      },
      view: (x, shape) => viewAs(x, shape),
      conv1d: (x, conv) => channelConv1d(x, this.conv1ds.get(conv.name)!, conv.padding),
      // [N, H, W, C] each → [N, P, H, W, C]; the paths axis is where PyTorch has it, the channels stay last.
      stack: (xs) => tf.stack([...xs], 1),
      sumPaths: (x) => tf.sum(x, 1),
      // TF.js's softmax runs over the last axis only: the paths go there and back ([N, P, 1, 1, C] ↔ [N, 1, 1, C, P]).
      softmaxPaths: (x) => tf.transpose(tf.softmax(tf.transpose(x, [0, 2, 3, 4, 1])), [0, 4, 1, 2, 3]),
    };
    const nhwc = tf.transpose(input, [0, 2, 3, 1]);
    const logits = walkForward<tf.Tensor>(this.architecture, ops, nhwc, trace) as tf.Tensor2D;
    if (keepFeatures && !features) throw new Error('the forward walk took no global average pool'); // a bug if reached
    return keepFeatures ? { logits, features } : { logits };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of this.tensors) t.dispose();
  }
}

/** The fused convs a forward takes, by module: held for the network's life, or made at each call and dropped after. */
interface ConvProvider {
  take(conv: ConvModule, bn: BatchNormModule | undefined): FusedConv;
  release(fused: FusedConv): void;
}

const convTensors = (c: FusedConv): tf.Tensor[] => [c.filter, c.bias, ...(c.grouped?.tensors ?? [])].filter((t): t is NonNullable<typeof t> => t !== undefined);

/**
 * Builds the network for a (validated) configuration, from real weights or seeded random ones. Initialises the
 * TF.js backend first: the network's tensors are made on it, so no caller can build before the backend is ready
 * (a worker that classified before anything else did once failed exactly there).
 */
export function buildNetwork(config: NetworkConfig, options: NetworkOptions = {}): Promise<Network> {
  return buildNetworkOf(architecture(config), options);
}

/** `buildNetwork` for an architecture as given (a test builds one deliberately wrong to see the reference reject it). */
export async function buildNetworkOf(arch: Architecture, options: NetworkOptions = {}): Promise<Network> {
  await initBackend();
  const config = arch.config;
  checkBuildable(arch);
  if (options.stateDict) checkStateDict(options.stateDict, arch, options.source ?? 'the state dict');
  const { stateDict } = options;
  const random = options.init === 'zeros' ? undefined : randomTensorSource(arch, options.seed ?? 0);
  const get: TensorSource | undefined = stateDict
    ? (key) => {
        const t = stateDict.get(key);
        if (!t) throw new Error(`state dict has no ${key}`); // checkStateDict ran first; this is a bug if reached
        return t.data;
      }
    : random && ((key) => random(key).data);
  const tensors: tf.Tensor[] = [];
  let convs: ConvProvider;
  const methods = groupedMethods(arch, options.groupedMethod ?? 'auto');
  try {
    if (options.residency === 'streamed') {
      convs = {
        take: (conv, bn) => fuseConv(conv, bn, get, methods.get(conv.name)),
        release: (fused) => {
          for (const t of convTensors(fused)) t.dispose();
        },
      };
    } else {
      const resident = new Map<string, FusedConv>();
      const keep = (conv: ConvModule, bn: BatchNormModule | undefined): void => {
        const c = fuseConv(conv, bn, get, methods.get(conv.name));
        tensors.push(...convTensors(c));
        resident.set(conv.name, c);
      };
      for (const u of arch.stem) keep(u.conv, u.bn);
      for (const b of arch.blocks) for (const [conv, bn] of blockConvs(b)) keep(conv, bn);
      convs = { take: (conv) => resident.get(conv.name)!, release: () => undefined };
    }
    const conv1ds = new Map<string, tf.Tensor4D>();
    for (const m of paramModules(arch)) {
      if (m.type !== 'Conv1d') continue;
      const filter = get ? tf.tensor4d(get(`${m.name}.weight`, [1, 1, m.kernel]), [1, m.kernel, 1, 1]) : tf.zeros<tf.Rank.R4>([1, m.kernel, 1, 1]);
      tensors.push(filter);
      conv1ds.set(m.name, filter);
    }
    const fc = arch.fc;
    const fcShape: [number, number] = [fc.outFeatures, fc.inFeatures];
    const fcWeight = get ? tf.tensor2d(get(`${fc.name}.weight`, fcShape), fcShape) : tf.zeros<tf.Rank.R2>(fcShape);
    tensors.push(fcWeight);
    const fcBias = get ? tf.tensor1d(get(`${fc.name}.bias`, [fc.outFeatures])) : tf.zeros<tf.Rank.R1>([fc.outFeatures]);
    tensors.push(fcBias);
    return new TfNetwork(config, arch, convs, conv1ds, fcWeight, fcBias, tensors);
  } catch (error) {
    for (const t of tensors) t.dispose();
    throw error;
  }
}
