/**
 * Warm forward of one preset as our bundles run it (threaded wasm when THREADS > 1): bundled by bench.ts with
 * scripts/wasm-threads.js, since threads exist only in a bundle. GROUPED picks the grouped-conv method (default
 * auto); a comma-separated list (e.g. `depthwise,auto`) builds one network per method in this process and alternates
 * their forwards, so that load from elsewhere on a shared machine hits them alike. Prints JSON: threads started, per
 * method its build (with auto: its measurements), first and median warm forward in ms; the first method's figures
 * also at the top level; the peak RSS of the process.
 */
import * as v8 from 'node:v8';
import { backendInfo, setThreads, tf } from '../src/model/tf';
import { buildNetwork, type Network } from '../src/model/network';
import { presetConfig, requirePreset } from '../src/model/config';
import { groupedCalibrations, type GroupedMethodOption } from '../src/model/groupedConv';

interface MethodResult {
  groupedMethod: GroupedMethodOption;
  buildMs: number;
  firstMs: number;
  warmMs: number;
  minMs: number;
}

async function main(): Promise<void> {
  v8.setFlagsFromString('--no-liftoff'); // as the CLI runs
  setThreads(Number(process.env.THREADS ?? '1'));
  const info = await backendInfo();
  const config = presetConfig(requirePreset(process.env.MODEL ?? 'resnext50_32x4d'));
  const methods = (process.env.GROUPED ?? 'auto').split(',') as GroupedMethodOption[];
  const input = tf.randomUniform([1, 3, 224, 224], -2, 2) as tf.Tensor4D;
  const forward = async (network: Network): Promise<number> => {
    const t0 = performance.now();
    const logits = network.forward(input);
    await logits.data();
    logits.dispose();
    return performance.now() - t0;
  };
  const built: { network: Network; result: MethodResult; warm: number[] }[] = [];
  for (const groupedMethod of methods) {
    const buildStart = performance.now();
    const network = await buildNetwork(config, { init: 'random', seed: 1, groupedMethod });
    const buildMs = performance.now() - buildStart;
    built.push({ network, result: { groupedMethod, buildMs, firstMs: await forward(network), warmMs: 0, minMs: 0 }, warm: [] });
  }
  for (let i = 0; i < Number(process.env.RUNS ?? '7'); i++) for (const b of built) b.warm.push(await forward(b.network));
  const results = built.map(({ result, warm }) => {
    warm.sort((a, b) => a - b);
    return { ...result, warmMs: warm[Math.floor(warm.length / 2)]!, minMs: warm[0]! };
  });
  process.stdout.write(
    JSON.stringify({ threads: info.threads, note: info.note, ...results[0]!, methods: results, calibrations: groupedCalibrations(), peakRssMB: process.resourceUsage().maxRSS / 1024 }),
  );
}

void main();
