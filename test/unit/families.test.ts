/**
 * The families beyond torchvision's presets (issue 12): timm's SE-ResNeXt and ResNeXt-D, the WSL ResNeXt-101s and
 * the CIFAR ResNeXt-29, against PyTorch (test/fixtures/families/make_families.py) and a hand count written here.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { presetConfig, type NetworkConfig } from '../../src/model/config';
import { presetCatalog, presetForAlias, presetSpec, staticTotals } from '../../src/model/catalog';
import { architecture, resolveConfig, stateDictSpec } from '../../src/model/architecture';
import { staticTrace } from '../../src/model/shapes';
import { summarize, type Summary } from '../../src/model/summarize';
import { buildEngine } from '../../src/model/engines';
import { readWeights } from '../../src/model/weights/load';
import { inferConfig } from '../../src/model/weights/infer';
import { decodeImage } from '../../src/model/image/decode';
import { preprocess, resample, resizeShorterSide } from '../../src/model/image/preprocess';
import { ConfigError } from '../../src/model/errors';
import { FIXTURES, linspace, maxAbsDiff, runCli, ENGINES, engineSkip, type TestEngine } from '../helpers';

const DIR = path.join(FIXTURES, 'families');
type Row = [string, string, number[], number];
interface SmallReference {
  config: Partial<NetworkConfig> & { layers: number[] };
  params: number;
  macs: number;
  rows: Row[];
  logits: number[];
  logits_linspace_56?: number[];
}
interface References {
  presets: Record<string, { params: number; macs?: number; input?: [number, number]; rows?: Row[] }>;
  bicubic: { source: string; width: number; height: number; file: string }[];
  timm_se_small: SmallReference;
  cifar_small: SmallReference;
}
const REF = JSON.parse(fs.readFileSync(path.join(DIR, 'references.json'), 'utf8')) as References;

/** Issue 12's table (PyTorch's parameter counts). */
const EXPECTED_PARAMS: Record<string, number> = {
  seresnext50_32x4d: 27_559_896,
  seresnext101_32x4d: 48_955_416,
  resnext50d_32x4d: 25_048_136,
  resnext29_8x64d: 34_426_698,
  resnext29_16x64d: 68_155_210,
  resnext101_32x16d_wsl: 194_026_792,
};

/**
 * Params and MACs written out independently of src/, from timm's Bottleneck/SEModule/stem/downsample_avg, the CIFAR
 * port and the MAC rule (conv: Cout · Cin/groups · k² · Hout · Wout; linear: in · out; SE's 1x1 convs at 1x1).
 */
function handCount(c: NetworkConfig): { params: number; macs: number } {
  const out = (s: number, k: number, st: number, p: number): number => Math.floor((s + 2 * p - k) / st) + 1;
  let params = 0;
  let macs = 0;
  const conv = (cin: number, cout: number, k: number, groups: number, oh: number, ow: number, bias = false): void => {
    params += cout * (cin / groups) * k * k + (bias ? cout : 0);
    macs += cout * (cin / groups) * k * k * oh * ow;
  };
  const bn = (ch: number): void => void (params += 2 * ch);
  let h = c.inputHeightPx;
  let w = c.inputWidthPx;
  const b = c.baseWidth;
  if (c.cifar) {
    conv(3, b, 3, 1, h, w);
    bn(b);
  } else if (c.stem === 'deep') {
    h = out(h, 3, 2, 1);
    w = out(w, 3, 2, 1);
    conv(3, b / 2, 3, 1, h, w);
    bn(b / 2);
    conv(b / 2, b / 2, 3, 1, h, w);
    bn(b / 2);
    conv(b / 2, b, 3, 1, h, w);
    bn(b);
    h = out(h, 3, 2, 1);
    w = out(w, 3, 2, 1);
  } else {
    h = out(h, 7, 2, 3);
    w = out(w, 7, 2, 3);
    conv(3, b, 7, 1, h, w);
    bn(b);
    h = out(h, 3, 2, 1);
    w = out(w, 3, 2, 1);
  }
  let inplanes = b;
  c.layers.forEach((blocks, i) => {
    const planes = b * 2 ** i;
    const width = Math.floor((planes * c.widthPerGroup) / 64) * c.groups;
    const outplanes = planes * 4;
    for (let k = 0; k < blocks; k++) {
      const stride = k === 0 && i > 0 ? 2 : 1;
      const ho = out(h, 3, stride, 1);
      const wo = out(w, 3, stride, 1);
      conv(inplanes, width, 1, 1, h, w);
      bn(width);
      conv(width, width, 3, c.groups, ho, wo);
      bn(width);
      conv(width, outplanes, 1, 1, ho, wo);
      bn(outplanes);
      if (c.se) {
        const rd = Math.max(8, Math.floor(Math.trunc(outplanes / 16 + 4) / 8) * 8);
        conv(outplanes, rd, 1, 1, 1, 1, true);
        conv(rd, outplanes, 1, 1, 1, 1, true);
      }
      if (k === 0 && (stride !== 1 || inplanes !== outplanes)) {
        conv(inplanes, outplanes, 1, 1, ho, wo); // strided 1x1, or (avg-down) a 1x1 after the 2x2 average pool: same size
        bn(outplanes);
      }
      inplanes = outplanes;
      h = ho;
      w = wo;
    }
  });
  return { params: params + inplanes * c.numClasses + c.numClasses, macs: macs + inplanes * c.numClasses };
}

