/**
 * The split-transform-merge equivalence of a ResNeXt block (Xie et al., "Aggregated Residual Transformations for
 * Deep Neural Networks", CVPR 2017, Fig. 3 and §3): one Bottleneck computed three ways on the same weights and the
 * same input, so a reader can see that the grouped convolution the network runs is the paper's aggregation of C
 * paths, and what each form costs.
 *
 * What is computed: the whole block as torchvision's Bottleneck.forward does it (eval mode),
 *   y = ReLU( BN3(conv3( ReLU(BN2(conv2( ReLU(BN1(conv1(x))) ))) )) + shortcut(x) ),
 * shortcut = identity, or downsample (1x1 conv with the block's stride + BN; with timm's avg-down a 2x2 average pool
 * with the stride, then a 1x1 conv + BN) on the first block of a stage. With Squeeze-and-Excitation (timm), the
 * residual branch is SE(BN3(conv3(…))) before the add: SE is computed by the same code on each form's branch output
 * (it is a function of the whole branch, so it cannot split across paths), and its two 1x1 convs are counted.
 * The three forms differ only in the residual function F; the shortcut, the addition and the final ReLU are the same
 * code in all three (Fig. 3 draws them too). With C = groups and d = width / C (the "4d" of 32x4d):
 *   (a) C parallel paths; path i: 1x1 (Cin→d) → BN → ReLU → 3x3 (d→d, stride) → BN → ReLU → 1x1 (d→Cout); the C
 *       outputs summed, then BN3's shift added once.
 *   (b) early concatenation: C paths of 1x1 (Cin→d) → 3x3 (d→d); their outputs concatenated (C·d channels); one
 *       1x1 (C·d→Cout) + BN3.
 *   (c) the network's own implementation: one 1x1 (Cin→C·d), the grouped 3x3 (`groupedConv2d`, here by its
 *       depthwise method, or a plain conv2d when C = 1, as network.ts does), one 1x1 (C·d→Cout).
 * Path i owns channels [i·d, (i+1)·d) of conv1's output and of conv3's input, because PyTorch's grouped conv gives
 * group i exactly those input and output channels (Conv2d docs, `groups`).
 *
 * BatchNorm is folded into the conv before it (eval mode: w·γ/√(var+ε), b = β − μ·γ/√(var+ε), network.ts). BN1 and
 * BN2 act per channel and each channel belongs to one path, so they split across paths. BN3 acts on the *sum* of the
 * paths: BN3(Σᵢ zᵢ) = s ⊙ Σᵢ zᵢ + t = Σᵢ (s ⊙ zᵢ) + t. So form (a) scales each path's last 1x1 by s (linear, so it
 * distributes over the sum) and adds the shift t once after summing; adding it in every path would add it C times.
 * With that, (a), (b) and (c) are the same function; they differ only by float32 rounding (summation order).
 *
 * Op counts are measured, not derived: each form runs under `tf.profile`, and the convolution kernels it executed
 * (Conv2D, FusedConv2D, DepthwiseConv2dNative, FusedDepthwiseConv2D) are counted; their multiply-adds come from the
 * kernels' own filter and output shapes: numel(output) · kh · kw · (filter input channels for a conv, 1 for a
 * depthwise conv). All three equal the accounting's Conv2d MACs of the block (downsample included). `tf.profile` is
 * engine-global: do not run other TF.js work concurrently with `checkEquivalence`.
 */
import { initBackend, tf } from './tf';
import { checkedArchitecture, paramModules, type Architecture, type BatchNormModule, type BottleneckSpec, type ConvModule } from './architecture';
import { configName, type NetworkConfig } from './config';
import { ConfigError, InputError } from './errors';
import { foldBatchNorm, mulberry32, randomTensorSource, toHwio, type BatchNormParams } from './network';
import { groupedConv2d, prepareGroupedConv } from './groupedConv';
import { staticTrace } from './shapes';
import { checkStateDict, type StateDict } from './weights/stateDict';
import { FORMS, type Form } from './forms';
import { runBlock, type EngineChoice } from './engines';

