/**
 * The `wasm` engine: TensorFlow.js on its wasm backend (network.ts), BN folded, grouped convs by groupedConv.ts.
 */
import type { NetworkConfig } from '../config';
import { buildNetwork, type LeafCall, type Network } from '../network';
import { backendInfo, requestedThreadCount, tf } from '../tf';
import type { Engine, EngineOptions, EngineOutput, LayerTimes } from './engine';

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
    return (3 * n * 4) / (await fastestMs(() => tf.add(a, b))) / 1e6;
  } finally {
    a.dispose();
    b.dispose();
  }
}

class WasmEngine implements Engine {
  constructor(
    readonly network: Network,
    readonly info: Engine['info'],
    readonly threads: number,
  ) {}

  get config(): NetworkConfig {
    return this.network.config;
  }

  async run(input: Float32Array, shape: readonly [number, number, number, number], options: { readonly features?: boolean } = {}): Promise<EngineOutput> {
    const x = tf.tensor4d(input, [...shape]);
    try {
      if (!options.features) {
        const y = this.network.forward(x);
        try {
          return { logits: (await y.data()) as Float32Array };
        } finally {
          y.dispose();
        }
      }
      const { logits, features } = this.network.forwardWithFeatures(x);
      try {
        const data = (await features.data()) as Float32Array;
        return { logits: (await logits.data()) as Float32Array, features: { data, heightPx: features.shape[1], widthPx: features.shape[2] } };
      } finally {
        logits.dispose();
        features.dispose();
      }
    } finally {
      x.dispose();
    }
  }

  fcWeight(): Float32Array {
    return this.network.fcWeight();
  }

  /**
   * The wasm backend runs each op synchronously inside the call that issues it, so the time between two consecutive
   * trace records (network.forward's TraceSink, called right after each module's op) is the time of the ops between
   * them.
   */
  async timeLayers(runs: number, onProgress?: (message: string) => void): Promise<LayerTimes> {
    const { config } = this.network;
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
        const logits = this.network.forward(input, (call) => {
          const now = performance.now();
          deltas.push(now - last);
          last = now;
          runCalls.push(call);
        });
        await logits.data();
        logits.dispose();
        if (run < 0) continue; // the first pass creates XNNPACK's operators: not a warm time
        totals.push(performance.now() - start);
        onProgress?.(`warm pass ${run + 1} of ${runs}: ${totals[run]!.toFixed(0)} ms`);
        calls = runCalls;
        deltas.forEach((ms, i) => (perCall[i] ??= []).push(ms));
      }
    } finally {
      input.dispose();
    }
    return {
      calls,
      perCall,
      totals,
      note: 'conv + BatchNorm + ReLU run as one fused op: its time is on the Conv2d row, and the BatchNorm2d/ReLU rows after it read ~0 ms',
    };
  }

  async ceilings(): Promise<{ gemmGmacPerSecond: number; memoryGBPerSecond: number }> {
    return { gemmGmacPerSecond: await gemmCeiling(), memoryGBPerSecond: await memoryCeiling() };
  }

  dispose(): Promise<void> {
    this.network.dispose();
    return Promise.resolve();
  }
}

/** Builds today's TF.js network behind the engine seam. */
export async function buildWasmEngine(config: NetworkConfig, options: EngineOptions): Promise<Engine> {
  const network = await buildNetwork(config, {
    ...(options.stateDict ? { stateDict: options.stateDict, source: options.source } : { init: 'random' as const, seed: options.seed ?? 0 }),
    ...(options.groupedMethod && { groupedMethod: options.groupedMethod }),
  });
  const info = await backendInfo();
  return new WasmEngine(network, await wasmEngineInfo(), info.threads ?? requestedThreadCount());
}

/** The wasm engine's name and version (its backend initialised). */
export async function wasmEngineInfo(): Promise<Engine['info']> {
  return { name: 'wasm', version: `tfjs-backend-wasm ${(await backendInfo()).tfjsVersion}` };
}
