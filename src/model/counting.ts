/**
 * Every tool's count, from one trace. The forward walk (shapes.ts `walkForward`) is run over shapes, recording each
 * operation it performs with its input and output shapes: the module calls a hook-based counter sees (conv, BN,
 * ReLU, pools, Linear) and the functional ones only an op-level tracer sees (SE's mean and multiply, the residual
 * add, torch.flatten, the CIFAR port's F.relu and F.avg_pool2d). Each rule is then one table, op kind → count, read
 * from that library's source (docs/COUNTING.md names the version, file and commit of each entry):
 *
 * - torchvision: conv + Linear multiply-adds, no bias (torchvision's `_ops`, the accounting of accounting.ts).
 * - fvcore: FlopCountAnalysis in eval mode (timm's `infer_gmacs`); `activations` is ActivationCountAnalysis
 *   (timm's `infer_macts`).
 * - ptflops: get_model_complexity_info, backend 'pytorch' (module hooks plus patched torch.nn.functional), v0.7.5.
 * - ptflops-aten: the same with backend 'aten' (aten.convolution and aten.addmm, bias included), v0.7.5.
 * - thop: profile, Lyken17/pytorch-OpCounter 0.1.1.post2209072238.
 * - torchinfo: summary(...).total_mult_adds ("Total mult-adds"), v1.8.0.
 * - mmcv: mmcv.cnn.get_model_complexity_info (1.x, v1.7.2), the "FLOPs" of OpenMMLab's metafiles.
 */
import type { Architecture, Conv1dModule, ConvModule, LinearModule } from './architecture';
import { convWeightCount, countParams } from './architecture';
import { stageOf } from './accounting';
import { shapeOps, walkForward, type ForwardOps, type LeafCall } from './shapes';
import { COUNT_RULES, type CountEntry, type CountRule, type LayerRow, type StageRow } from '../shared/data';

export { COUNT_RULES, type CountEntry, type CountRule };

type Shape = readonly number[];
const numel = (shape: Shape): number => shape.reduce((a, b) => a * b, 1);
function findLast<T>(xs: readonly T[], test: (x: T) => boolean): T | undefined {
  for (let i = xs.length - 1; i >= 0; i--) if (test(xs[i]!)) return xs[i];
  return undefined;
}

export type OpKind =
  'conv' | 'conv1d' | 'batchnorm' | 'relu' | 'maxpool' | 'avgpool' | 'adaptiveAvgPool' | 'linear' | 'mean' | 'mul' | 'add' | 'sigmoid' | 'flatten';

/** One operation of the forward. `module`: called as an nn.Module (forward hooks see it); otherwise functional. */
export interface OpCall {
  readonly kind: OpKind;
  /** The layer row it belongs to (a module's name; a functional op: the block or head it runs in). */
  readonly name: string;
  readonly module: boolean;
  readonly input: Shape;
  readonly output: Shape;
  readonly conv?: ConvModule;
  /** ECA's Conv1d (kind 'conv1d'). */
  readonly conv1d?: Conv1dModule;
  readonly linear?: LinearModule;
}

