/**
 * src/model/engines/onnx.ts: the ONNX graph the onnxruntime engine runs (and `resnext export` writes) computes what
 * our TF.js network computes. Where onnxruntime-node cannot load (a platform it has no binary for) the ORT tests skip
 * and say why.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import type * as Ort from 'onnxruntime-node';
import { architecture, paramModules } from '../../src/model/architecture';
import { presetConfig, type NetworkConfig } from '../../src/model/config';
import { buildNetwork, mulberry32, randomStateDict } from '../../src/model/network';
import { tf } from '../../src/model/tf';
import { readSafetensors } from '../../src/model/weights/safetensors';
import type { StateDict, TensorData } from '../../src/model/weights/stateDict';
import { decodeOnnxModel, encodeOnnxModel, EXTERNAL_DATA_ALIGNMENT, externalDataFile, onnxModel } from '../../src/model/engines/onnx';
import { buildOnnxRuntimeEngine, LARGE_MODEL_BYTES } from '../../src/model/engines/onnxruntime';
import { fixture, linspace, maxAbsDiff, tinyConfig, tinyReference } from '../helpers';

let ort: typeof Ort | undefined;
let ortSkip: string | false = false;
try {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  ort = require('onnxruntime-node') as typeof Ort;
} catch (error) {
  ortSkip = `onnxruntime-node cannot load on ${process.platform}/${process.arch}: ${(error as Error).message.split('\n')[0]}`;
}

test('resnext50_32x4d as ONNX: torchvision’s ops named after its modules, 16 grouped convs with group 32, BN folded into 53 convs', () => {
  const zeros = (_key: string, shape: readonly number[]): Float32Array => new Float32Array(shape.reduce((a, b) => a * b, 1));
  // Through the bytes and back: what a reader of the file sees.
  const g = decodeOnnxModel(encodeOnnxModel(onnxModel(architecture(presetConfig('resnext50_32x4d')), zeros)));
  assert.equal(g.opset, 17);
  const count = new Map<string, number>();
  for (const n of g.nodes) count.set(n.opType, (count.get(n.opType) ?? 0) + 1);
  assert.deepEqual(Object.fromEntries(count), { Conv: 53, Relu: 49, MaxPool: 1, Add: 16, GlobalAveragePool: 1, Flatten: 1, Gemm: 1 });
  const grouped = g.nodes.filter((n) => n.attributes.get('group') === 32);
  assert.deepEqual(
    grouped.slice(0, 2).map((n) => n.name),
    ['layer1.0.conv2/Conv', 'layer1.1.conv2/Conv'],
  );
  assert.equal(grouped.length, 16);
  assert.equal(new Set(g.nodes.flatMap((n) => n.output)).size, g.nodes.length, 'every value is written once');
  // conv + folded BN + ReLU: the module's Conv then its Relu; the block's add + ReLU on the block's relu module.
  assert.deepEqual(
    g.nodes.slice(0, 3).map((n) => n.name),
    ['conv1/Conv', 'conv1/Relu', 'maxpool/MaxPool'],
  );
  assert.ok(g.nodes.some((n) => n.name === 'layer4.2.relu/Add'));
  assert.deepEqual(g.outputs, [{ name: 'logits', dims: [1, 1000] }]);
  // Folded: torchvision's 25,028,904 parameters less one of BN's two vectors (γ, β become the conv's bias).
  const bnChannels = paramModules(architecture(presetConfig('resnext50_32x4d'))).reduce((s, m) => s + (m.type === 'BatchNorm2d' ? m.channels : 0), 0);
  assert.equal(
    g.initializers.reduce((s, t) => s + t.floats, 0),
    25_028_904 - bnChannels,
  );
});

/** Random weights with BN statistics far from identity, so folding them is exercised (init gives γ=1, β=0, μ=0, σ²=1). */
function randomWeights(config: NetworkConfig, seed: number): StateDict {
  const rand = mulberry32(seed);
  const u = (lo: number, hi: number): number => lo + (hi - lo) * rand();
  const range: Record<string, [number, number]> = { weight: [0.5, 1.5], bias: [-0.3, 0.3], running_mean: [-0.3, 0.3], running_var: [0.5, 1.5] };
  const out = new Map<string, TensorData>();
  for (const [key, t] of randomStateDict(architecture(config), seed)) {
    const bn = /(bn\w*|downsample\.[12]|shortcut_bn|conv1\.[14])\.(weight|bias|running_mean|running_var)$/.exec(key);
    const r = bn && t.shape.length === 1 && !key.includes('.se.') ? range[bn[2]!] : undefined;
    out.set(key, r ? { ...t, data: t.data.map(() => u(r[0], r[1])) } : t);
  }
  return out;
}