export { EQUIVALENCE_SCHEMA, type Equivalence, type FormOps } from '../shared/data';
export { FORMS, type Form };
import { EQUIVALENCE_SCHEMA, type Equivalence, type FormOps } from '../shared/data';
/** Forms that agree to within this max abs difference are reported equivalent (float32 summation-order noise on
 * O(1) activations is ~1e-6). */
export const EQUIVALENCE_TOLERANCE = 1e-4;
/** The block computed when none is named: the first (`layer1.0`; the CIFAR layout's is `stage_1.stage_1_bottleneck_0`). */
export const DEFAULT_BLOCK = 'layer1.0';

/**
 * A negative control: damage one path of form (a) or (b) so that the comparison must report a difference.
 * `zero` sets the path's 3x3 weights to 0; `swap` gives it the next path's 3x3 weights (the symptom of a wrong
 * channel-to-path mapping).
 */
export interface Corruption {
  readonly form: 'a' | 'b';
  readonly path: number;
  readonly kind: 'zero' | 'swap';
}

export interface EquivalenceOptions {
  /** `layer1.0` by default. */
  readonly block?: string;
  /** Display name; defaults to the preset name or a description of the configuration. */
  readonly model?: string;
  /** Real weights (checked against the configuration). Without: seeded random weights, see `randomBlockSource`. */
  readonly stateDict?: StateDict;
  readonly weightsSource?: string;
  /** Seeds the input, and the weights when random. Default 0. */
  readonly seed?: number;
  readonly corrupt?: Corruption;
  /**
   * Also run the block on this engine (engines/index.ts runBlock) and compare it with (c); the result names it.
   * The three forms stay on TF.js wasm (their kernels are counted with tf.profile).
   */
  readonly engine?: EngineChoice;
  /** Told once per process why `auto` fell back to wasm. */
  readonly onLog?: (level: 'info' | 'warn', message: string) => void;
}

/** Conv weight in PyTorch layout [Cout, Cin/G, k, k] with its BN folded in, and the folded bias [Cout]. */
interface FoldedConv {
  readonly spec: ConvModule;
  readonly weight: Float32Array;
  readonly bias: Float32Array;
}

interface FoldedBlock {
  readonly spec: BottleneckSpec;
  readonly cardinality: number;
  readonly pathWidth: number;
  readonly conv1: FoldedConv;
  readonly conv2: FoldedConv;
  /** weight·s (BN3's scale), bias t (BN3's shift). */
  readonly conv3: FoldedConv;
  readonly downsample?: FoldedConv;
  /** SE's 1x1 convs with their own biases (no BN). */
  readonly se?: { readonly fc1: FoldedConv; readonly fc2: FoldedConv };
}

type WeightSource = (key: string) => Float32Array;

/** The block of that name, or a ConfigError that lists the valid names. */
export function findBlock(arch: Architecture, name: string, model: string): BottleneckSpec {
  const block = arch.blocks.find((b) => b.name === name);
  if (block?.kind === 'bottleneck') return block;
  if (block) {
    throw new ConfigError(
      `${name} of ${model} is a ${block.type}: the three forms compute a bottleneck's grouped 3x3 conv; choose a network with bottleneck blocks (e.g. resnext50_32x4d)`,
    );
  }
  throw new ConfigError(`${model} has no block '${name}'; valid blocks: ${arch.blocks.map((b) => b.name).join(', ')}`);
}

/**
 * Seeded random weights for one block: the convolutions exactly as `randomStateDict` (torchvision's init shape),
 * BatchNorm with random statistics (γ, σ² uniform in [0.5, 1.5), β, μ uniform in [−0.5, 0.5)) instead of
 * torchvision's γ=1 β=0 μ=0 σ²=1, which would make every BN an identity and leave the folding of BN3 untested.
 */
