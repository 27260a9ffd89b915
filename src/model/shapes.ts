/**
 * The forward pass of every architecture, written once over abstract operations (`ForwardOps<T>`): the TF.js
 * network (network.ts) runs it on tensors, and `staticTrace` runs it on shapes, computing each output size from the
 * convolution arithmetic instead of a forward pass. The order of the module calls, their names and types, and so
 * every row of a summary, come from this one function; a test proves the two traces equal for every preset.
 *
 * Tracing by arithmetic allocates no weights and no activations: it is how the 829M-parameter ResNeXt-101 32x48d
 * WSL is summarized (summarize.ts), and how `resnext presets` and the quick pick count without building networks.
 */
import type { Architecture, BatchNormModule, BlockSpec, Conv1dModule, ConvModule, ConvNormAct, LinearModule } from './architecture';
import { convOutputSize } from './config';

/** Leaf modules (torchsummary prints one row per call; the accounting counts them). BatchNormAct2d (timm) has
 * children (its drop and act) but owns the BN's parameters, so it is a row of the layer table like BatchNorm2d. */
export type LeafType =
  | 'Conv2d'
  | 'Conv1d'
  | 'BatchNorm2d'
  | 'BatchNormAct2d'
  | 'ReLU'
  | 'MaxPool2d'
  | 'AvgPool2d'
  | 'AdaptiveAvgPool2d'
  | 'Flatten'
  | 'Identity'
  | 'Sigmoid'
  | 'Linear';
/** Modules with children that torchsummary also prints (it skips only Sequential, ModuleList and the root): they
 * enter the forward/backward memory line, not the layer table. */
export type ContainerType =
  | 'Bottleneck'
  | 'ResNeXtBottleneck'
  | 'BasicBlock'
  | 'SelectiveKernelBottleneck'
  | 'SEModule'
  | 'EcaModule'
  | 'ConvNormAct'
  | 'SelectiveKernel'
  | 'SelectiveKernelAttn'
  | 'SelectAdaptivePool2d';

const CONTAINER_TYPES: ReadonlySet<string> = new Set<ContainerType>([
  'Bottleneck',
  'ResNeXtBottleneck',
  'BasicBlock',
  'SelectiveKernelBottleneck',
  'SEModule',
  'EcaModule',
  'ConvNormAct',
  'SelectiveKernel',
  'SelectiveKernelAttn',
  'SelectAdaptivePool2d',
]);

/** One call of a module: a leaf, or a container (a block, an SE module, timm's global pool). */
export interface LeafCall {
  readonly name: string;
  readonly type: LeafType | ContainerType;
  /** PyTorch NCHW (or [N, features] after flattening; [N, 1, C] for ECA's Conv1d and gate; [N, paths, C, 1, 1] for SK's attention). */
  readonly outputShape: readonly number[];
}

export type TraceSink = (call: LeafCall) => void;

export function isContainerCall(call: LeafCall): call is LeafCall & { type: ContainerType } {
  return CONTAINER_TYPES.has(call.type);
}

/** The operations a forward pass needs. T is a tensor (network.ts) or a shape (here). */
export interface ForwardOps<T> {
  /** NCHW, or [N, F] when flat. */
  shape(x: T): readonly number[];
  /** conv (with its stride, padding, groups and `dilation`, absent = 1), then BN folded in (or, when `bn` is
   * undefined, the conv's own bias if `conv.bias`, else nothing: SE's 1x1 convs, SK's fc_select), then optional ReLU. */
  convBn(x: T, conv: ConvModule, bn: BatchNormModule | undefined, relu: boolean): T;
  /** MaxPool2d(3, stride 2, padding 1). */
  maxPool(x: T): T;
  /** AvgPool2d(2, stride, ceil_mode=True, count_include_pad=False). */
  avgPool2(x: T, stride: number): T;
  /** Mean over H and W, kept as [N, C, 1, 1]. */
  mean(x: T): T;
  sigmoid(x: T): T;
  /** x · gate, the gate of x's rank with 1 in its last two axes (H, W), broadcast over them: SE's [N, C, 1, 1] on
   * [N, C, H, W]; SK's attention [N, P, C, 1, 1] on the stacked paths [N, P, C, H, W]. */
  scale(x: T, gate: T): T;
  /** ReLU(a + b). */
  addRelu(a: T, b: T): T;
  flatten(x: T): T;
  linear(x: T, fc: LinearModule): T;
  /** Runs one stage of the walk (stem, a block, the head) on x; the tensor implementation frees x and every
   * intermediate, keeping only the result. */
  scope(x: T, run: (x: T) => T): T;
  /** Reshape to `shape` (same element count, row-major as torch's view): ECA's [N, C, 1, 1] → [N, 1, C] and back,
   * SK's fc_select output [N, P·C, 1, 1] → [N, P, C, 1, 1]. */
  view(x: T, shape: readonly number[]): T;
  /** ECA's nn.Conv1d(1, 1, k, padding (k-1)/2, bias=False) on [N, 1, C] (zero padding at both channel ends). */
  conv1d(x: T, conv: Conv1dModule): T;
  /** torch.stack(xs, dim=1): P tensors [N, C, H, W] → [N, P, C, H, W] (SK's paths). */
  stack(xs: readonly T[]): T;
  /** x.sum(1): [N, P, C, H, W] → [N, C, H, W] (SK: the paths summed, before the attention's pool and after the gating). */
  sumPaths(x: T): T;
  /** torch.softmax(x, dim=1) over the paths of [N, P, C, 1, 1] (SK's attention). */
  softmaxPaths(x: T): T;
}

