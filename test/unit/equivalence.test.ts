import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initBackend, tf } from '../../src/model/tf';
import { checkEquivalence, equivalenceWithOutputs, EQUIVALENCE_SCHEMA, FORMS, type Equivalence } from '../../src/model/equivalence';
import { architecture } from '../../src/model/architecture';
import { presetConfig } from '../../src/model/config';
import { summarize } from '../../src/model/summarize';
import { ConfigError, WeightsError } from '../../src/model/errors';
import { readSafetensors } from '../../src/model/weights/safetensors';
import { equivalenceMarkdown, equivalenceTable, formatEquivalence } from '../../src/model/report/equivalence';
import { equivalenceCommand } from '../../src/cli/equivalence';
import { fixture, tinyConfig, withoutStderr } from '../helpers';
import * as v from 'valibot';
import { EquivalenceSchema } from '../../src/shared/data';

const TOLERANCE = 1e-4;

function assertEquivalent(e: Equivalence, label: string): void {
  assert.ok(e.maxAbsDiff.aVsC <= TOLERANCE, `${label}: (a) vs (c) max abs diff ${e.maxAbsDiff.aVsC}`);
  assert.ok(e.maxAbsDiff.bVsC <= TOLERANCE, `${label}: (b) vs (c) max abs diff ${e.maxAbsDiff.bVsC}`);
  assert.ok(e.meanAbsDiff.aVsC <= e.maxAbsDiff.aVsC && e.meanAbsDiff.bVsC <= e.maxAbsDiff.bVsC, label);
  assert.ok(e.maxAbsOutput > 0.1, `${label}: the output is not trivially zero (${e.maxAbsOutput})`);
  assert.equal(e.equivalent, true, label);
  // Same multiply-adds, different numbers of ops.
  assert.equal(e.ops.a.macs, e.ops.c.macs, label);
  assert.equal(e.ops.b.macs, e.ops.c.macs, label);
}

/** Conv2d MACs of one block (downsample included) as the summary's accounting counts them. */
async function accountedBlockMacs(config: Parameters<typeof summarize>[0], block: string): Promise<number> {
  const summary = await summarize(config);
  return summary.layers.filter((r) => r.type === 'Conv2d' && r.name.startsWith(`${block}.`)).reduce((a, r) => a + r.macs, 0);
}

test('resnext50_32x4d layer1.0 and layer2.0 (stride 2, downsample): the three forms agree to ≤ 1e-4 with equal multiply-adds', async () => {
  await initBackend();
  const config = presetConfig('resnext50_32x4d');
  const before = tf.memory().numTensors;
  const layer1 = await checkEquivalence(config);
  const layer2 = await checkEquivalence(config, { block: 'layer2.0', seed: 3 });
  assert.equal(tf.memory().numTensors, before);
  for (const e of [layer1, layer2]) {
    console.log(`${e.model} ${e.block}: max ${e.maxAbsDiff.aVsC} / ${e.maxAbsDiff.bVsC}, mean ${e.meanAbsDiff.aVsC} / ${e.meanAbsDiff.bVsC}`);
    assertEquivalent(e, e.block);
    assert.equal(e.schema, EQUIVALENCE_SCHEMA);
    assert.equal(e.cardinality, 32);
    assert.equal(e.shortcut, 'downsample');
    // (a): 3 convs per path, (b): 2 per path + one 1x1, (c): conv1, the grouped 3x3 (one depthwise kernel), conv3;
    // each + the downsample conv.
    assert.deepEqual([e.ops.a.convOps, e.ops.b.convOps, e.ops.c.convOps], [3 * 32 + 1, 2 * 32 + 1 + 1, 3 + 1]);
    assert.equal(e.ops.c.macs, await accountedBlockMacs(config, e.block));
  }
  assert.deepEqual([layer1.pathWidth, layer2.pathWidth], [4, 8]);
  assert.deepEqual(layer1.inputShape, [1, 64, 56, 56]);
  assert.deepEqual(layer1.outputShape, [1, 256, 56, 56]);
  assert.deepEqual(layer2.inputShape, [1, 256, 56, 56]);
  assert.deepEqual(layer2.outputShape, [1, 512, 28, 28]);
  // ResNeXt-50 layer1.0: conv1 64·128·56² + conv2 4,608·56² + conv3 128·256·56² + downsample 64·256·56².
  assert.equal(layer1.ops.c.macs, 25_690_112 + 14_450_688 + 102_760_448 + 51_380_224);
  assert.equal(layer2.seed, 3);
  assert.equal(layer2.weights, 'random (seed 3)');
});

