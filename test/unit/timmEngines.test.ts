/**
 * Issue 20's building blocks on both engines against timm itself (test/fixtures/families/make_timm_families.py,
 * PyTorch 2.13 + timm 1.0.29): six small networks made with timm's own ResNet class and its BasicBlock, tiered stem,
 * SE, ECA and SelectiveKernel modules, saved with timm's random initialisation and BN statistics drawn away from the
 * identity. Each one's logits at two fixed inputs must match timm's within 1e-4 on every engine; and for each block,
 * the same network built wrong on purpose must not (so the comparison can fail).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as Ort from 'onnxruntime-node';
import type { NetworkConfig } from '../../src/model/config';
import { architecture, type Architecture, type BlockSpec } from '../../src/model/architecture';
import { buildEngine } from '../../src/model/engines';
import { decodeOnnxModel, encodeOnnxModel, onnxModel } from '../../src/model/engines/onnx';
import { exportOnnx } from '../../src/model/engines/export';
import { classifyFiles, loadClassifier } from '../../src/model/classify';
import { profile } from '../../src/model/profile';
import { summarize } from '../../src/model/summarize';
import { buildNetworkOf } from '../../src/model/network';
import { tf } from '../../src/model/tf';
import { readWeights } from '../../src/model/weights/load';
import type { StateDict } from '../../src/model/weights/stateDict';
import { decodeImage } from '../../src/model/image/decode';
import { preprocess } from '../../src/model/image/preprocess';
import type { EvaluationJson } from '../../src/model/evaluate';
import { ENGINES, FIXTURES, ROOT, engineSkip, linspace, maxAbsDiff, runCli, type TestEngine } from '../helpers';

const DIR = path.join(FIXTURES, 'families');
/** What this file reads of each small network (timmFamilies.test.ts reads its params, MACs and rows). */
interface SmallReference {
  config: Partial<NetworkConfig> & { layers: number[] };
  logits_linspace_64: number[];
  logits_linspace_57: number[];
  features_linspace_64: { shape: number[]; nchw: number[] };
  logits_photo_224: number[];
}
interface TimmReferences {
  small: Record<string, SmallReference>;
}
const REF = JSON.parse(fs.readFileSync(path.join(DIR, 'timm_references.json'), 'utf8')) as TimmReferences;
const SMALL = Object.keys(REF.small);
const SIZES = [64, 57] as const;

const configOf = (name: string, size = 64): NetworkConfig =>
  ({ widthPerGroup: 64, numClasses: 1000, ...REF.small[name]!.config, inputHeightPx: size, inputWidthPx: size }) as NetworkConfig;
const weightsOf = (name: string): StateDict => readWeights(fs.readFileSync(path.join(DIR, `timm_${name}.safetensors`)), `timm_${name}.safetensors`).stateDict;
const expected = (name: string, size: (typeof SIZES)[number]): number[] => REF.small[name]![`logits_linspace_${size}`];
const input = (size: number): Float32Array => linspace(-2, 2, 3 * size * size);

for (const name of SMALL)
  for (const engine of ENGINES)
    test(`timm ${name}: timm's logits within 1e-4 at 64x64 and 57x57 on ${engine}`, { skip: engineSkip(engine) }, async () => {
      const built = await buildEngine(configOf(name), { stateDict: weightsOf(name), source: name, engine });
      try {
        assert.equal(built.info.name, engine);
        for (const size of SIZES) {
          const { logits } = await built.run(input(size), [1, 3, size, size]);
          const diff = maxAbsDiff(logits, expected(name, size));
          assert.ok(diff <= 1e-4, `${size}x${size}: max abs diff ${diff}`);
        }
      } finally {
        await built.dispose();
      }
    });

let ort: typeof Ort | undefined;
try {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ort = require('onnxruntime-node') as typeof Ort;
} catch {
  // engineSkip('onnxruntime') says why
}