/** The operations of one forward pass at batch `batch`, in order. */
export function opTrace(arch: Architecture, batch = 1): OpCall[] {
  const base = shapeOps();
  const events: { -readonly [K in keyof OpCall]: OpCall[K] }[] = [];
  const cifar = arch.naming === 'cifar';
  let scope = 'stem';
  const push = (kind: OpKind, name: string, module: boolean, input: Shape, output: Shape, extra: Partial<OpCall> = {}): void => {
    events.push({ kind, name, module, input, output, ...extra });
  };
  const ops: ForwardOps<Shape> = {
    ...base,
    convBn(x, conv, bn, relu) {
      const y = base.convBn(x, conv, bn, relu);
      push('conv', conv.name, true, x, y, { conv });
      if (bn) push('batchnorm', bn.name, true, y, y);
      // The CIFAR port's ReLUs are F.relu (no module); elsewhere the ReLU module's call is recorded by the walk.
      if (relu && cifar) push('relu', bn?.name ?? conv.name, false, y, y);
      return y;
    },
    maxPool(x) {
      const y = base.maxPool(x);
      push('maxpool', arch.maxpool ?? 'maxpool', true, x, y);
      return y;
    },
    avgPool2(x, stride) {
      const y = base.avgPool2(x, stride);
      push('avgpool', '', true, x, y);
      return y;
    },
    mean(x) {
      const y = base.mean(x);
      // SE's x.mean((2, 3)) is functional; the head's pooling is a module unless the head has no pooling row (CIFAR's
      // F.avg_pool2d(x, 8)): the record below names and marks it.
      push(cifar ? 'avgpool' : 'mean', scope, false, x, y);
      return y;
    },
    conv1d(x, conv) {
      const y = base.conv1d(x, conv);
      push('conv1d', conv.name, true, x, y, { conv1d: conv });
      return y;
    },
    sigmoid: base.sigmoid,
    scale(x, gate) {
      const y = base.scale(x, gate);
      push('mul', scope, false, x, y);
      return y;
    },
    addRelu(a, b) {
      const y = base.addRelu(a, b);
      push('add', scope, false, a, y);
      if (cifar) push('relu', scope, false, y, y);
      return y;
    },
    flatten(x) {
      const y = base.flatten(x);
      push('flatten', scope, false, x, y);
      return y;
    },
    linear(x, fc) {
      const y = base.linear(x, fc);
      push('linear', fc.name, true, x, y, { linear: fc });
      return y;
    },
    scope(x, run) {
      return run(x);
    },
  };
  const blockNames = new Set(arch.blocks.map((b) => b.name));
  const record = (call: LeafCall): void => {
    const last = events[events.length - 1];
    switch (call.type) {
      case 'ReLU':
        push('relu', call.name, true, call.outputShape, call.outputShape);
        break;
      case 'Sigmoid':
        push('sigmoid', call.name, true, call.outputShape, call.outputShape);
        break;
      case 'AvgPool2d':
        if (last?.kind === 'avgpool') last.name = call.name;
        break;
      case 'AdaptiveAvgPool2d': {
        const pool = findLast(events, (e) => e.kind === 'mean');
        if (pool) Object.assign(pool, { kind: 'adaptiveAvgPool', name: call.name, module: true });
        break;
      }
      case 'Flatten': {
        const flat = findLast(events, (e) => e.kind === 'flatten');
        if (flat) Object.assign(flat, { name: call.name, module: true });
        else push('flatten', call.name, true, call.outputShape, call.outputShape);
        break;
      }
      default:
        break;
    }
    // The walk records a block after its last op: functional ops until then belong to the next block (or the head).
    if (blockNames.has(call.name)) scope = nextScope(arch, call.name);
  };
  scope = arch.blocks[0]?.name ?? 'head';
  walkForward(arch, ops, [batch, 3, arch.config.inputHeightPx, arch.config.inputWidthPx], record);
  // A torchvision head's torch.flatten (functional) after the module pool; CIFAR's view(): not counted by anyone.
  return events.map((e) => (e.name === '' ? { ...e, name: scope } : e));
}

function nextScope(arch: Architecture, block: string): string {
  const i = arch.blocks.findIndex((b) => b.name === block);
  return arch.blocks[i + 1]?.name ?? 'head';
}

const convMacs = (e: OpCall): number => convWeightCount(e.conv!) * e.output[0]! * (e.output[2] ?? 1) * (e.output[3] ?? 1);
const convBias = (e: OpCall): number => (e.conv?.bias ? numel(e.output) : 0);
/** ECA's Conv1d(1, 1, k) without bias: k per output element; every library that hooks Conv1d counts it as a conv. */
const conv1dMacs = (e: OpCall): number => e.conv1d!.kernel * numel(e.output);
const linearMacs = (e: OpCall): number => e.linear!.inFeatures * numel(e.output);
const linearBias = (e: OpCall): number => numel(e.output);

/** How one library counts one op kind: the count and what it is, in words (for "why do the numbers differ"). */
export interface OpRule {
  readonly count: (e: OpCall) => number;
  readonly what: string;
}
type RuleTable = Partial<Record<OpKind, OpRule>>;

const TORCHVISION: RuleTable = {
  conv: { count: convMacs, what: 'Cout · Cin/groups · k² per output position' },
  conv1d: { count: conv1dMacs, what: 'k per output (ECA)' },
  linear: { count: linearMacs, what: 'in · out' },
};

