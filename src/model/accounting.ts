/**
 * Counting over a trace: pure functions of the architecture and the traced output shapes.
 * - Params per layer = numel(weight) + numel(bias); BatchNorm's running statistics are buffers, not params
 *   (torchvision's `num_params` counts `model.parameters()` only).
 * - MACs: Conv2d = Cout · (Cin / groups) · kh · kw · Hout · Wout (SE's and SK's attention 1x1 convs included, at
 *   1x1); ECA's Conv1d(1, 1, k) = k · C; Linear = in · out; nothing else counts (torchvision's "GFLOPS" figures are these multiply-adds).
 * - Dense equivalent of a grouped conv: same Cin, Cout, kernel with groups = 1, i.e. params × G and MACs × G.
 * - torchsummary's memory lines (its "MB" is MiB): input = numel(input)·4; forward/backward = 2 · Σ numel(output of
 *   every printed row)·4, rows being every module call but Sequential and the root (so each Bottleneck, each of
 *   its three ReLU calls, timm's Identity placeholders, SEModule and SelectAdaptivePool2d); params = total params · 4.
 */
import { convWeightCount, moduleParams, paramModules, type Architecture } from './architecture';
import { isContainerCall, type LeafCall } from './shapes';

export type { LayerRow, StageRow, Totals } from '../shared/data';
import type { LayerRow, StageRow, Totals } from '../shared/data';

const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
const BYTES_PER_FLOAT = 4;
const MIB = 2 ** 20;

/** One row per leaf-module call, in forward order, with params, MACs and dense equivalents. */
export function layerRows(arch: Architecture, calls: readonly LeafCall[]): LayerRow[] {
  const modules = new Map(paramModules(arch).map((m) => [m.name, m]));
  const rows: LayerRow[] = [];
  for (const call of calls) {
    if (isContainerCall(call)) continue;
    const m = modules.get(call.name);
    const base = { name: call.name, type: call.type, outputShape: call.outputShape };
    if (m?.type === 'Conv2d') {
      const params = moduleParams(m);
      const [n, , h, w] = call.outputShape as [number, number, number, number];
      const macs = convWeightCount(m) * n * h * w;
      rows.push({
        ...base,
        params,
        macs,
        groups: m.groups,
        kernel: [m.kernel, m.kernel],
        stride: [m.stride, m.stride],
        denseParams: params * m.groups,
        denseMacs: macs * m.groups,
      });
    } else if (m) {
      const params = moduleParams(m);
      // Linear: in · out per sample; ECA's Conv1d(1, 1, k): k per output element ([N, 1, C]); BN: none.
      const macs =
        m.type === 'Linear' ? m.inFeatures * m.outFeatures * (call.outputShape[0] ?? 1) : m.type === 'Conv1d' ? m.kernel * numel(call.outputShape) : 0;
      rows.push({ ...base, params, macs, denseParams: params, denseMacs: macs });
    } else if (call.type === 'MaxPool2d') {
      rows.push({ ...base, params: 0, macs: 0, kernel: [3, 3], stride: [2, 2], denseParams: 0, denseMacs: 0 });
    } else if (call.type === 'AvgPool2d') {
      rows.push({ ...base, params: 0, macs: 0, kernel: [2, 2], stride: [2, 2], denseParams: 0, denseMacs: 0 });
    } else {
      rows.push({ ...base, params: 0, macs: 0, denseParams: 0, denseMacs: 0 });
    }
  }
  return rows;
}

/** Rows of the head: torchvision's avgpool and fc, timm's global_pool.* and fc, the CIFAR port's classifier. */
const HEAD_ROW = /^(avgpool|fc|classifier|global_pool)(\.|$)/;

/** `layer2` / `stage_2` for a row inside a stage, `head` for the pooling and classifier, else `stem`. */
export function stageOf(layerName: string): string {
  const match = /^(layer\d+|stage_\d+)\./.exec(layerName);
  if (match) return match[1]!;
  return HEAD_ROW.test(layerName) ? 'head' : 'stem';
}

/** Per-stage sums; a stage's output shape is that of its last row. */
export function stageRows(rows: readonly LayerRow[]): StageRow[] {
  const stages = new Map<string, { outputShape: readonly number[]; params: number; macs: number; denseParams: number; denseMacs: number }>();
  for (const r of rows) {
    const name = stageOf(r.name);
    const s = stages.get(name) ?? { outputShape: r.outputShape, params: 0, macs: 0, denseParams: 0, denseMacs: 0 };
    s.outputShape = r.outputShape;
    s.params += r.params;
    s.macs += r.macs;
    s.denseParams += r.denseParams;
    s.denseMacs += r.denseMacs;
    stages.set(name, s);
  }
  return [...stages].map(([name, s]) => ({ name, ...s }));
}

export function totals(rows: readonly LayerRow[], calls: readonly LeafCall[], inputShape: readonly number[]): Totals {
  const sum = (f: (r: LayerRow) => number): number => rows.reduce((a, r) => a + f(r), 0);
  const params = sum((r) => r.params);
  const inputSizeMiB = (numel(inputShape) * BYTES_PER_FLOAT) / MIB;
  const forwardBackwardSizeMiB = (2 * calls.reduce((a, c) => a + numel(c.outputShape), 0) * BYTES_PER_FLOAT) / MIB;
  const paramsSizeMiB = (params * BYTES_PER_FLOAT) / MIB;
  return {
    params,
    trainableParams: params,
    macs: sum((r) => r.macs),
    denseParams: sum((r) => r.denseParams),
    denseMacs: sum((r) => r.denseMacs),
    inputSizeMiB,
    forwardBackwardSizeMiB,
    paramsSizeMiB,
    estimatedTotalSizeMiB: inputSizeMiB + forwardBackwardSizeMiB + paramsSizeMiB,
  };
}

/** Rows and totals in one call. */
export function accountingTotals(arch: Architecture, calls: readonly LeafCall[], inputShape: readonly number[]): Totals {
  return totals(layerRows(arch, calls), calls, inputShape);
}