const CONTAINERS = new Set(['Bottleneck', 'ResNeXtBottleneck', 'SEModule', 'SelectAdaptivePool2d']);
const leafRows = (rows: readonly Row[]): Row[] => rows.filter((r) => !CONTAINERS.has(r[1]));
const smallConfig = (ref: SmallReference, inputPx: number): NetworkConfig =>
  ({ widthPerGroup: 64, baseWidth: 64, numClasses: 1000, ...ref.config, inputHeightPx: inputPx, inputWidthPx: inputPx }) as NetworkConfig;

for (const [name, params] of Object.entries(EXPECTED_PARAMS)) {
  test(`${name}: ${params.toLocaleString('en-US')} params as PyTorch counts; MACs equal the hand count and PyTorch's hooks`, () => {
    const config = presetConfig(presetForAlias(name)!);
    const totals = staticTotals(config);
    assert.equal(totals.params, params);
    assert.equal(REF.presets[name]!.params, params, 'the generator built the same network');
    assert.deepEqual({ params: totals.params, macs: totals.macs }, handCount(config));
    assert.equal(totals.macs, REF.presets[name]!.macs);
  });
}

test('seresnext101_32x8d and the WSL 32x32d / 32x48d: params as PyTorch counts (93.6M, 468.5M, 828.4M)', () => {
  for (const name of ['seresnext101_32x8d', 'resnext101_32x32d_wsl', 'resnext101_32x48d_wsl'] as const) {
    const config = presetConfig(name);
    const totals = staticTotals(config);
    assert.equal(totals.params, REF.presets[name]!.params, name);
    assert.deepEqual({ params: totals.params, macs: totals.macs }, handCount(config), name);
  }
  assert.equal(Math.round(staticTotals(presetConfig('resnext101_32x32d_wsl')).params / 1e5) / 10, 468.5);
  assert.equal(Math.round(staticTotals(presetConfig('resnext101_32x48d_wsl')).params / 1e5) / 10, 828.4);
});

/** One summary per configuration for the whole file. */
const summaries = new Map<string, Promise<Summary>>();
const summaryOf = (config: NetworkConfig): Promise<Summary> => {
  const key = JSON.stringify(config);
  if (!summaries.has(key)) summaries.set(key, summarize(config));
  return summaries.get(key)!;
};

for (const name of ['seresnext50_32x4d', 'resnext50d_32x4d', 'resnext29_8x64d', 'resnext101_32x16d_wsl'] as const) {
  test(`${name}: every leaf row (name, type, output shape, params) equals what torchsummary-style hooks list`, async () => {
    const summary = await summaryOf(presetConfig(name));
    const expected = leafRows(REF.presets[name]!.rows!);
    assert.deepEqual(
      summary.layers.map((r) => [r.name, r.type, r.outputShape, r.params]),
      expected.map(([n, type, shape, p]) => [n, type, shape, p]),
    );
    // Container rows (blocks, SE modules, timm's global pool) enter torchsummary's forward/backward memory line.
    const arch = architecture(presetConfig(name));
    assert.deepEqual(
      staticTrace(arch).map((c) => [c.name, c.type, c.outputShape]),
      REF.presets[name]!.rows!.map(([n, type, shape]) => [n, type, shape]),
    );
    const numel = REF.presets[name]!.rows!.reduce((a, [, , shape]) => a + shape.reduce((x, y) => x * y, 1), 0);
    assert.equal(summary.totals.forwardBackwardSizeMiB, (2 * numel * 4) / 2 ** 20);
    assert.equal(summary.tracedBy, name === 'resnext101_32x16d_wsl' ? 'arithmetic' : 'tfjs');
  });
}