/** The forward of torchvision's / timm's ResNet and the CIFAR port's CifarResNeXt, recording every module call. */
export function walkForward<T>(arch: Architecture, ops: ForwardOps<T>, input: T, record?: (call: LeafCall, value: T) => void): T {
  // The sink also gets the value the call was recorded on (graph/build.ts follows the data flow through it).
  const rec = (name: string, type: LeafCall['type'], x: T): void => record?.({ name, type, outputShape: ops.shape(x) }, x);
  const convBn = (x: T, conv: ConvModule, bn: BatchNormModule, relu: boolean): T => {
    const y = ops.convBn(x, conv, bn, relu);
    rec(conv.name, 'Conv2d', y);
    rec(bn.name, 'BatchNorm2d', y);
    return y;
  };
  /** timm ConvNormAct: conv, then BatchNormAct2d's drop (Identity) and act (ReLU or Identity), the BN, the container. */
  const convNormAct = (x: T, u: ConvNormAct): T => {
    const y = ops.convBn(x, u.conv, u.bn, u.relu);
    rec(u.conv.name, 'Conv2d', y);
    rec(`${u.bn.name}.drop`, 'Identity', y);
    rec(`${u.bn.name}.act`, u.relu ? 'ReLU' : 'Identity', y);
    rec(u.bn.name, 'BatchNormAct2d', y);
    rec(u.name, 'ConvNormAct', y);
    return y;
  };
  let x = ops.scope(input, (inp) => {
    let y = inp;
    for (const unit of arch.stem) {
      y = convBn(y, unit.conv, unit.bn, unit.relu);
      if (unit.act) rec(unit.act, 'ReLU', y);
    }
    if (arch.maxpool) {
      y = ops.maxPool(y);
      rec(arch.maxpool, 'MaxPool2d', y);
    }
    return y;
  });
  /** The residual branch of each kind of block, up to (not including) the channel attention. */
  const branch = (b: BlockSpec, inp: T): T => {
    if (b.kind === 'basic') {
      const y = convBn(inp, b.conv1, b.bn1, true);
      if (b.identities) rec(b.identities.dropBlock, 'Identity', y);
      rec(b.acts[0], 'ReLU', y);
      if (b.identities) rec(b.identities.aa, 'Identity', y);
      return convBn(y, b.conv2, b.bn2, false);
    }
    if (b.kind === 'selective-kernel') {
      let y = convNormAct(inp, b.conv1);
      const sk = b.conv2;
      const stacked = ops.stack(sk.paths.map((p) => convNormAct(y, p)));
      let a = ops.mean(ops.sumPaths(stacked));
      a = ops.convBn(a, sk.attn.fcReduce, sk.attn.bn, true);
      rec(sk.attn.fcReduce.name, 'Conv2d', a);
      rec(sk.attn.bn.name, 'BatchNorm2d', a);
      rec(sk.attn.act, 'ReLU', a);
      a = ops.convBn(a, sk.attn.fcSelect, undefined, false);
      rec(sk.attn.fcSelect.name, 'Conv2d', a);
      const [n, pc] = ops.shape(a) as [number, number];
      const paths = sk.paths.length;
      a = ops.softmaxPaths(ops.view(a, [n, paths, pc / paths, 1, 1]));
      rec(sk.attn.name, 'SelectiveKernelAttn', a);
      y = ops.sumPaths(ops.scale(stacked, a));
      rec(sk.name, 'SelectiveKernel', y);
      return convNormAct(y, b.conv3);
    }
    let y = convBn(inp, b.conv1, b.bn1, true);
    if (b.acts[0]) rec(b.acts[0], 'ReLU', y);
    y = convBn(y, b.conv2, b.bn2, true);
    if (b.identities) rec(b.identities.dropBlock, 'Identity', y);
    if (b.acts[1]) rec(b.acts[1], 'ReLU', y);
    if (b.identities) rec(b.identities.aa, 'Identity', y);
    return convBn(y, b.conv3, b.bn3, false);
  };
  for (const b of arch.blocks) {
    x = ops.scope(x, (inp) => {
      let y = branch(b, inp);
      if (b.se) {
        let z = ops.convBn(ops.mean(y), b.se.fc1, undefined, true);
        rec(b.se.fc1.name, 'Conv2d', z);
        rec(`${b.se.name}.bn`, 'Identity', z);
        rec(`${b.se.name}.act`, 'ReLU', z);
        z = ops.convBn(z, b.se.fc2, undefined, false);
        rec(b.se.fc2.name, 'Conv2d', z);
        const gate = ops.sigmoid(z);
        rec(`${b.se.name}.gate`, 'Sigmoid', gate);
        y = ops.scale(y, gate);
        rec(b.se.name, 'SEModule', y);
      }
      if (b.eca) {
        const [n, c] = ops.shape(y) as [number, number];
        const z = ops.conv1d(ops.view(ops.mean(y), [n, 1, c]), b.eca.conv);
        rec(b.eca.conv.name, 'Conv1d', z);
        const gate = ops.sigmoid(z);
        rec(`${b.eca.name}.gate`, 'Sigmoid', gate);
        y = ops.scale(y, ops.view(gate, [n, c, 1, 1]));
        rec(b.eca.name, 'EcaModule', y);
      }
      let shortcut = inp;
      if (b.downsample) {
        const { pool } = b.downsample;
        if (pool) {
          if (pool.type === 'AvgPool2d') shortcut = ops.avgPool2(shortcut, pool.stride);
          rec(pool.name, pool.type, shortcut);
        }
        shortcut = convBn(shortcut, b.downsample.conv, b.downsample.bn, false);
      }
      const out = ops.addRelu(y, shortcut);
      const act = b.kind === 'selective-kernel' ? b.act : b.kind === 'basic' ? b.acts[1] : b.acts[2];
      if (act) rec(act, 'ReLU', out);
      rec(b.name, b.type, out);
      return out;
    });
  }
  return ops.scope(x, (features) => {
    let y = ops.mean(features);
    let flat = false;
    for (const row of arch.head) {
      if (row.flat && !flat) {
        y = ops.flatten(y);
        flat = true;
      }
      rec(row.name, row.type, y);
    }
    if (!flat) y = ops.flatten(y);
    const logits = ops.linear(y, arch.fc);
    rec(arch.fc.name, 'Linear', logits);
    return logits;
  });
}