/** Logits of an architecture as given (possibly built wrong on purpose) with these weights, on one engine. */
async function logitsOfArchitecture(arch: Architecture, stateDict: StateDict, size: number, engine: TestEngine): Promise<Float32Array> {
  const x = input(size);
  if (engine === 'wasm') {
    const network = await buildNetworkOf(arch, { stateDict, source: 'test' });
    try {
      const y = network.forward(tf.tensor4d(x, [1, 3, size, size]));
      const out = (await y.data()) as Float32Array;
      y.dispose();
      return out;
    } finally {
      network.dispose();
    }
  }
  const bytes = encodeOnnxModel(onnxModel(arch, (key) => stateDict.get(key)!.data, { inputSize: [size, size] }));
  const session = await ort!.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const result = await session.run({ input: new ort!.Tensor('float32', x, [1, 3, size, size]) });
    return result.logits!.data as Float32Array;
  } finally {
    await session.release();
  }
}

/** The architecture with each block replaced by `f(block)` (a deliberate mistake for the negative tests). */
const withBlocks = (arch: Architecture, f: (b: BlockSpec) => BlockSpec): Architecture => ({ ...arch, blocks: arch.blocks.map(f) });

/** Max abs difference from timm's logits at 64x64 and 57x57 of `arch` with `stateDict` on `engine`. */
async function diffFromTimm(name: string, arch: Architecture, stateDict: StateDict, engine: TestEngine): Promise<number> {
  let max = 0;
  for (const size of SIZES) max = Math.max(max, maxAbsDiff(await logitsOfArchitecture(arch, stateDict, size, engine), expected(name, size)));
  return max;
}

/**
 * Each test: the block as timm builds it matches timm (≤ 1e-4), the same weights in a block built wrong on purpose do
 * not (> 1e-3), on each engine. So a mistake of that kind in the architecture or an engine would fail the positive tests.
 */
const NEGATIVE: [string, string, (arch: Architecture, weights: StateDict) => { arch: Architecture; weights: StateDict }][] = [
  [
    "ECA: the Conv1d's kernel from the channel count (5 at 128 channels), not a fixed 3 (timm's k_size default)",
    'ecaresnext_t_small',
    (arch, weights) => {
      const fixed = new Map(weights);
      const wrong = withBlocks(arch, (b) => {
        if (!b.eca || b.eca.conv.kernel === 3) return b;
        // The centre three taps of the 5-tap kernel.
        const key = `${b.eca.conv.name}.weight`;
        fixed.set(key, { ...weights.get(key)!, shape: [1, 1, 3], data: weights.get(key)!.data.slice(1, 4) });
        return { ...b, eca: { ...b.eca, conv: { ...b.eca.conv, kernel: 3, padding: 1 } } };
      });
      assert.ok(fixed.size === weights.size && [...fixed].some(([k, t]) => t !== weights.get(k)), 'a layer with a 5-tap ECA kernel exists');
      return { arch: wrong, weights: fixed };
    },
  ],
  [
    "SK: the attention's first softmax slot weighs the 3x3 path, the second the dilated one (here swapped)",
    'skresnext_small',
    (arch, weights) => ({
      arch: withBlocks(arch, (b) => (b.kind === 'selective-kernel' ? { ...b, conv2: { ...b.conv2, paths: [...b.conv2.paths].reverse() } } : b)),
      weights,
    }),
  ],
  [
    'SK: the attention branch selects between the paths (here ignored: fc_select zero, so every path weighs 1/2)',
    'skresnext_small',
    (arch, weights) => {
      const ignored = new Map(weights);
      for (const [key, t] of weights) if (key.endsWith('.attn.fc_select.weight')) ignored.set(key, { ...t, data: new Float32Array(t.data.length) });
      return { arch, weights: ignored };
    },
  ],
  [
    "SK: the second path's 3x3 is dilated 2 (padding 2), here not dilated (padding 1)",
    'skresnext_small',
    (arch, weights) => ({
      arch: withBlocks(arch, (b) =>
        b.kind === 'selective-kernel'
          ? {
              ...b,
              conv2: { ...b.conv2, paths: b.conv2.paths.map((p) => ({ ...p, conv: { ...p.conv, dilation: 1, padding: 1 } })) },
            }
          : b,
      ),
      weights,
    }),
  ],
  [
    'BasicBlock: the stride on the first 3x3 (timm, torchvision), here on the second conv',
    'basic_d_small',
    (arch, weights) => ({
      arch: withBlocks(arch, (b) =>
        b.kind === 'basic' && b.conv1.stride === 2 ? { ...b, conv1: { ...b.conv1, stride: 1 }, conv2: { ...b.conv2, stride: 2 } } : b,
      ),
      weights,
    }),
  ],
];

