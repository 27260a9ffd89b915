import { presetConfig } from './src/model/config';
import { buildEngine } from './src/model/engines';
import { setThreads } from './src/model/tf';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
(async () => {
  const threads = Number(process.argv[2] ?? 2);
  setThreads(threads);
  for (const preset of ['resnext50_32x4d', 'resnext101_32x8d']) {
    const cfg = presetConfig(preset);
    const e = await buildEngine(cfg, { engine: 'onnxruntime', seed: 1 });
    const x = Float32Array.from({ length: 3 * 224 * 224 }, (_, i) => Math.sin(i / 5));
    await e.run(x, [1, 3, 224, 224]);
    const t: number[] = [];
    for (let i = 0; i < 7; i++) { const t0 = performance.now(); await e.run(x, [1, 3, 224, 224]); t.push(performance.now() - t0); }
    console.log(`${preset} onnxruntime engine ${threads} thread(s): ${median(t).toFixed(1)} ms warm (median of 7); rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
    await e.dispose();
  }
})();