test('an identity-shortcut block, ResNet-50 (C = 1) and a non-square input agree too', async () => {
  await initBackend();
  const block = await checkEquivalence(presetConfig('resnext50_32x4d'), { block: 'layer3.4' });
  assertEquivalent(block, 'layer3.4');
  assert.equal(block.shortcut, 'identity');
  assert.deepEqual([block.ops.a.convOps, block.ops.b.convOps, block.ops.c.convOps], [96, 65, 3]);
  const resnet = await checkEquivalence(presetConfig('resnet50'), { block: 'layer1.1' });
  assertEquivalent(resnet, 'resnet50');
  assert.equal(resnet.cardinality, 1);
  const odd = await checkEquivalence(
    { ...presetConfig('resnext50_32x4d'), groups: 8, widthPerGroup: 14, inputHeightPx: 97, inputWidthPx: 130 },
    { block: 'layer2.0' },
  );
  assertEquivalent(odd, 'odd input');
  assert.deepEqual(odd.outputShape, [1, 512, 13, 17]);
});

test('every block of the tiny model with its real (PyTorch-trained) weights: the three forms agree to ≤ 1e-4', async () => {
  await initBackend();
  const stateDict = readSafetensors(fixture('tiny_fp32.safetensors'), 'tiny_fp32.safetensors');
  const config = tinyConfig();
  const before = tf.memory().numTensors;
  const blocks = architecture(config).blocks.map((b) => b.name);
  assert.deepEqual(blocks, ['layer1.0', 'layer1.1', 'layer2.0', 'layer3.0', 'layer4.0']);
  for (const block of blocks) {
    const e = await checkEquivalence(config, { block, stateDict, weightsSource: 'tiny_fp32.safetensors', model: 'tiny' });
    console.log(`tiny ${block}: max ${e.maxAbsDiff.aVsC} / ${e.maxAbsDiff.bVsC}, mean ${e.meanAbsDiff.aVsC} / ${e.meanAbsDiff.bVsC}`);
    assertEquivalent(e, `tiny ${block}`);
    assert.equal(e.weights, 'tiny_fp32.safetensors');
    assert.equal(e.cardinality, 4);
    assert.equal(e.ops.c.macs, await accountedBlockMacs(config, block));
  }
  assert.equal(tf.memory().numTensors, before);
});

test('a corrupted path is detected: the damaged form differs by far more than 1e-4, the other still agrees', async () => {
  await initBackend();
  const stateDict = readSafetensors(fixture('tiny_fp32.safetensors'));
  const cases = [
    { config: presetConfig('resnext50_32x4d'), options: { block: 'layer1.0' } },
    { config: tinyConfig(), options: { block: 'layer2.0', stateDict } },
  ];
  for (const { config, options } of cases) {
    for (const form of ['a', 'b'] as const) {
      for (const kind of ['zero', 'swap'] as const) {
        const e = await checkEquivalence(config, { ...options, corrupt: { form, path: 1, kind } });
        const damaged = form === 'a' ? e.maxAbsDiff.aVsC : e.maxAbsDiff.bVsC;
        const intact = form === 'a' ? e.maxAbsDiff.bVsC : e.maxAbsDiff.aVsC;
        const label = `${e.model} ${e.block} ${form} ${kind}`;
        assert.ok(damaged > 1e-2, `${label}: ${damaged}`);
        assert.ok(intact <= TOLERANCE, `${label}: intact form ${intact}`);
        assert.equal(e.equivalent, false, label);
      }
    }
  }
  await assert.rejects(
    checkEquivalence(tinyConfig(), { corrupt: { form: 'a', path: 4, kind: 'zero' } }),
    /cannot corrupt path 4 .* it has 4 path\(s\), numbered from 0/,
  );
  await assert.rejects(checkEquivalence(presetConfig('resnet50'), { corrupt: { form: 'a', path: 0, kind: 'swap' } }), /'swap' needs at least 2/);
});