/** PyTorch pooling output size with ceil_mode=True and no padding: ceil((size − k) / s) + 1, minus one if the last
 * window would start past the input (torch/nn/modules/pooling.py docs). */
export function ceilPoolOutputSize(size: number, kernel: number, stride: number): number {
  let out = Math.ceil((size - kernel) / stride) + 1;
  if ((out - 1) * stride >= size) out -= 1;
  return out;
}

/** The ops of `staticTrace`: each output shape from the arithmetic. */
export const shapeOps = (): ForwardOps<readonly number[]> => ({
  shape: (x) => x,
  convBn: ([n, , h, w], conv) => [
    n!,
    conv.outChannels,
    convOutputSize(h!, conv.kernel, conv.stride, conv.padding, conv.dilation),
    convOutputSize(w!, conv.kernel, conv.stride, conv.padding, conv.dilation),
  ],
  maxPool: ([n, c, h, w]) => [n!, c!, convOutputSize(h!, 3, 2, 1), convOutputSize(w!, 3, 2, 1)],
  avgPool2: ([n, c, h, w], stride) => [n!, c!, ceilPoolOutputSize(h!, 2, stride), ceilPoolOutputSize(w!, 2, stride)],
  mean: ([n, c]) => [n!, c!, 1, 1],
  sigmoid: (x) => x,
  scale: (x) => x,
  addRelu: (a) => a,
  flatten: ([n, c]) => [n!, c!],
  linear: ([n], fc) => [n!, fc.outFeatures],
  scope: (x, run) => run(x),
  view: (_x, shape) => [...shape],
  conv1d: (x) => [...x],
  stack: (xs) => {
    const [n, ...rest] = xs[0]!;
    return [n!, xs.length, ...rest];
  },
  sumPaths: ([n, , ...rest]) => [n!, ...rest],
  softmaxPaths: (x) => [...x],
});

/** Every module call of the forward with its output shape, from the convolution arithmetic alone. */
export function staticTrace(arch: Architecture, batch = 1): LeafCall[] {
  const calls: LeafCall[] = [];
  walkForward(arch, shapeOps(), [batch, 3, arch.config.inputHeightPx, arch.config.inputWidthPx], (c) => calls.push(c));
  return calls;
}