async function oursAndOrt(config: NetworkConfig, stateDict: StateDict, input: Float32Array): Promise<{ ours: Float32Array; ort: Float32Array }> {
  const shape = [1, 3, config.inputHeightPx, config.inputWidthPx];
  const network = await buildNetwork(config, { stateDict });
  let ours: Float32Array;
  try {
    const x = tf.tensor4d(input, shape as [number, number, number, number]);
    const y = network.forward(x);
    ours = (await y.data()) as Float32Array;
    x.dispose();
    y.dispose();
  } finally {
    network.dispose();
  }
  const bytes = encodeOnnxModel(onnxModel(architecture(config), (key) => stateDict.get(key)!.data));
  const session = await ort!.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  try {
    const result = await session.run({ input: new ort!.Tensor('float32', input, shape) });
    return { ours, ort: result.logits!.data as Float32Array };
  } finally {
    await session.release();
  }
}

const small = (extra: Partial<NetworkConfig>): NetworkConfig => ({
  layers: [1, 1, 1, 1],
  groups: 4,
  widthPerGroup: 4,
  baseWidth: 16,
  numClasses: 10,
  inputHeightPx: 64,
  inputWidthPx: 64,
  ...extra,
});

const CASES: [string, NetworkConfig][] = [
  ['plain ResNeXt 1-1-1-1, 4 groups, 64x64', small({})],
  [
    'timm SE + deep stem + avg-down, 72x72 (odd grids: ceil-mode average pool)',
    small({ se: true, stem: 'deep', avgDown: true, inputHeightPx: 72, inputWidthPx: 72 }),
  ],
  ['CIFAR layout 1-1-1, 32x32', small({ layers: [1, 1, 1], cifar: true, inputHeightPx: 32, inputWidthPx: 32 })],
  // issue 20's blocks in combinations the timm fixtures do not hold (timmEngines.test.ts holds those)
  [
    'BasicBlock, standard stem, ECA, 2-1-1-1, 61x61',
    small({ block: 'basic', groups: 1, widthPerGroup: 64, layers: [2, 1, 1, 1], eca: true, inputHeightPx: 61, inputWidthPx: 61 }),
  ],
  [
    'selective kernel, standard stem, avg-down, SE, 1-2-1-1, 72x72',
    small({ block: 'selective-kernel', avgDown: true, se: true, layers: [1, 2, 1, 1], inputHeightPx: 72, inputWidthPx: 72 }),
  ],
  ['tiered stem (width 12), ECA, 1-1-1-1, 64x64', small({ stem: 'tiered', stemWidth: 12, eca: true })],
];

for (const [name, config] of CASES) {
  test(`ORT on our ONNX graph = our TF.js logits within 1e-4: ${name}`, { skip: ortSkip }, async () => {
    const stateDict = randomWeights(config, 7);
    const n = 3 * config.inputHeightPx * config.inputWidthPx;
    const input = Float32Array.from({ length: n }, (_, i) => Math.sin(i / 13) * 2);
    const { ours, ort: theirs } = await oursAndOrt(config, stateDict, input);
    assert.equal(theirs.length, config.numClasses);
    const spread = Math.max(...ours) - Math.min(...ours);
    assert.ok(spread > 0.1, `logits should differ between classes (spread ${spread})`);
    const diff = maxAbsDiff(theirs, ours);
    assert.ok(diff <= 1e-4, `max abs diff ${diff}`);
  });
}