test('the same seed gives the same result; another seed, other weights and input', async () => {
  await initBackend();
  const config = tinyConfig();
  const a = await checkEquivalence(config, { seed: 11 });
  const b = await checkEquivalence(config, { seed: 11 });
  const c = await checkEquivalence(config, { seed: 12 });
  assert.deepEqual(a, b);
  assert.notEqual(a.maxAbsOutput, c.maxAbsOutput);
  await assert.rejects(checkEquivalence(config, { seed: -1 }), /seed must be a whole number from 0 to 4294967295, got -1/);
});

test('bad input: a block that does not exist lists the valid blocks; invalid configs and unfitting weights are refused', async () => {
  await assert.rejects(
    checkEquivalence(tinyConfig(), { block: 'layer2.1', model: 'tiny' }),
    (e: unknown) => e instanceof ConfigError && e.message === "tiny has no block 'layer2.1'; valid blocks: layer1.0, layer1.1, layer2.0, layer3.0, layer4.0",
  );
  await assert.rejects(
    checkEquivalence(presetConfig('resnext50_32x4d'), { block: 'layer1' }),
    /no block 'layer1'; valid blocks: layer1\.0, layer1\.1, layer1\.2, layer2\.0, .*, layer4\.2$/,
  );
  await assert.rejects(
    checkEquivalence({ ...presetConfig('resnet50'), groups: 0 }),
    (e: unknown) => e instanceof ConfigError && /groups must be a whole number/.test(e.message),
  );
  const stateDict = readSafetensors(fixture('tiny_fp32.safetensors'));
  await assert.rejects(
    checkEquivalence(presetConfig('resnext50_32x4d'), { stateDict, weightsSource: 'tiny_fp32.safetensors' }),
    (e: unknown) => e instanceof WeightsError && /tiny_fp32\.safetensors do not fit/.test(e.message),
  );
  await assert.rejects(equivalenceCommand(['resnet50', '--block', 'layer9.9']), /resnet50 has no block 'layer9\.9'; valid blocks: layer1\.0/);
  await assert.rejects(equivalenceCommand(['nosuchnet']), /unknown preset 'nosuchnet' .*accepted presets: resnet18, resnet34, resnet50/);
  await assert.rejects(equivalenceCommand(['resnet50', 'resnet101']), /equivalence takes one configuration, got 2/);
  await assert.rejects(equivalenceCommand(['--seed', '4294967296']), /--seed must be a whole number from 0 to 4294967295, got '?4294967296'?/);
  await assert.rejects(equivalenceCommand(['--seed', '1.5']), /--seed must be a whole number/);
  await assert.rejects(equivalenceCommand(['--format', 'csv']), /--format 'csv' is not supported; accepted: table, markdown, json/);
});