test('the static trace equals the TF.js trace for the new families and their combinations (odd inputs too)', async () => {
  const configs: NetworkConfig[] = [
    smallConfig(REF.timm_se_small, 224),
    smallConfig(REF.timm_se_small, 57),
    smallConfig(REF.cifar_small, 32),
    resolveConfig('resnet50', { se: true, layers: [1, 1, 1, 1], inputHeightPx: 97, inputWidthPx: 61 }).config,
    resolveConfig(undefined, { stem: 'deep', layers: [1, 2, 1, 1], inputHeightPx: 33, inputWidthPx: 70 }).config,
    resolveConfig(undefined, { avgDown: true, layers: [1, 1, 2, 1], inputHeightPx: 45, inputWidthPx: 45 }).config,
    resolveConfig(undefined, { cifar: true, se: true, groups: 4, layers: [1, 1, 1] }).config,
  ];
  for (const config of configs) {
    const summary = await summarize(config);
    assert.equal(summary.tracedBy, 'tfjs');
    const fromShapes = staticTrace(architecture(config)).filter((c) => !CONTAINERS.has(c.type));
    assert.deepEqual(
      summary.layers.map((r) => [r.name, r.type, r.outputShape]),
      fromShapes.map((c) => [c.name, c.type, c.outputShape]),
      JSON.stringify(config),
    );
    assert.deepEqual(staticTotals(config), summary.totals);
    assert.deepEqual({ params: summary.totals.params, macs: summary.totals.macs }, handCount(config));
  }
});

for (const [label, key, inputPx] of [
  ['timm-named SE + deep stem + avg-down', 'timm_se_small', 224],
  ['CIFAR-style', 'cifar_small', 32],
] as const) {
  test(`small ${label} network: rows, params and MACs equal PyTorch's hooks; its checkpoint's keys are the network's`, async () => {
    const ref = REF[key];
    const config = smallConfig(ref, inputPx);
    const summary = await summarize(config);
    assert.deepEqual(
      summary.layers.map((r) => [r.name, r.type, r.outputShape, r.params]),
      leafRows(ref.rows),
    );
    assert.equal(summary.totals.params, ref.params);
    assert.equal(summary.totals.macs, ref.macs);
    const { stateDict } = readWeights(fs.readFileSync(path.join(DIR, `${key}.pth`)), `${key}.pth`);
    assert.deepEqual(
      [...stateDict.keys()].sort(),
      stateDictSpec(architecture(config))
        .map((e) => e.key)
        .sort(),
    );
    assert.deepEqual(inferConfig(stateDict, `${key}.pth`, { height: inputPx, width: inputPx }), config);
  });
}

async function logitsOf(key: 'timm_se_small' | 'cifar_small', input: Float32Array, inputPx: number, engine: TestEngine): Promise<Float32Array> {
  const { stateDict } = readWeights(fs.readFileSync(path.join(DIR, `${key}.pth`)), `${key}.pth`);
  const built = await buildEngine(inferConfig(stateDict, key, { height: inputPx, width: inputPx }), { stateDict, source: key, engine });
  try {
    assert.equal(built.info.name, engine);
    return (await built.run(input, [1, 3, inputPx, inputPx])).logits;
  } finally {
    await built.dispose();
  }
}

