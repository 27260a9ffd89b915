/**
 * Warm forward of one preset as our bundles run it (threaded wasm when THREADS > 1): bundled by bench.ts with
 * scripts/wasm-threads.js, since threads exist only in a bundle. GROUPED picks the grouped-conv method (default
 * auto). Prints JSON: threads started, build (with auto: its measurements), first and median warm forward in ms,
 * peak RSS.
 */
import * as v8 from 'node:v8';
import { backendInfo, setThreads, tf } from '../src/model/tf';
import { buildNetwork } from '../src/model/network';
import { groupedCalibrations, type GroupedMethodOption } from '../src/model/groupedConv';
import { presetConfig, requirePreset } from '../src/model/config';

async function main(): Promise<void> {
  v8.setFlagsFromString('--no-liftoff'); // as the CLI runs
  setThreads(Number(process.env.THREADS ?? '1'));
  const info = await backendInfo();
  const groupedMethod = (process.env.GROUPED ?? 'auto') as GroupedMethodOption;
  const buildStart = performance.now();
  const network = await buildNetwork(presetConfig(requirePreset(process.env.MODEL ?? 'resnext50_32x4d')), { init: 'random', seed: 1, groupedMethod });
  const buildMs = performance.now() - buildStart;
  const input = tf.randomUniform([1, 3, 224, 224], -2, 2) as tf.Tensor4D;
  const forward = async (): Promise<number> => {
    const t0 = performance.now();
    const logits = network.forward(input);
    await logits.data();
    logits.dispose();
    return performance.now() - t0;
  };
  const firstMs = await forward();
  const warm: number[] = [];
  for (let i = 0; i < Number(process.env.RUNS ?? '7'); i++) warm.push(await forward());
  warm.sort((a, b) => a - b);
  process.stdout.write(JSON.stringify({ threads: info.threads, note: info.note, groupedMethod, buildMs, firstMs, warmMs: warm[Math.floor(warm.length / 2)]!, minMs: warm[0]!, calibrations: groupedCalibrations(), peakRssMB: process.resourceUsage().maxRSS / 1024 }));
}

void main();
