/**
 * The network on TensorFlow.js for inference: torchvision's ResNet/ResNeXt with BatchNorm (eval mode) folded into
 * the preceding convolution, so conv+BN(+ReLU) is one fused op. The trace still reports every leaf module call of
 * torchvision's forward (conv, bn, relu … each with its output shape) because the fused op's output has exactly the
 * shape each of them would have.
 */
import { tf } from './tf';
import { architecture, paramModules, type Architecture, type BatchNormModule, type ConvModule } from './architecture';
import type { NetworkConfig } from './config';
import { groupedConvFilter, groupedConv2d, type GroupedConvWeights } from './groupedConv';
import { checkStateDict, type StateDict, type TensorData } from './weights/stateDict';

/** BatchNorm2d default eps (torch.nn.BatchNorm2d). */
const BN_EPS = 1e-5;

export type LeafType = 'Conv2d' | 'BatchNorm2d' | 'ReLU' | 'MaxPool2d' | 'AdaptiveAvgPool2d' | 'Linear';

/** One call of a leaf module (or, with `type: 'Bottleneck'`, a block; torchsummary prints both). */
export interface LeafCall {
  readonly name: string;
  readonly type: LeafType;
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
  readonly specs: Architecture['blocks'][number];
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

function fuseConv(spec: ConvModule, bnSpec: BatchNormModule, get: TensorSource): FusedConv {
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

/**
 * torchvision's initialisation in distribution shape (conv: kaiming with fan_out and ReLU gain, drawn uniform with
 * the same standard deviation; BN γ=1 β=0, running mean 0 var 1; Linear uniform ±1/√fan_in), seeded.
 */
export function randomStateDict(arch: Architecture, seed = 0): Map<string, TensorData> {
  const rand = mulberry32(seed);
  const out = new Map<string, TensorData>();
  const uniform = (shape: number[], bound: number): TensorData => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = (rand() * 2 - 1) * bound;
    return { shape, data, sourceDtype: 'random' };
  };
  const filled = (n: number, v: number): TensorData => ({ shape: [n], data: new Float32Array(n).fill(v), sourceDtype: 'random' });
  for (const m of paramModules(arch)) {
    if (m.type === 'Conv2d') {
      const std = Math.sqrt(2 / (m.outChannels * m.kernel * m.kernel));
      out.set(`${m.name}.weight`, uniform([m.outChannels, m.inChannels / m.groups, m.kernel, m.kernel], std * Math.sqrt(3)));
    } else if (m.type === 'BatchNorm2d') {
      out.set(`${m.name}.weight`, filled(m.channels, 1));
      out.set(`${m.name}.bias`, filled(m.channels, 0));
      out.set(`${m.name}.running_mean`, filled(m.channels, 0));
      out.set(`${m.name}.running_var`, filled(m.channels, 1));
    } else {
      const bound = 1 / Math.sqrt(m.inFeatures);
      out.set(`${m.name}.weight`, uniform([m.outFeatures, m.inFeatures], bound));
      out.set(`${m.name}.bias`, uniform([m.outFeatures], bound));
    }
  }
  return out;
}

export interface NetworkOptions {
  /** Real weights (checked against the architecture); without them, seeded random weights. */
  readonly stateDict?: StateDict;
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
    private readonly fcWeight: tf.Tensor2D,
    private readonly fcBias: tf.Tensor1D,
    private readonly tensors: readonly tf.Tensor[],
  ) {
    this.weightBytes = tensors.reduce((sum, t) => sum + t.size * 4, 0);
  }

  forward(input: tf.Tensor4D, trace?: TraceSink): tf.Tensor2D {
    if (this.disposed) throw new Error('network used after dispose()');
    const [n, c, h, w] = input.shape;
    if (c !== 3 || h !== this.config.inputHeightPx || w !== this.config.inputWidthPx) {
      throw new Error(`input must be [N, 3, ${this.config.inputHeightPx}, ${this.config.inputWidthPx}], got [${input.shape.join(', ')}]`);
    }
    void n;
    const record = (name: string, type: LeafType, t: tf.Tensor): void => trace?.({ name, type, outputShape: nchw(t) });
    return tf.tidy(() => {
      let x = tf.transpose(input, [0, 2, 3, 1]) as tf.Tensor4D;
      x = applyConv(x, this.stem, true);
      record('conv1', 'Conv2d', x);
      record('bn1', 'BatchNorm2d', x);
      record('relu', 'ReLU', x);
      x = tf.maxPool(x, 3, 2, 1);
      record('maxpool', 'MaxPool2d', x);
      for (const b of this.blocks) {
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
        x = tf.relu(tf.add(out, identity)) as tf.Tensor4D;
        record(`${b.name}.relu`, 'ReLU', x);
      }
      const pooled = tf.mean(x, [1, 2], true) as tf.Tensor4D;
      record('avgpool', 'AdaptiveAvgPool2d', pooled);
      const flat = tf.reshape(pooled, [pooled.shape[0], pooled.shape[3]!]) as tf.Tensor2D;
      const logits = tf.add(tf.matMul(flat, this.fcWeight, false, true), this.fcBias) as tf.Tensor2D;
      record('fc', 'Linear', logits);
      return logits;
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of this.tensors) t.dispose();
  }
}

/** Builds the network for a (validated) configuration, from real weights or seeded random ones. */
export function buildNetwork(config: NetworkConfig, options: NetworkOptions = {}): Network {
  const arch = architecture(config);
  const stateDict = options.stateDict ?? randomStateDict(arch, options.seed ?? 0);
  if (options.stateDict) checkStateDict(options.stateDict, arch, options.source ?? 'the weights');
  const get: TensorSource = (key) => {
    const t = stateDict.get(key);
    if (!t) throw new Error(`state dict has no ${key}`); // checkStateDict ran first; this is a bug if reached
    return t.data;
  };
  const tensors: tf.Tensor[] = [];
  const keep = (c: FusedConv): FusedConv => {
    for (const t of [c.filter, c.bias, c.grouped?.filter, c.grouped?.bias]) if (t) tensors.push(t);
    return c;
  };
  try {
    const stem = keep(fuseConv(arch.conv1, arch.bn1, get));
    const blocks = arch.blocks.map((b) => ({
      name: b.name,
      specs: b,
      conv1: keep(fuseConv(b.conv1, b.bn1, get)),
      conv2: keep(fuseConv(b.conv2, b.bn2, get)),
      conv3: keep(fuseConv(b.conv3, b.bn3, get)),
      ...(b.downsample ? { downsample: keep(fuseConv(b.downsample.conv, b.downsample.bn, get)) } : {}),
    }));
    const fcWeight = tf.tensor2d(get('fc.weight', []), [arch.fc.outFeatures, arch.fc.inFeatures]);
    tensors.push(fcWeight);
    const fcBias = tf.tensor1d(get('fc.bias', []));
    tensors.push(fcBias);
    return new TfNetwork(config, arch, stem, blocks, fcWeight, fcBias, tensors);
  } catch (error) {
    for (const t of tensors) t.dispose();
    throw error;
  }
}