for (const engine of ENGINES)
  test(
    `timm_se_small.pth classifies photo.png (timm's bicubic eval preprocessing) with torch's logits (≤ 1e-4) on ${engine}`,
    { skip: engineSkip(engine) },
    async () => {
      const ref = REF.timm_se_small;
      const image = decodeImage(fs.readFileSync(path.join(DIR, 'photo.png')), 'photo.png');
      const pre = presetSpec('seresnext50_32x4d').preprocessing!;
      const input = preprocess(image, { resizePx: pre.resizePx, cropPx: pre.cropPx, interpolation: pre.interpolation, mean: pre.mean, std: pre.std });
      const logits = await logitsOf('timm_se_small', input, 224, engine);
      const diff = maxAbsDiff(logits, ref.logits);
      assert.ok(diff <= 1e-4, `max abs diff ${diff}`);
      // At 56x56 the maps go 7 → 4 through the avg-down shortcut: ceil_mode and count_include_pad=False matter.
      const odd = await logitsOf('timm_se_small', linspace(-2, 2, 3 * 56 * 56), 56, engine);
      const oddDiff = maxAbsDiff(odd, ref.logits_linspace_56!);
      assert.ok(oddDiff <= 1e-4, `56x56: max abs diff ${oddDiff}`);
    },
  );

for (const engine of ENGINES)
  test(
    `cifar_small.pth classifies cifar.png (the port's CIFAR normalization) with torch's logits (≤ 1e-4) on ${engine}`,
    { skip: engineSkip(engine) },
    async () => {
      const image = decodeImage(fs.readFileSync(path.join(DIR, 'cifar.png')), 'cifar.png');
      const pre = presetSpec('resnext29_8x64d').preprocessing!;
      const input = preprocess(image, { resizePx: pre.resizePx, cropPx: pre.cropPx, interpolation: pre.interpolation, mean: pre.mean, std: pre.std });
      const logits = await logitsOf('cifar_small', input, 32, engine);
      const diff = maxAbsDiff(logits, REF.cifar_small.logits);
      assert.ok(diff <= 1e-4, `max abs diff ${diff}`);
    },
  );

