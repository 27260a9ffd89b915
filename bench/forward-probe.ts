/**
 * Warm forward of one preset as our bundles run it (threaded wasm when THREADS > 1): bundled by bench.ts with
 * scripts/wasm-threads.js, since threads exist only in a bundle. Prints JSON: threads started, first and median warm
 * forward in ms.
 *
 * ORT=1 also times onnxruntime-node (1 thread, external to the bundle) on the same graph, weights and input
 * (bench/onnx.ts), one ORT run after each of our forwards: on a shared machine both then see the same load, so their
 * ratio holds even when the absolute times do not. The largest logit difference shows it computed the same thing.
 */
import * as v8 from 'node:v8';
import type * as Ort from 'onnxruntime-node';
import { backendInfo, setThreads, tf } from '../src/model/tf';
import { buildNetwork } from '../src/model/network';
import { presetConfig, requirePreset } from '../src/model/config';
import { randomTensorSource } from '../src/model/network';
import { encodeModel, onnxGraph } from './onnx';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  v8.setFlagsFromString('--no-liftoff'); // as the CLI runs
  setThreads(Number(process.env.THREADS ?? '1'));
  const info = await backendInfo();
  const network = await buildNetwork(presetConfig(requirePreset(process.env.MODEL ?? 'resnext50_32x4d')), { init: 'random', seed: 1 });
  const input = tf.randomUniform([1, 3, 224, 224], -2, 2) as tf.Tensor4D;
  const forward = async (): Promise<{ ms: number; logits: Float32Array }> => {
    const t0 = performance.now();
    const y = network.forward(input);
    const logits = (await y.data()) as Float32Array;
    y.dispose();
    return { ms: performance.now() - t0, logits };
  };
  let ort: { run: () => Promise<{ ms: number; logits: Float32Array }>; version: string; sessionMs: number } | undefined;
  if (process.env.ORT === '1') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ortModule = require('onnxruntime-node') as typeof Ort;
    const random = randomTensorSource(network.architecture, 1);
    const bytes = encodeModel(onnxGraph(network.architecture, (key) => random(key).data));
    const t0 = performance.now();
    const session = await ortModule.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential' });
    const sessionMs = performance.now() - t0;
    const feeds = { input: new ortModule.Tensor('float32', (await input.data()) as Float32Array, input.shape) };
    const run = async (): Promise<{ ms: number; logits: Float32Array }> => {
      const t = performance.now();
      const out = await session.run(feeds);
      return { ms: performance.now() - t, logits: out.logits!.data as Float32Array };
    };
    ort = { run, version: ortModule.env.versions.node ?? 'unknown', sessionMs };
    for (let i = 0; i < 2; i++) await run();
  }
  const first = await forward();
  const warm: number[] = [];
  const ortWarm: number[] = [];
  let maxAbsDiff = 0;
  let maxAbsLogit = 0;
  for (let i = 0; i < Number(process.env.RUNS ?? '7'); i++) {
    const ours = await forward();
    warm.push(ours.ms);
    if (!ort) continue;
    const theirs = await ort.run();
    ortWarm.push(theirs.ms);
    for (let j = 0; j < ours.logits.length; j++) {
      maxAbsDiff = Math.max(maxAbsDiff, Math.abs(ours.logits[j]! - theirs.logits[j]!));
      maxAbsLogit = Math.max(maxAbsLogit, Math.abs(ours.logits[j]!));
    }
  }
  const result = {
    threads: info.threads,
    note: info.note,
    firstMs: first.ms,
    warmMs: median(warm),
    minMs: Math.min(...warm),
    ...(ort ? { ort: { version: ort.version, threads: 1, sessionMs: ort.sessionMs, warmMs: median(ortWarm), minMs: Math.min(...ortWarm), maxAbsDiff, maxAbsLogit } } : {}),
  };
  process.stdout.write(JSON.stringify(result));
}

void main();
