/**
 * Issue 20's building blocks on both engines against timm itself (test/fixtures/families/make_timm_families.py,
 * PyTorch 2.13 + timm 1.0.29): six small networks made with timm's own ResNet class and its BasicBlock, tiered stem,
 * SE, ECA and SelectiveKernel modules, saved with timm's random initialisation and BN statistics drawn away from the
 * identity. Each one's logits at two fixed inputs must match timm's within 1e-4 on every engine; and for each block,
 * the same network built wrong on purpose must not (so the comparison can fail).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as Ort from 'onnxruntime-node';
import type { NetworkConfig } from '../../src/model/config';
import { architecture, type Architecture } from '../../src/model/architecture';
import { buildEngine } from '../../src/model/engines';
import { encodeOnnxModel, onnxModel } from '../../src/model/engines/onnx';
import { buildNetworkOf } from '../../src/model/network';
import { tf } from '../../src/model/tf';
import { readWeights } from '../../src/model/weights/load';
import type { StateDict } from '../../src/model/weights/stateDict';
import { ENGINES, FIXTURES, engineSkip, linspace, maxAbsDiff, type TestEngine } from '../helpers';

const DIR = path.join(FIXTURES, 'families');
type Row = [string, string, number[], number];
interface SmallReference {
  config: Partial<NetworkConfig> & { layers: number[] };
  params: number;
  macs: number;
  rows: Row[];
  logits_linspace_64: number[];
  logits_linspace_57: number[];
}
interface TimmReferences {
  presets: Record<string, { params: number; macs: number; rows: Row[] }>;
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