test('formats: the table and markdown show each form with its ops and differences; JSON is the result', async () => {
  await initBackend();
  const e = await checkEquivalence(tinyConfig(), { block: 'layer2.0', model: 'tiny' });
  const table = equivalenceTable(e);
  assert.match(table, /^Split-transform-merge equivalence \(Xie et al\. 2017, Fig\. 3\): tiny layer2\.0$/m);
  const row = (form: 'a' | 'b' | 'c'): string => table.split('\n').find((l) => l.startsWith(`(${form})`))!;
  assert.match(
    row('a'),
    new RegExp(
      `^\\(a\\) 4 paths 1x1→3x3→1x1, summed\\s+${e.ops.a.convOps}\\s+${e.ops.a.macs.toLocaleString('en-US')}\\s+${e.ops.a.kernels}\\s+${e.maxAbsDiff.aVsC.toExponential(2)}`,
    ),
  );
  assert.match(row('c'), /\(reference\)/);
  assert.match(table, /^Equivalent: max \|Δ\| .* ≤ 1e-4/m);
  const md = equivalenceMarkdown(e);
  assert.match(md, /^### Split-transform-merge equivalence: tiny `layer2\.0`/);
  assert.match(md, new RegExp(`\\| \\(b\\) 4 paths 1x1→3x3, concatenated, one 1x1 \\| ${e.ops.b.convOps} \\| ${e.ops.b.macs.toLocaleString('en-US')} \\|`));
  // The JSON follows the published schema and carries the measured figures (not a re-serialization check).
  const json = v.parse(EquivalenceSchema, JSON.parse(formatEquivalence(e, 'json')));
  assert.equal(json.schema, 'resnext-inspector/equivalence@1');
  assert.equal(json.block, 'layer2.0');
  assert.equal(json.maxAbsDiff.aVsC, e.maxAbsDiff.aVsC);
  assert.equal(json.ops.c.macs, e.ops.c.macs);
  assert.ok(json.ops.c.macs > 0 && json.ops.a.macs === json.ops.c.macs);
});

test('equivalenceCommand --format json --out writes the result', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resnext-equivalence-'));
  const file = path.join(dir, 'eq.json');
  await withoutStderr(() =>
    equivalenceCommand(['resnext50_32x4d:groups=8,width_per_group=14', '--block', 'layer4.0', '--seed', '5', '--format', 'json', '--out', file]),
  );
  const e = JSON.parse(fs.readFileSync(file, 'utf8')) as Equivalence;
  assert.equal(e.model, 'resnext50_32x4d(groups=8 width_per_group=14)');
  assert.equal(e.block, 'layer4.0');
  assert.equal(e.seed, 5);
  assert.deepEqual(e.outputShape, [1, 2048, 7, 7]);
  assertEquivalent(e, 'cli');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('SE, avg-down and CIFAR blocks: forms a/b/c agree to ≤ 1e-4 with the accounting’s multiply-adds (SE’s 1x1 convs included)', async () => {
  await initBackend();
  const before = tf.memory().numTensors;
  const cases = [
    { config: presetConfig('seresnext50_32x4d'), block: 'layer2.0', convOps: 3 + 1 + 2 },
    { config: presetConfig('seresnext50_32x4d'), block: 'layer1.1', convOps: 3 + 2 },
    { config: presetConfig('resnext50d_32x4d'), block: 'layer3.0', convOps: 3 + 1 },
    { config: presetConfig('resnext29_8x64d'), block: 'stage_2.stage_2_bottleneck_0', convOps: 3 + 1 },
  ];
  for (const { config, block, convOps } of cases) {
    const e = await checkEquivalence(config, { block, seed: 5 });
    assertEquivalent(e, `${e.model} ${block}`);
    assert.equal(e.ops.c.convOps, convOps, `${e.model} ${block}`);
    assert.equal(e.ops.c.macs, await accountedBlockMacs(config, block), `${e.model} ${block}`);
  }
  assert.equal(tf.memory().numTensors, before);
  // Without a block named: the first one, whatever the naming.
  assert.equal((await checkEquivalence(presetConfig('resnext29_8x64d'))).block, 'stage_1.stage_1_bottleneck_0');
  // Real weights with SE, the deep stem and avg-down (timm names), from the families fixture.
  const { readWeights } = await import('../../src/model/weights/load');
  const { inferConfig } = await import('../../src/model/weights/infer');
  const file = path.join(__dirname, '..', 'fixtures', 'families', 'timm_se_small.pth');
  const { stateDict } = readWeights(fs.readFileSync(file), file);
  for (const block of ['layer1.0', 'layer2.1', 'layer3.0']) {
    const e = await checkEquivalence(inferConfig(stateDict, file), { block, stateDict, weightsSource: file });
    assertEquivalent(e, `timm_se_small ${block}`);
  }
});

interface BlockReference {
  inputShape: number[];
  outputShape: [number, number, number, number];
  maxAbs: number;
  sum: number;
  indices: number[];
  values: number[];
}

/** PyTorch's outputs of every tiny block on the seed-0 input (test/fixtures/equivalence/make_blocks.py). */
const blockReferences = (): Record<string, BlockReference> =>
  (JSON.parse(fixture('equivalence/blocks.json').toString('utf8')) as { blocks: Record<string, BlockReference> }).blocks;

/** Our NHWC output against PyTorch's NCHW samples: the max abs difference over the sampled values, max |y| and Σy. */
function againstPyTorch(nhwc: Float32Array, ref: BlockReference): { sampled: number; maxAbs: number; sum: number } {
  const [, c, h, w] = ref.outputShape;
  assert.equal(nhwc.length, c * h * w);
  let sampled = 0;
  ref.indices.forEach((i, k) => {
    const ch = Math.floor(i / (h * w));
    const at = i % (h * w);
    sampled = Math.max(sampled, Math.abs(nhwc[at * c + ch]! - ref.values[k]!));
  });
  let maxAbs = 0;
  let sum = 0;
  for (const v of nhwc) {
    maxAbs = Math.max(maxAbs, Math.abs(v));
    sum += v;
  }
  return { sampled, maxAbs: Math.abs(maxAbs - ref.maxAbs), sum: Math.abs(sum - ref.sum) };
}

let ortSkip: string | false = false;
try {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('onnxruntime-node');
} catch (error) {
  ortSkip = `onnxruntime-node cannot load on ${process.platform}/${process.arch}: ${(error as Error).message.split('\n')[0]}`;
}

for (const engine of ['wasm', 'onnxruntime'] as const) {
  test(
    `with weights on the ${engine} engine: every tiny block, each form and the block as ${engine} runs it = PyTorch's block output (≤ 1e-4), and the result names the engine`,
    { skip: engine === 'onnxruntime' && ortSkip },
    async () => {
      await initBackend();
      const stateDict = readSafetensors(fixture('tiny_fp32.safetensors'), 'tiny_fp32.safetensors');
      const config = tinyConfig();
      const references = blockReferences();
      assert.deepEqual(Object.keys(references), ['layer1.0', 'layer1.1', 'layer2.0', 'layer3.0', 'layer4.0']);
      for (const [block, ref] of Object.entries(references)) {
        const { result, outputs } = await equivalenceWithOutputs(config, { block, stateDict, weightsSource: 'tiny_fp32.safetensors', engine });
        assert.deepEqual(result.inputShape, ref.inputShape, block);
        assert.deepEqual(result.outputShape, ref.outputShape, block);
        assert.equal(result.engine?.name, engine);
        assert.equal(result.equivalent, true, block);
        const ran: [string, Float32Array][] = FORMS.map((f) => [`(${f})`, outputs.forms[f]]);
        if (engine === 'onnxruntime') {
          assert.ok(outputs.engine, `${block}: onnxruntime ran the block`);
          assert.ok(result.engine!.maxAbsDiffVsC! <= TOLERANCE, `${block}: onnxruntime vs (c) ${result.engine!.maxAbsDiffVsC}`);
          ran.push(['onnxruntime', outputs.engine]);
        } else {
          // On wasm, (c) is the engine's own computation: nothing else runs, and no difference is claimed.
          assert.equal(outputs.engine, undefined);
          assert.equal(result.engine!.maxAbsDiffVsC, undefined);
        }
        for (const [what, out] of ran) {
          const d = againstPyTorch(out, ref);
          assert.ok(d.sampled <= 1e-4 && d.maxAbs <= 1e-4, `${block} ${what} vs PyTorch: sampled ${d.sampled}, max |y| ${d.maxAbs}`);
          assert.ok(d.sum <= 1e-5 * out.length, `${block} ${what} vs PyTorch: Σy differs by ${d.sum}`);
        }
      }
    },
  );
}

test(
  'with weights on onnxruntime: SE, deep stem and avg-down blocks (timm_se_small.pth) and a CIFAR block run there agree with (c), and the table says which engine ran what',
  { skip: ortSkip },
  async () => {
    await initBackend();
    const { readWeights } = await import('../../src/model/weights/load');
    const { inferConfig } = await import('../../src/model/weights/infer');
    const file = path.join(__dirname, '..', 'fixtures', 'families', 'timm_se_small.pth');
    const { stateDict } = readWeights(fs.readFileSync(file), file);
    for (const block of ['layer1.0', 'layer2.1', 'layer3.0']) {
      const e = await checkEquivalence(inferConfig(stateDict, file), { block, stateDict, weightsSource: file, engine: 'onnxruntime' });
      assert.ok(e.engine!.maxAbsDiffVsC! <= TOLERANCE && e.equivalent, `timm_se_small ${block}: ${e.engine!.maxAbsDiffVsC}`);
      assert.match(equivalenceTable(e), /the block also on onnxruntime \(onnxruntime-node [\d.]+\), .*Conv \(group=\d+\): max \|Δ\| vs \(c\)/);
    }
    const cifar = await checkEquivalence(presetConfig('resnext29_8x64d'), { block: 'stage_2.stage_2_bottleneck_0', seed: 5, engine: 'onnxruntime' });
    assert.ok(cifar.engine!.maxAbsDiffVsC! <= TOLERANCE, `CIFAR: ${cifar.engine!.maxAbsDiffVsC}`);
    assert.ok(v.is(EquivalenceSchema, cifar));
  },
);
