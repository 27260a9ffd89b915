/**
 * The network on TensorFlow.js for inference: torchvision's ResNet/ResNeXt with BatchNorm (eval mode) folded into
 * the preceding convolution, so conv+BN(+ReLU) is one fused op. The trace still reports every leaf module call of
 * torchvision's forward (conv, bn, relu … each with its output shape) because the fused op's output has exactly the
 * shape each of them would have.
 */
import { initBackend, tf } from './tf';
import { architecture, paramModules, stateDictSpec, type Architecture, type BatchNormModule, type ConvModule } from './architecture';
import type { NetworkConfig } from './config';
import { groupedConvFilter, groupedConv2d, type GroupedConvWeights } from './groupedConv';
import { checkStateDict, type StateDict, type TensorData } from './weights/stateDict';

/** BatchNorm2d default eps (torch.nn.BatchNorm2d). */
const BN_EPS = 1e-5;

export type LeafType = 'Conv2d' | 'BatchNorm2d' | 'ReLU' | 'MaxPool2d' | 'AdaptiveAvgPool2d' | 'Linear';

/** One call of a leaf module, or (type `Bottleneck`) of a block: torchsummary prints a row for both. */
export interface LeafCall {
  readonly name: string;
  readonly type: LeafType | 'Bottleneck';
  /** PyTorch NCHW (or [N, features] for Linear). */
  readonly outputShape: readonly number[];
}

export type TraceSink = (call: LeafCall) => void;

interface FusedConv {
  readonly spec: ConvModule;
  readonly grouped?: GroupedConvWeights;
  readonly filter?: tf.Tensor4D;
  readonly bias?: tf.Tensor1D;
}

interface BlockWeights {
  readonly name: string;
  readonly conv1: FusedConv;
  readonly conv2: FusedConv;
  readonly conv3: FusedConv;
  readonly downsample?: FusedConv;
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
function zeroConv(spec: ConvModule): FusedConv {
  const k = spec.kernel;
  if (spec.groups === 1) {
    return { spec, filter: tf.zeros([k, k, spec.inChannels, spec.outChannels]), bias: tf.zeros([spec.outChannels]) };
  }
  const multiplier = spec.outChannels / spec.groups;
  return {
    spec,
    grouped: {
      filter: tf.zeros([k, k, spec.inChannels, multiplier]),
      bias: tf.zeros([spec.inChannels * multiplier]),
      groups: spec.groups,
      inChannels: spec.inChannels,
      outChannels: spec.outChannels,
    },
  };
}

function fuseConv(spec: ConvModule, bnSpec: BatchNormModule, get: TensorSource | undefined): FusedConv {
  if (!get) return zeroConv(spec);
  const cinPerGroup = spec.inChannels / spec.groups;
  const raw = get(`${spec.name}.weight`, [spec.outChannels, cinPerGroup, spec.kernel, spec.kernel]);
  const bnParams: BatchNormParams = {
    gamma: get(`${bnSpec.name}.weight`, [bnSpec.channels]),
    beta: get(`${bnSpec.name}.bias`, [bnSpec.channels]),
    runningMean: get(`${bnSpec.name}.running_mean`, [bnSpec.channels]),
    runningVar: get(`${bnSpec.name}.running_var`, [bnSpec.channels]),
  };
  const { weight, bias } = foldBatchNorm(raw, spec.outChannels, bnParams);
  if (spec.groups === 1) {
    return {
      spec,
      filter: tf.tensor4d(toHwio(weight, spec.outChannels, spec.inChannels, spec.kernel), [spec.kernel, spec.kernel, spec.inChannels, spec.outChannels]),
      bias: tf.tensor1d(bias),
    };
  }
  return { spec, grouped: groupedConvFilter(weight, bias, spec.inChannels, spec.outChannels, spec.kernel, spec.groups) };
}

function applyConv(x: tf.Tensor4D, conv: FusedConv, relu: boolean): tf.Tensor4D {
  const { spec } = conv;
  if (conv.grouped) return groupedConv2d(x, conv.grouped, spec.stride, spec.padding, relu);
  return tf.fused.conv2d({
    x,
    filter: conv.filter!,
    bias: conv.bias,
    strides: spec.stride,
    pad: spec.padding,
    activation: relu ? 'relu' : 'linear',
  });
}

const nchw = (t: tf.Tensor): number[] => (t.rank === 4 ? [t.shape[0]!, t.shape[3]!, t.shape[1]!, t.shape[2]!] : [...t.shape]);

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
  return new Map(stateDictSpec(arch).filter((e) => !e.key.endsWith('num_batches_tracked')).map((e) => [e.key, source(e.key)]));
}

export interface NetworkOptions {
  /** Real weights (checked against the architecture). */
  readonly stateDict?: StateDict;
  /** Without a state dict: seeded random weights (default) or zeros, made directly in TF.js (fast; for shape traces). */
  readonly init?: 'random' | 'zeros';
  /** Where the weights came from, for error messages. */
  readonly source?: string;
  readonly seed?: number;
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
  /** Float32 weights in the network: count and bytes, for the UI and benchmarks. */
  readonly weightBytes: number;
  dispose(): void;
}

