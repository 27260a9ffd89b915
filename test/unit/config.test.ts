import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { PRESET_NAMES, presetConfig, validateConfig, checkGroupedWidth, closestPreset, type NetworkConfig } from '../../src/model/config';
import { architecture, resolveConfig } from '../../src/model/architecture';
import { isContainerCall, staticTrace } from '../../src/model/shapes';
import { staticTotals } from '../../src/model/catalog';
import { summarize, TFJS_TRACE_MAX_PARAMS, type Summary } from '../../src/model/summarize';
import { ConfigError } from '../../src/model/errors';
import { FLAG_FIELD_NAMES } from '../../src/cli/args';
import { tinyConfig, tinyReference } from '../helpers';

/** Published by torchvision (num_params; "GFLOPS" = conv + linear multiply-adds), see test/fixtures/torchvision_weights.json. */
const PUBLISHED: Record<string, { params: number; macs?: number; gmacs: number }> = {
  resnet50: { params: 25_557_032, macs: 4_089_184_256, gmacs: 4.089 },
  resnet101: { params: 44_549_160, gmacs: 7.801 },
  resnet152: { params: 60_192_808, gmacs: 11.514 },
  resnext50_32x4d: { params: 25_028_904, macs: 4_230_479_872, gmacs: 4.23 },
  resnext101_32x8d: { params: 88_791_336, gmacs: 16.414 },
  resnext101_64x4d: { params: 83_455_272, gmacs: 15.46 },
  wide_resnet50_2: { params: 68_883_240, gmacs: 11.398 },
  wide_resnet101_2: { params: 126_886_696, gmacs: 22.753 },
};

/**
 * The counts written out independently of src/ (straight from torchvision's Bottleneck and the MAC rule), so a
 * preset without a published figure (resnext101_32x4d) is still checked against something that is not the code.
 */
function handCount(c: NetworkConfig): { params: number; macs: number } {
  const out = (s: number, k: number, st: number, p: number): number => Math.floor((s + 2 * p - k) / st) + 1;
  let h = out(out(c.inputHeightPx, 7, 2, 3), 3, 2, 1);
  let w = out(out(c.inputWidthPx, 7, 2, 3), 3, 2, 1);
  const h1 = out(c.inputHeightPx, 7, 2, 3);
  const w1 = out(c.inputWidthPx, 7, 2, 3);
  let params = 3 * c.baseWidth * 49 + 2 * c.baseWidth;
  let macs = 3 * c.baseWidth * 49 * h1 * w1;
  let inplanes = c.baseWidth;
  for (let i = 0; i < 4; i++) {
    const planes = c.baseWidth * 2 ** i;
    const width = Math.floor((planes * c.widthPerGroup) / 64) * c.groups;
    for (let b = 0; b < c.layers[i]!; b++) {
      const stride = b === 0 && i > 0 ? 2 : 1;
      const ho = out(h, 3, stride, 1);
      const wo = out(w, 3, stride, 1);
      params += inplanes * width + 2 * width + width * (width / c.groups) * 9 + 2 * width + width * planes * 4 + 2 * planes * 4;
      macs += inplanes * width * h * w + width * (width / c.groups) * 9 * ho * wo + width * planes * 4 * ho * wo;
      if (b === 0) {
        params += inplanes * planes * 4 + 2 * planes * 4;
        macs += inplanes * planes * 4 * ho * wo;
      }
      inplanes = planes * 4;
      h = ho;
      w = wo;
    }
  }
  return { params: params + inplanes * c.numClasses + c.numClasses, macs: macs + inplanes * c.numClasses };
}

/** One trace per configuration for the whole file (a resnext101 trace takes seconds). */
const traced = new Map<string, Promise<Summary>>();
function traceOnce(config: NetworkConfig): Promise<Summary> {
  const key = JSON.stringify(config);
  if (!traced.has(key)) traced.set(key, summarize(config));
  return traced.get(key)!;
}

/** The presets with torchvision's architecture (the other families are checked in families.test.ts). */
const TORCHVISION_ARCHITECTURE = PRESET_NAMES.filter((n) => {
  const c = presetConfig(n);
  return !c.se && !c.eca && c.block === undefined && c.stem === undefined && !c.avgDown && !c.cifar;
});