for (const [label, name, breakIt] of NEGATIVE)
  for (const engine of ENGINES)
    test(`negative control on ${engine}: ${label}`, { skip: engineSkip(engine) }, async () => {
      const arch = architecture(configOf(name));
      const weights = weightsOf(name);
      const right = await diffFromTimm(name, arch, weights, engine);
      assert.ok(right <= 1e-4, `built right: max abs diff ${right}`);
      const wrong = breakIt(arch, weights);
      const diff = await diffFromTimm(name, wrong.arch, wrong.weights, engine);
      assert.ok(diff > 1e-3, `built wrong, the logits should differ from timm's, but the max abs diff is ${diff}`);
    });

test("tiered stem: timm's widths 3·(w // 4), w, 2w (3, 4, 8 here); a deep stem of the same width (4, 4, 8) does not take timm's weights", async () => {
  const name = 'seresnext_t_small';
  const arch = architecture(configOf(name));
  assert.deepEqual(
    arch.stem.map((u) => u.conv.outChannels),
    [3, 4, 8],
  );
  const weights = weightsOf(name);
  assert.ok((await diffFromTimm(name, arch, weights, 'wasm')) <= 1e-4);
  const deep = architecture({ ...configOf(name), stem: 'deep' });
  assert.deepEqual(
    deep.stem.map((u) => u.conv.outChannels),
    [4, 4, 8],
  );
  await assert.rejects(
    () => buildNetworkOf(deep, { stateDict: weights, source: 'timm_seresnext_t_small.safetensors' }),
    /shape mismatches \(\d+\): conv1\.0\.weight: file has \[3, 3, 3, 3\], the network expects \[4, 3, 3, 3\]/,
  );
});

// ---------------------------------------------------------------------------------------------------------------
// What runs the weights beyond the logits: class activation maps (the features), profile, export.

for (const engine of ENGINES)
  test(
    `every small timm network's last-stage features (what CAM weighs) equal timm's forward_features within 1e-4 on ${engine}`,
    { skip: engineSkip(engine) },
    async () => {
      for (const name of SMALL) {
        const built = await buildEngine(configOf(name), { stateDict: weightsOf(name), source: name, engine });
        try {
          const { features } = await built.run(input(64), [1, 3, 64, 64], { features: true });
          const ref = REF.small[name]!.features_linspace_64;
          const [, c, h, w] = ref.shape as [number, number, number, number];
          assert.deepEqual([features!.heightPx, features!.widthPx, features!.data.length], [h, w, c * h * w], name);
          // NHWC (the engine) against NCHW (timm).
          const nhwc = Float32Array.from({ length: c * h * w }, (_, i) => ref.nchw[(i % c) * h * w + Math.floor(i / c)]!);
          const diff = maxAbsDiff(features!.data, nhwc);
          assert.ok(diff <= 1e-4, `${name}: max abs diff ${diff}`);
        } finally {
          await built.dispose();
        }
      }
    },
  );

