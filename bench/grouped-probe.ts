/**
 * Grouped conv methods on layer shapes of the ResNeXt presets, as our bundles run them (threaded wasm when
 * THREADS > 1): bundled by bench.ts with scripts/wasm-threads.js. For each shape, each applicable method's median
 * time over RUNS runs (the methods interleaved, after one untimed run each), and what 'auto' picks for it in this
 * process. Prints JSON.
 */
import * as v8 from 'node:v8';
import { backendInfo, setThreads, tf } from '../src/model/tf';
import { GROUPED_METHODS, chooseGroupedMethod, groupedConv2d, prepareGroupedConv, type GroupedMethod } from '../src/model/groupedConv';
import { median } from './median';

/** [preset, stage, width (= Cin = Cout of the 3x3), groups, input size, stride]. */
export const GROUPED_SHAPES: readonly [string, string, number, number, number, number][] = [
  ['resnext50_32x4d', 'layer1', 128, 32, 56, 1],
  ['resnext50_32x4d', 'layer2.0', 256, 32, 56, 2],
  ['resnext50_32x4d', 'layer2', 256, 32, 28, 1],
  ['resnext50_32x4d', 'layer3', 512, 32, 14, 1],
  ['resnext50_32x4d', 'layer4', 1024, 32, 7, 1],
  ['resnext101_32x8d', 'layer1', 256, 32, 56, 1],
  ['resnext101_32x8d', 'layer2', 512, 32, 28, 1],
  ['resnext101_32x8d', 'layer3.0', 1024, 32, 28, 2],
  ['resnext101_32x8d', 'layer3', 1024, 32, 14, 1],
  ['resnext101_32x8d', 'layer4', 2048, 32, 7, 1],
  ['resnext101_64x4d', 'layer1', 256, 64, 56, 1],
  ['resnext101_64x4d', 'layer2', 512, 64, 28, 1],
  ['resnext101_64x4d', 'layer3', 1024, 64, 14, 1],
  ['resnext101_64x4d', 'layer4', 2048, 64, 7, 1],
];

export interface GroupedShapeResult {
  preset: string;
  stage: string;
  width: number;
  groups: number;
  inputPx: number;
  stride: number;
  ms: Partial<Record<GroupedMethod, number>>;
  auto: GroupedMethod;
}

async function main(): Promise<void> {
  v8.setFlagsFromString('--no-liftoff'); // as the CLI runs
  setThreads(Number(process.env.THREADS ?? '1'));
  const info = await backendInfo();
  const runs = Number(process.env.RUNS ?? '7');
  const results: GroupedShapeResult[] = [];
  for (const [preset, stage, width, groups, inputPx, stride] of GROUPED_SHAPES) {
    const spec = { inChannels: width, outChannels: width, groups, kernel: 3, stride, padding: 1 };
    const x = tf.randomUniform([1, inputPx, inputPx, width], -1, 1) as tf.Tensor4D;
    const prepared = GROUPED_METHODS.map((m) => prepareGroupedConv(undefined, undefined, spec, m));
    const times = prepared.map(() => [] as number[]);
    for (let r = -1; r < runs; r++) {
      prepared.forEach((w, i) => {
        const start = performance.now();
        groupedConv2d(x, w, true).dispose();
        if (r >= 0) times[i]!.push(performance.now() - start);
      });
    }
    const ms: Partial<Record<GroupedMethod, number>> = {};
    prepared.forEach((w, i) => (ms[w.method] = median(times[i]!)));
    for (const w of prepared) for (const t of w.tensors) t.dispose();
    const out = Math.floor((inputPx + 2 - 3) / stride) + 1;
    results.push({ preset, stage, width, groups, inputPx, stride, ms, auto: chooseGroupedMethod(spec, out, out) });
    x.dispose();
  }
  process.stdout.write(JSON.stringify({ threads: info.threads, note: info.note, results }));
}

void main();
