/**
 * `resnext profile`: where a forward pass spends its time, layer by layer, on the engine that runs the weights
 * (engines/: each times its layers its own way, wasm between trace records, onnxruntime with its own profiler).
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
import { buildEngine, type EngineChoice, type LayerTimes } from './engines';
import { isContainerCall } from './shapes';
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
  /** Which engine runs it; default: the process's choice. */
  readonly engine?: EngineChoice;
  /** Why auto fell back to wasm (once per process). */
  readonly onLog?: (level: 'info' | 'warn', message: string) => void;
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
const FLOAT_BYTES = 4;

/** Builds the network (zero weights unless a state dict is given), runs it `runs` times and times every layer. */
export async function profile(config: NetworkConfig, options: ProfileOptions): Promise<Profile> {
  const runs = Math.max(1, options.runs ?? 5);
  const engine = await buildEngine(config, {
    ...(options.stateDict ? { stateDict: options.stateDict, source: options.weightsSource } : { seed: 0 }),
    ...(options.engine && { engine: options.engine }),
    ...(options.onLog && { onLog: options.onLog }),
  });
  const arch = architecture(config);
  const convs = new Map(
    paramModules(arch)
      .filter((m): m is ConvModule => m.type === 'Conv2d')
      .map((m) => [m.name, m]),
  );
  let timed: LayerTimes;
  let peak: { gemmGmacPerSecond: number; memoryGBPerSecond: number };
  try {
    timed = await engine.timeLayers(runs, options.onProgress);
    options.onProgress?.('measuring the GEMM and memory ceilings');
    peak = await engine.ceilings();
  } finally {
    await engine.dispose();
  }
  const { calls, perCall, totals } = timed;
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
    engine: engine.info,
    threads: engine.threads,
    runs,
    inputShape: [1, 3, config.inputHeightPx, config.inputWidthPx],
    totalMs: median([...totals]),
    layersMs,
    layers,
    convs: convShares(layers, layersMs),
    peak,
    note: timed.note,
  };
}