/** The rule tables; an op kind absent from a table counts 0 under that rule. */
export const RULES: Readonly<Record<CountRule, RuleTable>> = {
  torchvision: TORCHVISION,
  fvcore: {
    ...TORCHVISION,
    batchnorm: { count: (e) => 2 * numel(e.input), what: '2 × BatchNorm inputs (eval mode, affine)' },
    adaptiveAvgPool: { count: (e) => numel(e.input), what: '1 × adaptive-pool inputs' },
  },
  ptflops: {
    conv: { count: (e) => convMacs(e) + convBias(e), what: 'conv MACs + 1 per output of a conv with bias' },
    conv1d: TORCHVISION.conv1d!,
    linear: { count: (e) => linearMacs(e) + linearBias(e), what: 'in · out + out (bias)' },
    batchnorm: { count: (e) => 2 * numel(e.input), what: '2 × BatchNorm inputs' },
    // The module hook counts numel, and the module's forward calls the patched F.relu / F.max_pool2d / … again.
    relu: { count: (e) => (e.module ? 2 : 1) * numel(e.output), what: '2 × ReLU module outputs (module hook + patched F.relu)' },
    maxpool: { count: (e) => (e.module ? 2 : 1) * numel(e.input), what: '2 × max-pool inputs (module hook + patched F.max_pool2d)' },
    avgpool: { count: (e) => (e.module ? 2 : 1) * numel(e.input), what: '2 × avg-pool inputs (module hook + patched F.avg_pool2d)' },
    adaptiveAvgPool: { count: (e) => (e.module ? 2 : 1) * numel(e.input), what: '2 × adaptive-pool inputs (module hook + patched F.adaptive_avg_pool2d)' },
  },
  'ptflops-aten': {
    conv: { count: (e) => convMacs(e) + convBias(e), what: 'aten.convolution + 1 per output with bias' },
    conv1d: TORCHVISION.conv1d!,
    linear: { count: (e) => linearMacs(e) + linearBias(e), what: 'aten.addmm: in · out + out (bias)' },
  },
  thop: {
    ...TORCHVISION,
    batchnorm: { count: (e) => 4 * numel(e.input), what: '4 × BatchNorm inputs (calculate_norm 2·n, ×2 affine)' },
    avgpool: { count: (e) => (e.module ? numel(e.output) : 0), what: '1 × avg-pool outputs' },
    adaptiveAvgPool: {
      count: (e) => (e.module ? Math.trunc(((e.input[2]! / e.output[2]!) * (e.input[3]! / e.output[3]!) + 1) * numel(e.output)) : 0),
      what: '(window + 1) × adaptive-pool outputs',
    },
  },
  torchinfo: {
    conv: { count: (e) => convMacs(e) + convBias(e), what: 'conv params (weight + bias) · N·H·W' },
    conv1d: TORCHVISION.conv1d!,
    linear: { count: (e) => linearMacs(e) + linearBias(e), what: 'Linear params (weight + bias) · N' },
    batchnorm: { count: (e) => e.input[0]! * 2 * e.input[1]!, what: 'BatchNorm params (2C) · N' },
  },
  mmcv: {
    conv: { count: (e) => convMacs(e) + convBias(e), what: 'conv MACs + 1 per output of a conv with bias' },
    conv1d: TORCHVISION.conv1d!,
    linear: { count: linearMacs, what: 'numel(input) · out (no bias)' },
    batchnorm: { count: (e) => 2 * numel(e.input), what: '2 × BatchNorm inputs' },
    relu: { count: (e) => (e.module ? numel(e.output) : 0), what: '1 × ReLU module outputs' },
    maxpool: { count: (e) => (e.module ? numel(e.input) : 0), what: '1 × max-pool inputs' },
    avgpool: { count: (e) => (e.module ? numel(e.input) : 0), what: '1 × avg-pool inputs' },
    adaptiveAvgPool: { count: (e) => (e.module ? numel(e.input) : 0), what: '1 × adaptive-pool inputs' },
  },
};

/** fvcore's ActivationCountAnalysis: the outputs of aten::_convolution and aten::linear / addmm. */
const FVCORE_ACTIVATIONS: RuleTable = {
  conv: { count: (e) => numel(e.output), what: 'conv outputs' },
  conv1d: { count: (e) => numel(e.output), what: 'Conv1d outputs' },
  linear: { count: (e) => numel(e.output), what: 'Linear outputs' },
};