for (const name of TORCHVISION_ARCHITECTURE) {
  test(`${name}: traced params and MACs equal torchvision's and the hand count`, async () => {
    const config = presetConfig(name);
    const summary = await traceOnce(config);
    const hand = handCount(config);
    assert.equal(summary.totals.params, hand.params);
    assert.equal(summary.totals.macs, hand.macs);
    const published = PUBLISHED[name];
    if (published) {
      assert.equal(summary.totals.params, published.params);
      if (published.macs !== undefined) assert.equal(summary.totals.macs, published.macs);
      assert.equal(Math.round(summary.totals.macs / 1e6) / 1e3, published.gmacs);
    }
    assert.equal(summary.model, name);
    assert.equal(summary.totals.trainableParams, summary.totals.params);
  });
}

test('resnext101_32x4d (no torchvision weights) matches the hand count: 44,177,704 params, 7,969,996,800 MACs', () => {
  const totals = staticTotals(presetConfig('resnext101_32x4d'));
  assert.deepEqual({ params: totals.params, macs: totals.macs }, handCount(presetConfig('resnext101_32x4d')));
  assert.equal(totals.params, 44_177_704);
});

test("resnet50's torchsummary memory lines: 0.57 / 286.56 / 97.49 / 384.62 MiB", async () => {
  const t = (await traceOnce(presetConfig('resnet50'))).totals;
  assert.deepEqual(
    [t.inputSizeMiB, t.forwardBackwardSizeMiB, t.paramsSizeMiB, t.estimatedTotalSizeMiB].map((x) => x.toFixed(2)),
    ['0.57', '286.56', '97.49', '384.62'],
  );
});

test('grouped-conv savings: resnext50_32x4d layer1.0.conv2 has 4,608 params against 147,456 dense', async () => {
  const summary = await traceOnce(presetConfig('resnext50_32x4d'));
  const row = summary.layers.find((r) => r.name === 'layer1.0.conv2')!;
  assert.deepEqual([row.params, row.denseParams, row.groups, row.macs, row.denseMacs], [4_608, 147_456, 32, 14_450_688, 462_422_016]);
  const stage1 = summary.stages.find((s) => s.name === 'layer1')!;
  assert.equal(stage1.denseParams - stage1.params, 3 * (147_456 - 4_608));
  assert.equal(
    summary.totals.denseParams - summary.totals.params,
    summary.layers.reduce((a, r) => a + r.denseParams - r.params, 0),
  );
  assert.equal(
    summary.stages.reduce((a, s) => a + s.params, 0),
    summary.totals.params,
  );
});

test("the paper's equal-complexity sweep (Table 2): ~25M params and 4.1–4.3 G MACs each", async () => {
  const sweep: [number, number][] = [
    [1, 64],
    [2, 40],
    [4, 24],
    [8, 14],
    [32, 4],
  ];
  for (const [groups, widthPerGroup] of sweep) {
    const { config } = resolveConfig(undefined, { groups, widthPerGroup });
    const t = (await traceOnce(config)).totals;
    assert.ok(t.params > 23e6 && t.params < 26e6, `${groups}x${widthPerGroup}d params ${t.params}`);
    const gmacs = Math.round(t.macs / 1e8) / 10; // 1x64d is ResNet-50: 4.089 G, "4.1" as the paper rounds
    assert.ok(gmacs >= 4.1 && gmacs <= 4.3, `${groups}x${widthPerGroup}d MACs ${t.macs}`);
    assert.deepEqual({ params: t.params, macs: t.macs }, handCount(config));
  }
});

test('the static shape trace equals the TF.js trace (presets, tiny, odd inputs)', async () => {
  const configs: NetworkConfig[] = [
    ...PRESET_NAMES.map(presetConfig).filter((c) => staticTotals(c).params <= TFJS_TRACE_MAX_PARAMS),
    tinyConfig(),
    { ...tinyConfig(), inputHeightPx: 97, inputWidthPx: 33 },
    { ...tinyConfig(), inputHeightPx: 1, inputWidthPx: 1 },
  ];
  for (const config of configs) {
    const trace = await traceOnce(config);
    assert.equal(trace.tracedBy, 'tfjs');
    const arch = architecture(config);
    const fromShapes = staticTrace(arch).filter((c) => !isContainerCall(c));
    assert.deepEqual(
      trace.layers.map((r) => [r.name, r.type, r.outputShape]),
      fromShapes.map((c) => [c.name, c.type, c.outputShape]),
    );
    assert.deepEqual(staticTotals(config), trace.totals);
  }
});