for (const engine of ENGINES)
  test(
    `classify with a class activation map on an SK and an ECA network on ${engine}: the map's mean plus fc's bias is the logit`,
    { skip: engineSkip(engine) },
    async () => {
      for (const name of ['skresnext_small', 'ecaresnext_t_small']) {
        const { layers, ...fields } = REF.small[name]!.config;
        const classifier = await loadClassifier(path.join(DIR, `timm_${name}.safetensors`), {
          preset: 'resnext50_32x4d',
          overrides: { ...fields, layers, inputHeightPx: 64, inputWidthPx: 64 },
          architectureFlagsGiven: true,
          engine,
        });
        try {
          assert.equal(classifier.engine.info.name, engine);
          const c = await classifyFiles(classifier, [path.join(DIR, 'photo.png')], { resizePx: 73, cropPx: 64, topK: 3, cam: 'top1' });
          const r = c.results[0]!;
          const cam = r.cam!;
          assert.deepEqual([cam.grid.length, cam.grid[0]!.length], [2, 2]);
          const fcBias = weightsOf(name).get('fc.bias')!.data[cam.class]!;
          const mean = cam.grid.flat().reduce((a, b) => a + b, 0) / 4;
          assert.ok(Math.abs(mean + fcBias - r.logits[cam.class]!) <= 1e-4, `${name}: ${mean} + ${fcBias} vs ${r.logits[cam.class]}`);
        } finally {
          classifier.dispose();
        }
      }
    },
  );

for (const engine of ENGINES)
  test(`profile on ${engine} times every row of an SK and an ECA network (the summary's rows, with their MACs)`, { skip: engineSkip(engine) }, async () => {
    for (const name of ['skresnext_small', 'ecaresnext_t_small']) {
      const config = configOf(name);
      const summary = await summarize(config, { model: name });
      const p = await profile(config, { model: name, runs: 1, engine, stateDict: weightsOf(name), weightsSource: name });
      assert.equal(p.engine?.name, engine);
      assert.deepEqual(
        p.layers.map((l) => [l.name, l.type, l.macs]),
        summary.layers.map((l) => [l.name, l.type, l.macs]),
      );
      const convs = p.layers.filter((l) => l.type === 'Conv2d' || l.type === 'Conv1d' || l.type === 'Linear');
      assert.ok(convs.some((l) => l.type === (name === 'skresnext_small' ? 'Conv2d' : 'Conv1d')));
      for (const l of convs) assert.ok(l.ms > 0, `${name} ${l.name} has no time`);
      assert.ok(p.layersMs > 0 && p.totalMs > 0);
    }
  });

test(
  "export: an SK network's ONNX file (opsets 13, 17 and 21, dynamic batch) gives timm's logits on onnxruntime",
  { skip: engineSkip('onnxruntime') },
  async () => {
    const name = 'skresnext_small';
    for (const opset of [13, 17, 21]) {
      const bytes = exportOnnx(configOf(name), { stateDict: weightsOf(name), source: name, opset, dynamicBatch: true });
      const g = decodeOnnxModel(bytes);
      assert.equal(g.opset, opset);
      assert.deepEqual([...new Set(g.nodes.map((n) => n.opType))].sort(), [
        'Add',
        'Concat',
        'Conv',
        'Flatten',
        'Gemm',
        'GlobalAveragePool',
        'MaxPool',
        'Mul',
        'ReduceSum',
        'Relu',
        'Reshape',
        'Softmax',
        'Unsqueeze',
      ]);
      const session = await ort!.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
      try {
        // Two images in one batch: the same input twice gives timm's logits twice.
        const x = input(64);
        const two = new Float32Array(2 * x.length);
        two.set(x);
        two.set(x, x.length);
        const out = (await session.run({ input: new ort!.Tensor('float32', two, [2, 3, 64, 64]) })).logits!;
        assert.deepEqual(out.dims, [2, 5]);
        const logits = out.data as Float32Array;
        const diff = Math.max(maxAbsDiff(logits.slice(0, 5), expected(name, 64)), maxAbsDiff(logits.slice(5), expected(name, 64)));
        assert.ok(diff <= 1e-4, `opset ${opset}: max abs diff ${diff}`);
      } finally {
        await session.release();
      }
    }
  },
);

// ---------------------------------------------------------------------------------------------------------------
// The commands a user runs, on timm's files as they are (the architecture inferred from the keys and shapes).

const PHOTO = path.join(DIR, 'photo.png');
const photoLogits = (name: string): number[] => REF.small[name]!.logits_photo_224;