class TfNetwork implements Network {
  readonly weightBytes: number;
  private disposed = false;

  constructor(
    readonly config: NetworkConfig,
    readonly architecture: Architecture,
    private readonly stem: FusedConv,
    private readonly blocks: readonly BlockWeights[],
    private readonly fcWeightTensor: tf.Tensor2D,
    private readonly fcBias: tf.Tensor1D,
    private readonly tensors: readonly tf.Tensor[],
  ) {
    this.weightBytes = tensors.reduce((sum, t) => sum + t.size * 4, 0);
  }

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
    const record = (name: string, type: LeafCall['type'], t: tf.Tensor): void => trace?.({ name, type, outputShape: nchw(t) });
    // One tidy per block, disposing each block's input as soon as the next exists: at most two blocks' activations
    // are alive at a time (one tidy around the whole forward would keep every intermediate until the end).
    let x = tf.tidy(() => {
      const nhwc = tf.transpose(input, [0, 2, 3, 1]) as tf.Tensor4D;
      const stem = applyConv(nhwc, this.stem, true);
      record('conv1', 'Conv2d', stem);
      record('bn1', 'BatchNorm2d', stem);
      record('relu', 'ReLU', stem);
      const pooled = tf.maxPool(stem, 3, 2, 1);
      record('maxpool', 'MaxPool2d', pooled);
      return pooled;
    });
    for (const b of this.blocks) {
      const next = tf.tidy(() => {
        let out = applyConv(x, b.conv1, true);
        record(`${b.name}.conv1`, 'Conv2d', out);
        record(`${b.name}.bn1`, 'BatchNorm2d', out);
        record(`${b.name}.relu`, 'ReLU', out);
        out = applyConv(out, b.conv2, true);
        record(`${b.name}.conv2`, 'Conv2d', out);
        record(`${b.name}.bn2`, 'BatchNorm2d', out);
        record(`${b.name}.relu`, 'ReLU', out);
        out = applyConv(out, b.conv3, false);
        record(`${b.name}.conv3`, 'Conv2d', out);
        record(`${b.name}.bn3`, 'BatchNorm2d', out);
        let identity = x;
        if (b.downsample) {
          identity = applyConv(x, b.downsample, false);
          record(`${b.name}.downsample.0`, 'Conv2d', identity);
          record(`${b.name}.downsample.1`, 'BatchNorm2d', identity);
        }
        const y = tf.relu(tf.add(out, identity)) as tf.Tensor4D;
        record(`${b.name}.relu`, 'ReLU', y);
        record(b.name, 'Bottleneck', y);
        return y;
      });
      x.dispose();
      x = next;
    }
    const features = x;
    const logits = tf.tidy(() => {
      const pooled = tf.mean(features, [1, 2], true) as tf.Tensor4D;
      if (!keepFeatures) features.dispose();
      record('avgpool', 'AdaptiveAvgPool2d', pooled);
      const flat = tf.reshape(pooled, [pooled.shape[0], pooled.shape[3]!]) as tf.Tensor2D;
      const out = tf.add(tf.matMul(flat, this.fcWeightTensor, false, true), this.fcBias) as tf.Tensor2D;
      record('fc', 'Linear', out);
      return out;
    });
    return keepFeatures ? { logits, features } : { logits };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of this.tensors) t.dispose();
  }
}

/**
 * Builds the network for a (validated) configuration, from real weights or seeded random ones. Initialises the
 * TF.js backend first: the network's tensors are made on it, so no caller can build before the backend is ready
 * (a worker that classified before anything else did once failed exactly there).
 */
export async function buildNetwork(config: NetworkConfig, options: NetworkOptions = {}): Promise<Network> {
  await initBackend();
  const arch = architecture(config);
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
  const keep = (c: FusedConv): FusedConv => {
    for (const t of [c.filter, c.bias, c.grouped?.filter, c.grouped?.bias]) if (t) tensors.push(t);
    return c;
  };
  try {
    const stem = keep(fuseConv(arch.conv1, arch.bn1, get));
    const blocks = arch.blocks.map((b) => ({
      name: b.name,
      conv1: keep(fuseConv(b.conv1, b.bn1, get)),
      conv2: keep(fuseConv(b.conv2, b.bn2, get)),
      conv3: keep(fuseConv(b.conv3, b.bn3, get)),
      ...(b.downsample ? { downsample: keep(fuseConv(b.downsample.conv, b.downsample.bn, get)) } : {}),
    }));
    const fcShape: [number, number] = [arch.fc.outFeatures, arch.fc.inFeatures];
    const fcWeight = get ? tf.tensor2d(get('fc.weight', fcShape), fcShape) : tf.zeros<tf.Rank.R2>(fcShape);
    tensors.push(fcWeight);
    const fcBias = get ? tf.tensor1d(get('fc.bias', [arch.fc.outFeatures])) : tf.zeros<tf.Rank.R1>([arch.fc.outFeatures]);
    tensors.push(fcBias);
    return new TfNetwork(config, arch, stem, blocks, fcWeight, fcBias, tensors);
  } catch (error) {
    for (const t of tensors) t.dispose();
    throw error;
  }
}
