/**
 * Warm forward of one preset as our bundles run it (threaded wasm when THREADS > 1): bundled by bench.ts with
 * scripts/wasm-threads.js, since threads exist only in a bundle. GROUPED picks the grouped-conv method (default
 * auto); a comma-separated list (e.g. `depthwise,auto`) builds one network per method in this process and alternates
 * their forwards, so that load from elsewhere on a shared machine hits them alike. Prints JSON: threads started, per
 * method its build (with auto: its measurements), first and median warm forward in ms; the first method's figures
 * also at the top level; the peak RSS of the process.
 *
 * ORT=1 also times onnxruntime-node (1 thread, external to the bundle) on the same graph, weights and input
 * (src/model/engines/onnx.ts), one ORT run after each round of our forwards: on a shared machine both then see the same load, so
 * their ratio holds even when the absolute times do not. The largest logit difference (against the first method)
 * shows it computed the same thing.
 */
import * as v8 from 'node:v8';
import type * as Ort from 'onnxruntime-node';
import { backendInfo, setThreads, tf } from '../src/model/tf';
import { buildNetwork, randomTensorSource, type Network } from '../src/model/network';
import { presetConfig, requirePreset } from '../src/model/config';
import { groupedCalibrations, type GroupedMethodOption } from '../src/model/groupedConv';
import { encodeOnnxModel, onnxModel } from '../src/model/engines/onnx';
import { median } from './median';

interface MethodResult {
  groupedMethod: GroupedMethodOption;
  buildMs: number;
  firstMs: number;
  warmMs: number;
  minMs: number;
}

type Timed = { ms: number; logits: Float32Array };

async function main(): Promise<void> {
  v8.setFlagsFromString('--no-liftoff'); // as the CLI runs
  setThreads(Number(process.env.THREADS ?? '1'));
  const info = await backendInfo();
  const config = presetConfig(requirePreset(process.env.MODEL ?? 'resnext50_32x4d'));
  const methods = (process.env.GROUPED ?? 'auto').split(',') as GroupedMethodOption[];
  const input = tf.randomUniform([1, 3, 224, 224], -2, 2) as tf.Tensor4D;
  const forward = async (network: Network): Promise<Timed> => {
    const t0 = performance.now();
    const y = network.forward(input);
    const logits = (await y.data()) as Float32Array;
    y.dispose();
    return { ms: performance.now() - t0, logits };
  };
  const built: { network: Network; result: MethodResult; warm: number[] }[] = [];
  for (const groupedMethod of methods) {
    const buildStart = performance.now();
    const network = await buildNetwork(config, { init: 'random', seed: 1, groupedMethod });
    const buildMs = performance.now() - buildStart;
    built.push({ network, result: { groupedMethod, buildMs, firstMs: (await forward(network)).ms, warmMs: 0, minMs: 0 }, warm: [] });
  }
  let ort: { run: () => Promise<Timed>; version: string; sessionMs: number } | undefined;
  if (process.env.ORT === '1') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ortModule = require('onnxruntime-node') as typeof Ort;
    const architecture = built[0]!.network.architecture;
    const random = randomTensorSource(architecture, 1);
    const bytes = encodeOnnxModel(onnxModel(architecture, (key) => random(key).data));
    const t0 = performance.now();
    const session = await ortModule.InferenceSession.create(bytes, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
    });
    const sessionMs = performance.now() - t0;
    const feeds = { input: new ortModule.Tensor('float32', (await input.data()) as Float32Array, input.shape) };
    const run = async (): Promise<Timed> => {
      const t = performance.now();
      const out = await session.run(feeds);
      return { ms: performance.now() - t, logits: out.logits!.data as Float32Array };
    };
    ort = { run, version: ortModule.env.versions.node ?? 'unknown', sessionMs };
    for (let i = 0; i < 2; i++) await run();
  }
  const ortWarm: number[] = [];
  let maxAbsDiff = 0;
  let maxAbsLogit = 0;
  for (let i = 0; i < Number(process.env.RUNS ?? '7'); i++) {
    let ours: Timed | undefined;
    for (const b of built) {
      const timed = await forward(b.network);
      b.warm.push(timed.ms);
      ours ??= timed;
    }
    if (!ort || !ours) continue;
    const theirs = await ort.run();
    ortWarm.push(theirs.ms);
    for (let j = 0; j < ours.logits.length; j++) {
      maxAbsDiff = Math.max(maxAbsDiff, Math.abs(ours.logits[j]! - theirs.logits[j]!));
      maxAbsLogit = Math.max(maxAbsLogit, Math.abs(ours.logits[j]!));
    }
  }
  const results = built.map(({ result, warm }) => ({ ...result, warmMs: median(warm), minMs: Math.min(...warm) }));
  process.stdout.write(
    JSON.stringify({
      threads: info.threads,
      note: info.note,
      ...results[0]!,
      methods: results,
      calibrations: groupedCalibrations(),
      peakRssMB: process.resourceUsage().maxRSS / 1024,
      ...(ort
        ? { ort: { version: ort.version, threads: 1, sessionMs: ort.sessionMs, warmMs: median(ortWarm), minMs: Math.min(...ortWarm), maxAbsDiff, maxAbsLogit } }
        : {}),
    }),
  );
}

void main();
