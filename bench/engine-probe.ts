/**
 * One engine's warm forward in a fresh process (bundled like our bundles, so the wasm engine gets its threads):
 * MODEL, THREADS, ENGINE (wasm | onnxruntime). With ENGINE=onnxruntime, onnxruntime-node is also called directly on
 * the same graph bytes (one direct run after each of ours: paired under the same load). CLASSIFY=1 also times a
 * warm classify of chelsea.jpg (decode + preprocess + forward) with the network loaded.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { architecture } from '../src/model/architecture';
import { classifyImage, IMAGENET_CATEGORIES } from '../src/model/classify';
import { presetConfig, type PresetName } from '../src/model/config';
import { buildEngine, type EngineName } from '../src/model/engines';
import { encodeOnnxModel, onnxModel, weightSourceFor } from '../src/model/engines/onnx';
import { setThreads } from '../src/model/tf';
import { median } from './median';

const RUNS = 7;

async function main(): Promise<void> {
  const model = (process.env.MODEL ?? 'resnext50_32x4d') as PresetName;
  const threads = Number(process.env.THREADS ?? 1);
  const engineName = (process.env.ENGINE ?? 'onnxruntime') as EngineName;
  setThreads(threads);
  const config = presetConfig(model);
  const engine = await buildEngine(config, { engine: engineName, seed: 1 });
  const shape = [1, 3, 224, 224] as const;
  const input = Float32Array.from({ length: 3 * 224 * 224 }, (_, i) => Math.sin(i / 7) * 2);
  let direct: { run: () => Promise<number> } | undefined;
  if (engineName === 'onnxruntime') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ort = require('onnxruntime-node') as typeof Ort;
    const arch = architecture(config);
    const bytes = encodeOnnxModel(onnxModel(arch, weightSourceFor(arch, { seed: 1 }), { dynamicBatch: true, dynamicSize: true, features: true }));
    const session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
    });
    const feeds = { input: new ort.Tensor('float32', input, [...shape]) };
    direct = {
      run: async () => {
        const t0 = performance.now();
        await session.run(feeds, ['logits']);
        return performance.now() - t0;
      },
    };
    await direct.run();
  }
  await engine.run(input, shape);
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await engine.run(input, shape);
    ours.push(performance.now() - t0);
    if (direct) theirs.push(await direct.run());
  }
  let classifyMs: number | undefined;
  if (process.env.CLASSIFY === '1') {
    const bytes = fs.readFileSync(path.join(__dirname, '..', '..', 'test', 'fixtures', 'chelsea.jpg'));
    const options = { resizePx: 256, cropPx: 224, topK: 5, labels: IMAGENET_CATEGORIES };
    await classifyImage(engine, bytes, 'chelsea.jpg', options);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      await classifyImage(engine, bytes, 'chelsea.jpg', options);
      times.push(performance.now() - t0);
    }
    classifyMs = median(times);
  }
  await engine.dispose();
  process.stdout.write(
    JSON.stringify({
      model,
      threads,
      engine: engine.info,
      warmMs: median(ours),
      ...(direct && { directMs: median(theirs) }),
      ...(classifyMs !== undefined && { classifyMs }),
    }),
  );
}

void main().catch((error: unknown) => {
  process.stderr.write(String(error instanceof Error ? error.stack : error) + '\n');
  process.exit(1);
});