for (const engine of ENGINES)
  test(
    `resnext classify on ${engine}: each small timm file, inferred, gives timm's logits for photo.png (bicubic eval) within 1e-4`,
    { skip: engineSkip(engine) },
    () => {
      for (const name of SMALL) {
        const r = runCli(
          'classify',
          PHOTO,
          '--weights',
          path.join(DIR, `timm_${name}.safetensors`),
          '--interpolation',
          'bicubic',
          '--engine',
          engine,
          '--format',
          'json',
        );
        assert.equal(r.code, 0, `${name}: ${r.stderr}`);
        const j = JSON.parse(r.stdout) as { engine: { name: string }; preprocessing: { resizePx: number; cropPx: number }; results: { logits: number[] }[] };
        assert.equal(j.engine.name, engine);
        assert.deepEqual([j.preprocessing.resizePx, j.preprocessing.cropPx], [256, 224]);
        const diff = maxAbsDiff(j.results[0]!.logits, photoLogits(name));
        assert.ok(diff <= 1e-4, `${name}: max abs diff ${diff}`);
      }
    },
  );

for (const engine of ENGINES)
  test(`resnext evaluate on ${engine}: an SK and an ECA timm file over an ImageFolder give timm's probabilities`, { skip: engineSkip(engine) }, () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'resnext-timm-eval-'));
    try {
      for (const cls of ['a', 'b']) {
        fs.mkdirSync(path.join(folder, cls));
        fs.copyFileSync(PHOTO, path.join(folder, cls, 'photo.png'));
      }
      for (const name of ['skresnext_small', 'ecaresnext_t_small']) {
        const weights = path.join(DIR, `timm_${name}.safetensors`);
        const r = runCli('evaluate', folder, '--weights', weights, '--interpolation', 'bicubic', '--workers', '1', '--engine', engine, '--format', 'json');
        assert.equal(r.code, 0, `${name}: ${r.stderr}`);
        const j = JSON.parse(r.stdout) as EvaluationJson;
        assert.equal(j.engine?.name, engine);
        assert.equal(j.count, 2);
        // softmax of timm's logits, the five classes in descending order
        const logits = photoLogits(name);
        const m = Math.max(...logits);
        const e = logits.map((v) => Math.exp(v - m));
        const sum = e.reduce((a, b) => a + b, 0);
        const order = logits.map((_, i) => i).sort((a, b) => logits[b]! - logits[a]!);
        for (const f of j.files) {
          assert.deepEqual(f.top5, order, `${name} ${f.path}`);
          for (let k = 0; k < 5; k++) assert.ok(Math.abs(f.probs[k]! - e[order[k]!]! / sum) <= 1e-4, `${name} ${f.path}: probability ${k}`);
        }
      }
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

const EXPORTED = JSON.parse(fs.readFileSync(path.join(DIR, 'timm_export.json'), 'utf8')) as {
  files: Record<string, { command: string[]; sha256: string; bytes: number }>;
};

test("resnext export of the SK and ECA timm files: the bytes onnx's full checker passed (check_timm_export.py), and timm's logits on onnxruntime", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resnext-timm-export-'));
  try {
    for (const [name, ref] of Object.entries(EXPORTED.files)) {
      const out = path.join(dir, `${name}.onnx`);
      const r = runCli(...ref.command.map((a) => (a.startsWith('test/') ? path.join(ROOT, a) : a)), '--out', out);
      assert.equal(r.code, 0, r.stderr);
      const bytes = fs.readFileSync(out);
      assert.equal(bytes.length, ref.bytes, name);
      assert.equal(createHash('sha256').update(bytes).digest('hex'), ref.sha256, `${name}: the export changed; run check_timm_export.py to check it again`);
      if (engineSkip('onnxruntime')) continue;
      const image = decodeImage(fs.readFileSync(PHOTO), 'photo.png');
      const x = preprocess(image, { resizePx: 256, cropPx: 224, interpolation: 'bicubic', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
      const session = await ort!.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
      try {
        const logits = (await session.run({ input: new ort!.Tensor('float32', x, [1, 3, 224, 224]) })).logits!.data as Float32Array;
        const diff = maxAbsDiff(logits, photoLogits(name));
        assert.ok(diff <= 1e-4, `${name}: max abs diff ${diff}`);
      } finally {
        await session.release();
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