test('custom flags compose: --cifar alone is resnext29_8x64d, --se/--stem deep/--avg-down on any preset, bad combinations say why', () => {
  assert.equal(resolveConfig(undefined, { cifar: true }).model, 'resnext29_8x64d');
  assert.equal(resolveConfig(undefined, { se: true }).model, 'resnext50_32x4d(se)');
  assert.equal(resolveConfig('resnext50_32x4d', { stem: 'deep', avgDown: true }).model, 'resnext50_32x4d(stem=deep avg_down)');
  const cifar16 = resolveConfig('resnext50_32x4d', { cifar: true, groups: 16, widthPerGroup: 64 });
  assert.equal(staticTotals(cifar16.config).params, 68_155_210);
  assert.throws(
    () => resolveConfig(undefined, { cifar: true, stem: 'deep' }),
    (e: unknown) => e instanceof ConfigError && /stem deep does not apply to the CIFAR layout/.test(e.message),
  );
  assert.throws(() => resolveConfig(undefined, { cifar: true, avgDown: true }), /avg-down does not apply to the CIFAR layout/);
  assert.throws(
    () => resolveConfig(undefined, { cifar: true, layers: [3, 3, 3, 3] }),
    /layers must be 3 positive whole numbers \(blocks in stage_1\.\.stage_3/,
  );
  assert.throws(() => resolveConfig(undefined, { cifar: true, inputHeightPx: 64, inputWidthPx: 64 }), /must end at 8x8; input size 64x64 gives 16x16/);
  assert.throws(() => resolveConfig(undefined, { stem: 'deep', baseWidth: 63 }), /use an even base width/);
});

test('the catalog: every preset has a family, aliases resolve, timm names map to presets', () => {
  const catalog = presetCatalog();
  assert.deepEqual(
    [...new Set(catalog.map((p) => p.family))],
    ['ResNet', 'ResNeXt', 'ResNet-D', 'SE-ResNet', 'Wide ResNet', 'SE-ResNeXt', 'ECA-ResNeXt', 'SK-ResNeXt', 'ResNeXt-D', 'ResNeXt WSL', 'CIFAR ResNeXt'],
  );
  assert.equal(presetForAlias('seresnext50_32x4d.racm_in1k'), 'seresnext50_32x4d');
  assert.equal(presetForAlias('resnext101_32x16d.fb_wsl_ig1b_ft_in1k'), 'resnext101_32x16d_wsl');
  assert.equal(presetForAlias('ig_resnext101_32x48d'), 'resnext101_32x48d_wsl');
  assert.equal(presetForAlias('no_such_net'), undefined);
  assert.equal(resolveConfig('gluon_seresnext50_32x4d').model, 'seresnext50_32x4d');
  const se = presetSpec('seresnext50_32x4d').preprocessing!;
  assert.deepEqual([se.interpolation, se.resizePx, se.cropPx], ['bicubic', 256, 224]);
  assert.deepEqual(
    [presetSpec('seresnext101_32x8d').preprocessing!.resizePx, presetSpec('resnext101_32x16d_wsl').preprocessing!.interpolation],
    [235, 'bilinear'],
  );
});

test("Pillow's BICUBIC resize, byte for byte: downscaling (antialiased), upscaling, one axis only", () => {
  for (const entry of REF.bicubic) {
    const image = decodeImage(fs.readFileSync(path.join(DIR, entry.source)), entry.source);
    const out = resample(image, entry.width, entry.height, 'bicubic');
    const expected = fs.readFileSync(path.join(DIR, entry.file));
    assert.equal(out.data.length, expected.length, entry.file);
    assert.ok(Buffer.from(out.data).equals(expected), `${entry.file}: ${out.data.findIndex((v, i) => v !== expected[i])} is the first differing byte`);
  }
  // And through the shorter-side resize the classification pipeline uses.
  const photo = decodeImage(fs.readFileSync(path.join(DIR, 'photo.png')), 'photo.png');
  assert.ok(Buffer.from(resizeShorterSide(photo, 39, 'bicubic').data).equals(fs.readFileSync(path.join(DIR, 'bicubic', 'photo.45x39.rgb'))));
});

const cli = runCli;

test('the CLI: classify with the families fixtures gives torch’s logits; summaries of the new presets and flags', () => {
  const timm = cli('classify', path.join(DIR, 'photo.png'), '--weights', path.join(DIR, 'timm_se_small.pth'), '--interpolation', 'bicubic', '--format', 'json');
  assert.equal(timm.code, 0, timm.stderr);
  const t = JSON.parse(timm.stdout);
  assert.deepEqual([t.preprocessing.interpolation, t.preprocessing.resizePx, t.preprocessing.cropPx], ['bicubic', 256, 224]);
  assert.ok(maxAbsDiff(t.results[0].logits, REF.timm_se_small.logits) <= 1e-4);
  // A CIFAR-layout network gets the port's preprocessing (32x32, CIFAR mean/std) without being told.
  const cifar = cli('classify', path.join(DIR, 'cifar.png'), '--weights', path.join(DIR, 'cifar_small.pth'), '--format', 'json');
  assert.equal(cifar.code, 0, cifar.stderr);
  const c = JSON.parse(cifar.stdout);
  assert.deepEqual([c.preprocessing.resizePx, c.preprocessing.cropPx], [32, 32]);
  assert.ok(maxAbsDiff(c.results[0].logits, REF.cifar_small.logits) <= 1e-4);
  const wsl = cli('summarize', 'resnext101_32x48d_wsl', '--format', 'json');
  assert.equal(wsl.code, 0, wsl.stderr);
  const w = JSON.parse(wsl.stdout);
  assert.deepEqual([w.totals.params, w.tracedBy, w.timingsMs.build], [828_411_176, 'arithmetic', 0]);
  const flags = cli('summarize', '--cifar', '--groups', '16', '--format', 'json');
  assert.equal(flags.code, 0, flags.stderr);
  assert.deepEqual([JSON.parse(flags.stdout).model, JSON.parse(flags.stdout).totals.params], ['resnext29_8x64d(groups=16)', 68_155_210]);
  const se = cli('summarize', 'resnext50_32x4d', '--se', '--stem', 'deep', '--avg-down', '--format', 'json');
  assert.equal(se.code, 0, se.stderr);
  assert.equal(JSON.parse(se.stdout).model, 'resnext50_32x4d(se stem=deep avg_down)');
  const bad = cli('summarize', '--stem', 'spiral');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--stem 'spiral' is not supported; accepted: standard \(7x7 conv\), deep \(three 3x3 convs, timm\), tiered/);
  const tooBig = cli('classify', path.join(DIR, 'photo.png'), '--weights', path.join(DIR, 'timm_se_small.pth'), 'resnext101_32x48d_wsl');
  assert.equal(tooBig.code, 2);
});