function randomBlockSource(arch: Architecture, seed: number): WeightSource {
  const torchvision = randomTensorSource(arch, seed);
  const bnRanges: Record<string, [number, number]> = { weight: [0.5, 1.5], bias: [-0.5, 0.5], running_mean: [-0.5, 0.5], running_var: [0.5, 1.5] };
  const batchNorms = new Set(
    paramModules(arch)
      .filter((m) => m.type === 'BatchNorm2d')
      .map((m) => m.name),
  );
  return (key) => {
    const t = torchvision(key);
    const field = key.slice(key.lastIndexOf('.') + 1);
    const isBatchNorm = batchNorms.has(key.slice(0, key.lastIndexOf('.')));
    const range = bnRanges[field];
    if (!isBatchNorm || !range) return t.data;
    // Per-key seed, so a tensor's values do not depend on the order in which they are asked for.
    let h = seed >>> 0;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
    const rand = mulberry32(h ^ 0x5bd1e995);
    return Float32Array.from(t.data, () => range[0] + (range[1] - range[0]) * rand());
  };
}

function fold(conv: ConvModule, bn: BatchNormModule, get: WeightSource): FoldedConv {
  const bnParams: BatchNormParams = {
    gamma: get(`${bn.name}.weight`),
    beta: get(`${bn.name}.bias`),
    runningMean: get(`${bn.name}.running_mean`),
    runningVar: get(`${bn.name}.running_var`),
  };
  const { weight, bias } = foldBatchNorm(get(`${conv.name}.weight`), conv.outChannels, bnParams);
  return { spec: conv, weight, bias };
}

function foldBlock(spec: BottleneckSpec, get: WeightSource): FoldedBlock {
  const cardinality = spec.conv2.groups;
  return {
    spec,
    cardinality,
    pathWidth: spec.conv2.inChannels / cardinality,
    conv1: fold(spec.conv1, spec.bn1, get),
    conv2: fold(spec.conv2, spec.bn2, get),
    conv3: fold(spec.conv3, spec.bn3, get),
    ...(spec.downsample ? { downsample: fold(spec.downsample.conv, spec.downsample.bn, get) } : {}),
    ...(spec.se ? { se: { fc1: ownBias(spec.se.fc1, get), fc2: ownBias(spec.se.fc2, get) } } : {}),
  };
}

function ownBias(conv: ConvModule, get: WeightSource): FoldedConv {
  return { spec: conv, weight: get(`${conv.name}.weight`), bias: get(`${conv.name}.bias`) };
}

/** Output rows [from, from + count) of a PyTorch-layout weight (each row = one output channel's filter). */
const outputRows = (w: Float32Array, perRow: number, from: number, count: number): Float32Array => w.slice(from * perRow, (from + count) * perRow);

/** Input columns [from, from + count) of a 1x1 weight [Cout, Cin, 1, 1] → [Cout, count, 1, 1]. */
function inputColumns(w: Float32Array, cout: number, cin: number, from: number, count: number): Float32Array {
  const out = new Float32Array(cout * count);
  for (let o = 0; o < cout; o++) out.set(w.subarray(o * cin + from, o * cin + from + count), o * count);
  return out;
}

/** A PyTorch-layout dense weight [Cout, Cin, k, k] as a TF.js filter [k, k, Cin, Cout]. */
const filter = (w: Float32Array, cout: number, cin: number, k: number): tf.Tensor4D => tf.tensor4d(toHwio(w, cout, cin, k), [k, k, cin, cout]);

function conv(x: tf.Tensor4D, f: tf.Tensor4D, bias: Float32Array | undefined, stride: number, padding: number, relu: boolean): tf.Tensor4D {
  return tf.fused.conv2d({ x, filter: f, bias: bias && tf.tensor1d(bias), strides: stride, pad: padding, activation: relu ? 'relu' : 'linear' });
}

/** The weights one path of forms (a) and (b) uses: conv1 rows, conv2 rows (the path's group), conv3 columns. */
interface PathWeights {
  readonly conv1: Float32Array;
  readonly bias1: Float32Array;
  readonly conv2: Float32Array;
  readonly bias2: Float32Array;
  readonly conv3: Float32Array;
}