/** The rules that report FLOPs rather than MACs in their own output are none: every one counts one multiply-add as
 * one; `--flops` doubles (what torchvision's "GFLOPS" column and OpenMMLab's "FLOPs" call FLOPs are MACs). */
export const opCount = (rule: CountRule, e: OpCall): number => RULES[rule][e.kind]?.count(e) ?? 0;

export const ruleMacs = (rule: CountRule, ops: readonly OpCall[]): number => ops.reduce((a, e) => a + opCount(rule, e), 0);

export const fvcoreActivations = (ops: readonly OpCall[]): number => ops.reduce((a, e) => a + (FVCORE_ACTIVATIONS[e.kind]?.count(e) ?? 0), 0);

const OP_LABEL: Record<OpKind, string> = {
  conv: 'Conv2d',
  conv1d: 'Conv1d (ECA)',
  batchnorm: 'BatchNorm2d',
  relu: 'ReLU',
  maxpool: 'MaxPool2d',
  avgpool: 'AvgPool2d',
  adaptiveAvgPool: 'AdaptiveAvgPool2d',
  linear: 'Linear',
  mean: 'mean (SE squeeze)',
  mul: 'multiply (SE excite)',
  add: 'residual add',
  sigmoid: 'Sigmoid',
  flatten: 'flatten',
};

/** Every rule's total for one architecture, each with what it counts beyond torchvision's, per op kind. */
export function countAll(arch: Architecture, batch = 1): CountEntry[] {
  const ops = opTrace(arch, batch);
  const params = countParams(arch);
  return COUNT_RULES.map((rule) => {
    const byKind = new Map<OpKind, { calls: number; delta: number }>();
    for (const e of ops) {
      const delta = opCount(rule, e) - opCount('torchvision', e);
      if (delta === 0) continue;
      const k = byKind.get(e.kind) ?? { calls: 0, delta: 0 };
      k.calls += 1;
      k.delta += delta;
      byKind.set(e.kind, k);
    }
    const beyond = [...byKind].map(([kind, k]) => ({ op: OP_LABEL[kind], what: RULES[rule][kind]?.what ?? '', calls: k.calls, macs: k.delta }));
    const entry: CountEntry = { rule, macs: ruleMacs(rule, ops), params, beyond };
    return rule === 'fvcore' ? { ...entry, activations: fvcoreActivations(ops) } : entry;
  });
}

/** Layer rows, stage rows and total MACs re-counted under `rule`. A module's k-th call is its k-th row; a functional
 * op (SE, the residual add, the head's flatten) has no row, and its count goes to the last row of its block (or of
 * the head). Dense MACs: a grouped conv's count × groups (no conv with a bias is grouped). */
export function recount(
  arch: Architecture,
  rule: CountRule,
  layers: readonly LayerRow[],
  stages: readonly StageRow[],
): { layers: LayerRow[]; stages: StageRow[]; macs: number } {
  const perCall = new Map<string, number[]>();
  const functional = new Map<string, number>();
  for (const e of opTrace(arch, layers[0]?.outputShape[0] ?? 1)) {
    if (e.module) perCall.set(e.name, [...(perCall.get(e.name) ?? []), opCount(rule, e)]);
    else functional.set(e.name, (functional.get(e.name) ?? 0) + opCount(rule, e));
  }
  const seen = new Map<string, number>();
  const rows = layers.map((r) => {
    const k = seen.get(r.name) ?? 0;
    seen.set(r.name, k + 1);
    const macs = perCall.get(r.name)?.[k] ?? 0;
    return { ...r, macs, denseMacs: macs * (r.groups ?? 1) };
  });
  for (const [name, macs] of functional) {
    const owner = perCall.has(name) ? findLast(rows, (r) => r.name === name) : findLast(rows, (r) => name === 'head' || r.name.startsWith(`${name}.`));
    if (owner && macs !== 0) {
      owner.macs += macs;
      owner.denseMacs += macs;
    }
  }
  const restaged = stages.map((s) => {
    const inStage = rows.filter((r) => stageOf(r.name) === s.name);
    return { ...s, macs: inStage.reduce((a, r) => a + r.macs, 0), denseMacs: inStage.reduce((a, r) => a + r.denseMacs, 0) };
  });
  return { layers: rows, stages: restaged, macs: rows.reduce((a, r) => a + r.macs, 0) };
}