test('tiny model: every leaf call (name, type, NCHW shape) equals PyTorch, 94,994 params', async () => {
  const ref = tinyReference();
  const summary = await summarize(tinyConfig());
  assert.deepEqual(
    summary.layers.map((r) => [r.name, r.type, r.outputShape]),
    ref.leaf_calls,
  );
  assert.equal(summary.totals.params, ref.num_params);
});

test('validation: each bad configuration is a ConfigError that says what is accepted', () => {
  const base = presetConfig('resnext50_32x4d');
  const cases: [string, Partial<NetworkConfig> | Record<string, unknown>, RegExp][] = [
    ['width 0', { groups: 32, widthPerGroup: 4, baseWidth: 8 }, /bottleneck width of layer1 comes out 0 \(int\(8 \* 4 \/ 64\) \* 32 = 0\)/],
    ['3 layers', { layers: [3, 4, 6] }, /layers must be 4 positive whole numbers/],
    ['zero layer', { layers: [3, 0, 6, 3] }, /layers\[1\] \(blocks in layer2\) must be a whole number from 1 to 100 .*got 0/],
    ['fractional groups', { groups: 2.5 }, /groups must be a whole number from 1 to 1024, got 2.5/],
    ['negative width', { widthPerGroup: -4 }, /width per group must be a whole number/],
    ['zero classes', { numClasses: 0 }, /num classes must be a whole number from 1/],
    ['zero input', { inputHeightPx: 0 }, /input height must be a whole number from 1 to 1024 pixels, got 0/],
    ['huge input', { inputWidthPx: 5000 }, /input width must be a whole number from 1 to 1024/],
    ['NaN', { baseWidth: Number.NaN }, /base width must be a whole number/],
  ];
  for (const [label, overrides, message] of cases) {
    assert.throws(
      () => validateConfig({ ...base, ...overrides } as NetworkConfig),
      (e: unknown) => e instanceof ConfigError && message.test(e.message),
      label,
    );
  }
  assert.throws(() => checkGroupedWidth('layer2', 256, 3), /groups \(3\) must divide the bottleneck width of layer2 \(256\)/);
  assert.throws(() => resolveConfig(undefined, { widthPerGroup: 1024, groups: 64 }), /parameters, more than the 4,000,000,000 accepted/);
});

test('unknown presets suggest the closest name', () => {
  assert.equal(closestPreset('resnext50'), 'resnext50_32x4d');
  assert.equal(closestPreset('ResNeXt101_32x8'), 'resnext101_32x8d');
  assert.equal(closestPreset('wide_resnet50'), 'wide_resnet50_2');
  assert.throws(() => resolveConfig('resnet-50'), /unknown preset 'resnet-50' \(did you mean 'resnet50'\?\); accepted presets: resnet18, resnet34, resnet50, /);
});

test('custom configurations start from resnext50_32x4d and are named by what differs', () => {
  assert.equal(resolveConfig(undefined, { groups: 8, widthPerGroup: 14 }).model, 'resnext50_32x4d(groups=8 width_per_group=14)');
  assert.equal(resolveConfig('resnet50', { inputHeightPx: 320, inputWidthPx: 320 }).model, 'resnet50(input=320x320)');
  assert.equal(resolveConfig('resnet50').model, 'resnet50');
});

test('a ConfigError names fields once, worded by each front end (plain words, CLI flags, spec keys)', () => {
  let error: unknown;
  try {
    validateConfig({ ...presetConfig('resnext50_32x4d'), baseWidth: 1 });
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof ConfigError);
  assert.match(error.template, /raise \{widthPerGroup\} or \{baseWidth\}/);
  assert.match(error.message, /raise width per group or base width so that/);
  assert.match(error.worded(FLAG_FIELD_NAMES), /raise --width-per-group or --base-width so that/);
  assert.doesNotMatch(error.message, /--|\{/);
});