test('ORT on our ONNX graph of the tiny fixture = PyTorch’s reference logits within 1e-4', { skip: ortSkip }, async () => {
  const config = tinyConfig();
  const stateDict = readSafetensors(fixture('tiny_fp32.safetensors'), 'tiny_fp32.safetensors');
  const input = linspace(-2, 2, 3 * 224 * 224);
  const { ours, ort: theirs } = await oursAndOrt(config, stateDict, input);
  const reference = tinyReference().outputs.linspace.fp32;
  assert.ok(maxAbsDiff(theirs, reference) <= 1e-4, `ORT vs PyTorch: ${maxAbsDiff(theirs, reference)}`);
  assert.ok(maxAbsDiff(theirs, ours) <= 1e-4, `ORT vs ours: ${maxAbsDiff(theirs, ours)}`);
});

test(
  'a large model’s path (weights as external data, written one folded conv at a time) gives PyTorch’s logits on the tiny fixture, as the in-memory path does, and leaves no temporary file',
  { skip: ortSkip },
  async () => {
    const config = tinyConfig();
    const stateDict = readSafetensors(fixture('tiny_fp32.safetensors'), 'tiny_fp32.safetensors');
    const input = linspace(-2, 2, 3 * 224 * 224);
    const reference = tinyReference().outputs.linspace.fp32;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eng-external-'));
    const savedTmp = process.env.TMPDIR;
    process.env.TMPDIR = tmp; // os.tmpdir() reads it: the engine's temporary folders go here, to be counted
    const logits: Float32Array[] = [];
    try {
      // 0: every model is "large" (external data); the default: the tiny net's bytes in memory.
      for (const large of [0, LARGE_MODEL_BYTES]) {
        const engine = await buildOnnxRuntimeEngine(config, { stateDict, source: 'tiny_fp32.safetensors' }, 1, large);
        try {
          logits.push((await engine.run(input, [1, 3, 224, 224])).logits);
        } finally {
          await engine.dispose();
        }
      }
      assert.deepEqual(fs.readdirSync(tmp), [], 'the model file and its data are removed');
    } finally {
      process.env.TMPDIR = savedTmp;
      if (savedTmp === undefined) delete process.env.TMPDIR;
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    const [external, inMemory] = logits as [Float32Array, Float32Array];
    assert.ok(maxAbsDiff(external, reference) <= 1e-4, `external data vs PyTorch: ${maxAbsDiff(external, reference)}`);
    assert.ok(maxAbsDiff(inMemory, reference) <= 1e-4, `in memory vs PyTorch: ${maxAbsDiff(inMemory, reference)}`);
    assert.deepEqual(external, inMemory, 'the same graph and weights: the same logits');
  },
);

test('external data: each initializer’s bytes at an aligned offset of the data file, the model holding only their locations', () => {
  const config = tinyConfig();
  const stateDict = readSafetensors(fixture('tiny_fp32.safetensors'), 'tiny_fp32.safetensors');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eng-external-'));
  try {
    const sink = externalDataFile(path.join(dir, 'm.onnx.data'));
    const model = onnxModel(architecture(config), (key) => stateDict.get(key)!.data, { externalData: sink });
    sink.close();
    const data = fs.readFileSync(path.join(dir, 'm.onnx.data'));
    const inline = onnxModel(architecture(config), (key) => stateDict.get(key)!.data);
    const tensors = model.graph!.initializer!;
    assert.equal(tensors.length, inline.graph!.initializer!.length);
    tensors.forEach((t, i) => {
      const where = new Map(t.externalData!.map((e) => [e.key, e.value]));
      assert.equal(where.get('location'), 'm.onnx.data');
      const offset = Number(where.get('offset'));
      const length = Number(where.get('length'));
      assert.equal(offset % EXTERNAL_DATA_ALIGNMENT, 0, `${t.name} at ${offset}`);
      assert.equal(t.rawData, undefined);
      assert.deepEqual(new Uint8Array(data.subarray(offset, offset + length)), inline.graph!.initializer![i]!.rawData, t.name!);
    });
    assert.ok(encodeOnnxModel(model).length < 1e5, 'the model itself is small');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