function pathWeights(block: FoldedBlock, corrupt: Corruption | undefined, form: Form): PathWeights[] {
  const { cardinality: c, pathWidth: d, spec } = block;
  const cin = spec.conv1.inChannels;
  const cout = spec.conv3.outChannels;
  const conv2Row = d * 9; // a path's 3x3 filter per output channel: d inputs · 3 · 3
  const paths = Array.from({ length: c }, (_, i) => ({
    conv1: outputRows(block.conv1.weight, cin, i * d, d),
    bias1: block.conv1.bias.slice(i * d, (i + 1) * d),
    conv2: outputRows(block.conv2.weight, conv2Row, i * d, d),
    bias2: block.conv2.bias.slice(i * d, (i + 1) * d),
    conv3: inputColumns(block.conv3.weight, cout, c * d, i * d, d),
  }));
  if (corrupt && corrupt.form === form) {
    const victim = paths[corrupt.path]!;
    const damaged = corrupt.kind === 'zero' ? new Float32Array(victim.conv2.length) : paths[(corrupt.path + 1) % c]!.conv2;
    paths[corrupt.path] = { ...victim, conv2: damaged };
  }
  return paths;
}

function shortcut(x: tf.Tensor4D, block: FoldedBlock): tf.Tensor4D {
  const ds = block.downsample;
  if (!ds) return x;
  const pool = block.spec.downsample?.pool;
  // avg-down: AvgPool2d(2, stride, ceil_mode=True, count_include_pad=False), as network.ts runs it.
  const pooled = pool?.type === 'AvgPool2d' ? tf.avgPool(x, 2, pool.stride, 'same') : x;
  return conv(pooled, filter(ds.weight, ds.spec.outChannels, ds.spec.inChannels, 1), ds.bias, ds.spec.stride, 0, false);
}

/** timm SEModule on the residual branch: r · sigmoid(fc2(ReLU(fc1(mean_hw(r))))). */
function squeezeExcite(r: tf.Tensor4D, block: FoldedBlock): tf.Tensor4D {
  const se = block.se;
  if (!se) return r;
  const c = se.fc1.spec.inChannels;
  const rd = se.fc1.spec.outChannels;
  const hidden = conv(tf.mean(r, [1, 2], true), filter(se.fc1.weight, rd, c, 1), se.fc1.bias, 1, 0, true);
  const gate = tf.sigmoid(conv(hidden, filter(se.fc2.weight, c, rd, 1), se.fc2.bias, 1, 0, false));
  return tf.mul(r, gate);
}

/** Runs one form on an NHWC input; returns the block output (NHWC). Call inside tf.tidy. */
function runForm(form: Form, x: tf.Tensor4D, block: FoldedBlock, corrupt: Corruption | undefined): tf.Tensor4D {
  const { spec, cardinality: c, pathWidth: d } = block;
  const cin = spec.conv1.inChannels;
  const cout = spec.conv3.outChannels;
  const stride = spec.conv2.stride;
  let residual: tf.Tensor4D;
  if (form === 'c') {
    const h1 = conv(x, filter(block.conv1.weight, c * d, cin, 1), block.conv1.bias, 1, 0, true);
    const h2 =
      c === 1
        ? conv(h1, filter(block.conv2.weight, d, d, 3), block.conv2.bias, stride, 1, true)
        : groupedConv2d(
            h1,
            prepareGroupedConv(
              block.conv2.weight,
              block.conv2.bias,
              { inChannels: c * d, outChannels: c * d, groups: c, kernel: 3, stride, padding: 1 },
              'depthwise',
            ),
            true,
          );
    residual = conv(h2, filter(block.conv3.weight, cout, c * d, 1), block.conv3.bias, 1, 0, false);
  } else {
    const paths = pathWeights(block, corrupt, form).map((p) => {
      const h1 = conv(x, filter(p.conv1, d, cin, 1), p.bias1, 1, 0, true);
      const h2 = conv(h1, filter(p.conv2, d, d, 3), p.bias2, stride, 1, true);
      return { h2, conv3: p.conv3 };
    });
    if (form === 'a') {
      const partial = paths.map((p) => conv(p.h2, filter(p.conv3, cout, d, 1), undefined, 1, 0, false));
      const sum = partial.length === 1 ? partial[0]! : tf.addN(partial);
      residual = tf.add(sum, tf.tensor1d(block.conv3.bias)); // BN3's shift, once (see the file comment)
    } else {
      const concatenated =
        paths.length === 1
          ? paths[0]!.h2
          : tf.concat(
              paths.map((p) => p.h2),
              3,
            );
      residual = conv(concatenated, filter(block.conv3.weight, cout, c * d, 1), block.conv3.bias, 1, 0, false);
    }
  }
  return tf.relu(tf.add(squeezeExcite(residual, block), shortcut(x, block))) as tf.Tensor4D;
}

