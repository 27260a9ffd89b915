/**
 * `resnext profile`: where a forward pass spends its time, layer by layer, on this engine.
 *
 * The wasm backend runs each op synchronously inside the call that issues it, so the time between two consecutive
 * trace records (network.forward's TraceSink, called right after each module's op) is the time of the ops between
 * them. conv + BatchNorm (+ ReLU) is one fused op: its time lands on the Conv2d row, and the BatchNorm2d/ReLU rows
 * that follow it read ~0 ms. Each layer's time is the median over `runs` warm passes.
 *
 * Per layer, also: multiply-adds (the accounting's), bytes moved in float32 (weights + input + output activations;
 * a convolution's input is taken as Cin × (Hout·stride) × (Wout·stride), exact up to padding rows), the achieved
 * GMAC/s and the arithmetic intensity (MACs per byte). Two ceilings measured in the same run give the roofline: the
 * GEMM rate of one large 1×1 convolution and the memory bandwidth of a large elementwise add.
 *
 * The result's type is inferred from the valibot schema in src/shared/data.ts (one source for the CLI's JSON, the
 * worker's reply and the webview's check).
 */
import { architecture, paramModules, type ConvModule } from './architecture';
import { layerRows } from './accounting';
import type { NetworkConfig } from './config';
import { buildNetwork, type LeafCall } from './network';
import { isContainerCall } from './shapes';
import { backendInfo, tf } from './tf';
import type { StateDict } from './weights/stateDict';

export { PROFILE_SCHEMA, type ConvShare, type Profile, type ProfileLayer } from '../shared/data';
import { PROFILE_SCHEMA, type Profile, type ProfileLayer } from '../shared/data';
import { convShares } from '../shared/profile';
export { convShares };

export interface ProfileOptions {
  readonly model: string;
  readonly runs?: number;
  readonly stateDict?: StateDict;
  readonly weightsSource?: string;
  /** Told what is being timed: each warm pass, then the ceilings (the extension's progress line). */
  readonly onProgress?: (message: string) => void;
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
const FLOAT_BYTES = 4;

/** The fastest of 5 runs of `op` (after one warm-up), its result read back and disposed each time; ms. */
async function fastestMs(op: () => tf.Tensor): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 6; i++) {
    const t0 = performance.now();
    const y = op();
    await y.data();
    times.push(performance.now() - t0);
    y.dispose();
  }
  return Math.min(...times.slice(1));
}

/** The rate of one large 1×1 convolution (56×56, 256→512): what dense layers can reach here, in GMAC/s. */
async function gemmCeiling(): Promise<number> {
  const x = tf.randomUniform([1, 56, 56, 256]) as tf.Tensor4D;
  const w = tf.randomUniform([1, 1, 256, 512]) as tf.Tensor4D;
  try {
    return (56 * 56 * 256 * 512) / (await fastestMs(() => tf.conv2d(x, w, 1, 'valid'))) / 1e6;
  } finally {
    x.dispose();
    w.dispose();
  }
}

/** Bytes per second of a large elementwise add (two 32 MiB inputs, one output), in GB/s. */
async function memoryCeiling(): Promise<number> {
  const n = 8 * 2 ** 20;
  const a = tf.fill([n], 1);
  const b = tf.fill([n], 2);
  try {
    return (3 * n * FLOAT_BYTES) / (await fastestMs(() => tf.add(a, b))) / 1e6;
  } finally {
    a.dispose();
    b.dispose();
  }
}

/** Builds the network (zero weights unless a state dict is given), runs it `runs` times and times every layer. */
export async function profile(config: NetworkConfig, options: ProfileOptions): Promise<Profile> {
  const runs = Math.max(1, options.runs ?? 5);
  const info = await backendInfo();
  const network = await buildNetwork(config, options.stateDict ? { stateDict: options.stateDict, source: options.weightsSource } : { init: 'random', seed: 0 });
  const arch = architecture(config);
  const convs = new Map(
    paramModules(arch)
      .filter((m): m is ConvModule => m.type === 'Conv2d')
      .map((m) => [m.name, m]),
  );
  const input = tf.randomUniform([1, 3, config.inputHeightPx, config.inputWidthPx], -2, 2) as tf.Tensor4D;
  let calls: LeafCall[] = [];
  const perCall: number[][] = [];
  const totals: number[] = [];
  try {
    for (let run = -1; run < runs; run++) {
      const runCalls: LeafCall[] = [];
      const deltas: number[] = [];
      const start = performance.now();
      let last = start;
      const logits = network.forward(input, (call) => {
        const now = performance.now();
        deltas.push(now - last);
        last = now;
        runCalls.push(call);
      });
      await logits.data();
      logits.dispose();
      if (run < 0) continue; // the first pass creates XNNPACK's operators: not a warm time
      totals.push(performance.now() - start);
      options.onProgress?.(`warm pass ${run + 1} of ${runs}: ${totals[run]!.toFixed(0)} ms`);
      calls = runCalls;
      deltas.forEach((ms, i) => (perCall[i] ??= []).push(ms));
    }
  } finally {
    input.dispose();
    network.dispose();
  }
  options.onProgress?.('measuring the GEMM and memory ceilings');
  const gemm = await gemmCeiling();
  const memory = await memoryCeiling();
  const rows = layerRows(arch, calls);
  // Container rows (a block, an SE module, timm's global pool) are recorded right after their last child: ~0 ms,
  // and not layer rows.
  const times = calls
    .map((call, i) => ({ call, ms: median(perCall[i] ?? []) }))
    .filter((t) => !isContainerCall(t.call))
    .map((t) => t.ms);
  const layersMs = times.reduce((a, b) => a + b, 0);
  const layers = rows.map((row, i): ProfileLayer => {
    const ms = times[i]!;
    const conv = convs.get(row.name);
    const outputElements = numel(row.outputShape);
    const inputElements =
      conv && row.outputShape.length === 4 ? conv.inChannels * row.outputShape[2]! * conv.stride * row.outputShape[3]! * conv.stride : outputElements;
    const bytes = (row.params + inputElements + outputElements) * FLOAT_BYTES;
    return {
      name: row.name,
      type: row.type,
      outputShape: row.outputShape,
      ms,
      share: layersMs > 0 ? ms / layersMs : 0,
      macs: row.macs,
      ...(row.groups !== undefined && { groups: row.groups }),
      bytes,
      gmacPerSecond: row.macs > 0 && ms > 0 ? row.macs / (ms / 1000) / 1e9 : 0,
      intensity: row.macs / bytes,
    };
  });
  return {
    schema: PROFILE_SCHEMA,
    model: options.model,
    threads: info.threads,
    runs,
    inputShape: [1, 3, config.inputHeightPx, config.inputWidthPx],
    totalMs: median(totals),
    layersMs,
    layers,
    convs: convShares(layers, layersMs),
    peak: { gemmGmacPerSecond: gemm, memoryGBPerSecond: memory },
    note: 'conv + BatchNorm + ReLU run as one fused op: its time is on the Conv2d row, and the BatchNorm2d/ReLU rows after it read ~0 ms',
  };
}