const CONV_KERNELS = new Set(['Conv2D', 'FusedConv2D', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2D']);
const DEPTHWISE_KERNELS = new Set(['DepthwiseConv2dNative', 'FusedDepthwiseConv2D']);
type ProfileInfo = Awaited<ReturnType<typeof tf.profile>>;
const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Convolution kernels and their multiply-adds from a profile (filter [kh, kw, Cin, Cout or multiplier]). */
function countOps(info: ProfileInfo): FormOps {
  let convOps = 0;
  let macs = 0;
  for (const k of info.kernels) {
    if (!CONV_KERNELS.has(k.name)) continue;
    const filterShape = k.inputShapes[1];
    const out = k.outputShapes[0];
    if (!filterShape || !out) throw new Error(`kernel ${k.name} was recorded without its filter or output shape`);
    convOps += 1;
    macs += numel(out) * filterShape[0]! * filterShape[1]! * (DEPTHWISE_KERNELS.has(k.name) ? 1 : filterShape[2]!);
  }
  return { convOps, macs, kernels: info.kernels.length };
}

/** NCHW shape of the block's input inside the network: conv1 is 1x1 stride 1, so its output has the input's H x W. */
function blockInputShape(arch: Architecture, block: BottleneckSpec): number[] {
  const call = staticTrace(arch).find((c) => c.name === block.conv1.name);
  if (!call) throw new Error(`no trace entry for ${block.conv1.name}`);
  const [n, , h, w] = call.outputShape as [number, number, number, number];
  return [n, block.conv1.inChannels, h, w];
}

function diffs(a: Float32Array, c: Float32Array): { max: number; mean: number } {
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - c[i]!);
    if (d > max || Number.isNaN(d)) max = d;
    sum += d;
  }
  return { max, mean: a.length === 0 ? 0 : sum / a.length };
}

/**
 * Runs forms (a), (b) and (c) of one block on one seeded random input and compares (a) and (b) with (c).
 * Throws ConfigError for an invalid configuration or a block that does not exist (the message lists the valid
 * ones), WeightsError for a state dict that does not fit. Leaves tf.memory().numTensors unchanged.
 */
export async function checkEquivalence(config: NetworkConfig, options: EquivalenceOptions = {}): Promise<Equivalence> {
  return (await equivalenceWithOutputs(config, options)).result;
}

/** The block's outputs, NHWC [1, H, W, C]: each form's, and the engine's where it ran the block. */
export interface BlockOutputs {
  readonly forms: Readonly<Record<Form, Float32Array>>;
  readonly engine?: Float32Array;
}

/** `checkEquivalence` with the outputs it compared (tests check them against PyTorch's). */
export async function equivalenceWithOutputs(config: NetworkConfig, options: EquivalenceOptions = {}): Promise<{ result: Equivalence; outputs: BlockOutputs }> {
  const arch = checkedArchitecture(config);
  const model = options.model ?? configName(config);
  const blockName = options.block ?? arch.blocks[0]!.name;
  const spec = findBlock(arch, blockName, model);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new InputError(`seed must be a whole number from 0 to ${0xffffffff}, got ${seed}`);
  const corrupt = options.corrupt;
  if (
    corrupt &&
    !(Number.isInteger(corrupt.path) && corrupt.path >= 0 && corrupt.path < spec.conv2.groups && (corrupt.kind === 'zero' || spec.conv2.groups > 1))
  ) {
    throw new ConfigError(
      `cannot corrupt path ${corrupt.path} (${corrupt.kind}) of ${blockName}: it has ${spec.conv2.groups} path(s), numbered from 0; 'swap' needs at least 2`,
    );
  }
  let get: WeightSource;
  let weights: string;
  const { stateDict } = options;
  if (stateDict) {
    weights = options.weightsSource ?? 'the state dict';
    checkStateDict(stateDict, arch, weights);
    get = (key) => stateDict.get(key)!.data; // every key the block reads was checked above
  } else {
    weights = `random (seed ${seed})`;
    get = randomBlockSource(arch, seed);
  }
  const block = foldBlock(spec, get);
  const inputShape = blockInputShape(arch, spec);
  // Uniform in [-1, 1), NCHW, from the same PRNG as the weights but a different stream.
  const rand = mulberry32((seed ^ 0x9e3779b9) >>> 0);
  const inputValues = Float32Array.from({ length: numel(inputShape) }, () => rand() * 2 - 1);

  await initBackend();
  const x = tf.tidy(() => tf.transpose(tf.tensor4d(inputValues, inputShape as [number, number, number, number]), [0, 2, 3, 1]) as tf.Tensor4D);
  const outputs: Partial<Record<Form, Float32Array>> = {};
  const ops: Partial<Record<Form, FormOps>> = {};
  let outputShape: number[] = [];
  try {
    for (const form of FORMS) {
      // A form that throws is cleaned up by its tidy; the error is rethrown after tf.profile returns, because a
      // query that throws would leave the engine in profiling mode. A form that returns leaves only its result.
      const failure: { error?: unknown } = {};
      const info = await tf.profile(() => {
        try {
          return tf.tidy(() => runForm(form, x, block, corrupt));
        } catch (error) {
          failure.error = error ?? new Error(`form (${form}) failed`);
          return [];
        }
      });
      if ('error' in failure) throw failure.error;
      const result = info.result as tf.Tensor4D;
      try {
        ops[form] = countOps(info);
        outputs[form] = (await result.data()) as Float32Array;
        const [n, h, w, ch] = result.shape;
        outputShape = [n, ch, h, w];
      } finally {
        result.dispose();
      }
    }
  } finally {
    x.dispose();
  }
  const c = outputs.c!;
  const aVsC = diffs(outputs.a!, c);
  const bVsC = diffs(outputs.b!, c);
  let maxAbsOutput = 0;
  for (const v of c) maxAbsOutput = Math.max(maxAbsOutput, Math.abs(v));
  let engine: Equivalence['engine'];
  let engineOutput: Float32Array | undefined;
  if (options.engine !== undefined) {
    // The engine builds the network's graph and keeps the block's part: the other blocks' weights are never run, so
    // zeros stand in for them.
    const weights = (key: string, dims: readonly number[]): Float32Array =>
      key.startsWith(`${blockName}.`) ? get(key) : new Float32Array(dims.reduce((a, b) => a * b, 1));
    const ran = await runBlock(config, blockName, weights, inputValues, inputShape, { engine: options.engine, ...(options.onLog && { onLog: options.onLog }) });
    engine = { name: ran.info.name, version: ran.info.version };
    if (ran.output) {
      if (ran.shape?.join() !== outputShape.join())
        throw new Error(`the engine's ${blockName} gave [${ran.shape?.join(', ')}], not [${outputShape.join(', ')}]`); // a bug if reached
      engineOutput = ran.output;
      const vsC = diffs(engineOutput, c);
      engine = { ...engine, maxAbsDiffVsC: vsC.max, meanAbsDiffVsC: vsC.mean };
    }
  }
  const engineAgrees = engine?.maxAbsDiffVsC === undefined || engine.maxAbsDiffVsC <= EQUIVALENCE_TOLERANCE;
  const result: Equivalence = {
    schema: EQUIVALENCE_SCHEMA,
    model,
    block: blockName,
    weights,
    seed,
    cardinality: block.cardinality,
    pathWidth: block.pathWidth,
    inputShape,
    outputShape,
    shortcut: spec.downsample ? 'downsample' : 'identity',
    maxAbsOutput,
    maxAbsDiff: { aVsC: aVsC.max, bVsC: bVsC.max },
    meanAbsDiff: { aVsC: aVsC.mean, bVsC: bVsC.mean },
    ops: { a: ops.a!, b: ops.b!, c: ops.c! },
    tolerance: EQUIVALENCE_TOLERANCE,
    equivalent: aVsC.max <= EQUIVALENCE_TOLERANCE && bVsC.max <= EQUIVALENCE_TOLERANCE && engineAgrees,
    ...(engine && { engine }),
  };
  return { result, outputs: { forms: { a: outputs.a!, b: outputs.b!, c }, ...(engineOutput && { engine: engineOutput }) } };
}
