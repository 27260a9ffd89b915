/**
 * Issue 20's families against timm itself (PyTorch 2.13 + timm 1.0.29; test/fixtures/families/make_timm_families.py
 * and make_timm_keys.py): for every new preset, the parameter count, the conv + linear MACs and every module call
 * torchsummary's hooks see (name, class, output shape; leaf rows with their own params), exactly; timm's state-dict
 * keys and shapes; the configuration inferred back from them and from the small networks' timm checkpoints. Each
 * building block also gets a paired negative: the same comparison run on a network built wrong on purpose fails.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  architecture,
  countParams,
  resolveConfig,
  stateDictSpec,
  type Architecture,
  type BlockSpec,
  type ConvModule,
  type SelectiveKernelBlockSpec,
} from '../../src/model/architecture';
import { accountingTotals, layerRows } from '../../src/model/accounting';
import { FAMILIES, presetCatalog, presetFamily } from '../../src/model/catalog';
import { ecaKernelSize, makeDivisible, presetConfig, requirePreset, sameConfig, type NetworkConfig } from '../../src/model/config';
import { staticTrace } from '../../src/model/shapes';
import { inferConfig } from '../../src/model/weights/infer';
import { readWeights } from '../../src/model/weights/load';
import { checkStateDict } from '../../src/model/weights/stateDict';
import { ConfigError, WeightsError } from '../../src/model/errors';
import { findBlock } from '../../src/model/equivalence';
import { FIXTURES, runCli } from '../helpers';

const DIR = path.join(FIXTURES, 'families');
type Row = [string, string, number[], number];
interface Reference {
  params: number;
  macs: number;
  input: [number, number];
  rows: Row[];
}
interface SmallReference extends Reference {
  config: Partial<NetworkConfig> & { layers: number[] };
}
const REF = JSON.parse(fs.readFileSync(path.join(DIR, 'timm_references.json'), 'utf8')) as {
  timm: string;
  presets: Record<string, Reference>;
  small: Record<string, SmallReference>;
  containerTypes: string[];
};
const KEYS = JSON.parse(fs.readFileSync(path.join(DIR, 'timm_state_dict_keys.json'), 'utf8')) as {
  presets: Record<string, { count: number; sha256: string; sample: string[] }>;
};

const NEW_PRESETS = [
  'resnet18',
  'resnet34',
  'resnet18d',
  'resnet34d',
  'resnet26t',
  'resnet50d',
  'seresnet50',
  'gluon_resnet50_v1s',
  'seresnext26d_32x4d',
  'seresnext26t_32x4d',
  'ecaresnext26t_32x4d',
  'ecaresnext50t_32x4d',
  'skresnext50_32x4d',
];

/** timm's BatchNormAct2d has children (drop, act) but owns the BN's parameters: a row of the layer table here. */
const CONTAINERS = new Set(REF.containerTypes.filter((t) => t !== 'BatchNormAct2d'));

/** Everything the comparison with timm checks, as a list of differences (empty: equal). */
function differences(arch: Architecture, ref: Reference): string[] {
  const calls = staticTrace(arch);
  const [h, w] = ref.input;
  const totals = accountingTotals(arch, calls, [1, 3, h, w]);
  const out: string[] = [];
  if (totals.params !== ref.params) out.push(`params ${totals.params} vs timm ${ref.params}`);
  if (countParams(arch) !== ref.params) out.push(`countParams ${countParams(arch)} vs timm ${ref.params}`);
  if (totals.macs !== ref.macs) out.push(`conv+linear MACs ${totals.macs} vs timm ${ref.macs}`);
  const mine = calls.map((c) => JSON.stringify([c.name, c.type, c.outputShape]));
  const theirs = ref.rows.map(([n, t, s]) => JSON.stringify([n, t, s]));
  const i = mine.findIndex((m, k) => m !== theirs[k]);
  if (i >= 0 || mine.length !== theirs.length) {
    const k = i >= 0 ? i : Math.min(mine.length, theirs.length);
    out.push(`module calls differ at #${k}: ${mine[k] ?? '(none)'} vs timm ${theirs[k] ?? '(none)'} (${mine.length} vs ${theirs.length} calls)`);
  }
  const rows = layerRows(arch, calls).map((r) => JSON.stringify([r.name, r.type, r.outputShape, r.params]));
  const leaves = ref.rows.filter(([, t]) => !CONTAINERS.has(t)).map((r) => JSON.stringify(r));
  if (JSON.stringify(rows) !== JSON.stringify(leaves)) out.push('leaf rows (name, type, shape, params) differ');
  return out;
}

const smallConfig = (name: string): NetworkConfig => {
  const ref = REF.small[name]!;
  return resolveConfig('resnet50', { ...ref.config, inputHeightPx: ref.input[0], inputWidthPx: ref.input[1] }).config;
};

for (const name of NEW_PRESETS) {
  test(`${name}: params, conv+linear MACs and every module call equal timm ${REF.timm}'s, exactly`, () => {
    const ref = REF.presets[name];
    assert.ok(ref, `no timm reference for ${name}`);
    const config = presetConfig(requirePreset(name));
    assert.deepEqual([config.inputHeightPx, config.inputWidthPx], ref.input);
    assert.deepEqual(differences(architecture(config), ref), []);
  });
}

test("every new preset's state-dict keys and shapes are timm's (digest of the sorted lines), and its configuration is inferred back from them", () => {
  for (const name of NEW_PRESETS) {
    const config = presetConfig(requirePreset(name));
    const spec = stateDictSpec(architecture(config));
    const lines = spec.map((e) => `${e.key} ${e.shape.join('x')}`).sort();
    const ref = KEYS.presets[name]!;
    assert.deepEqual(
      lines.filter((l) => l.startsWith('layer1.0.') || l.startsWith('layer2.0.')),
      ref.sample,
      `${name}: layer1.0 / layer2.0 keys`,
    );
    assert.equal(lines.length, ref.count, `${name}: number of state-dict entries`);
    assert.equal(createHash('sha256').update(lines.join('\n')).digest('hex'), ref.sha256, `${name}: keys and shapes`);
    const inferred = inferConfig(new Map(spec.map((e) => [e.key, { shape: e.shape }])), name);
    assert.ok(sameConfig(inferred, config), `${name}: inferred ${JSON.stringify(inferred)}`);
    assert.deepEqual(inferred, config, `${name}: the inferred configuration is the preset's, field for field`);
  }
});

for (const name of Object.keys(REF.small)) {
  test(`small timm network ${name}: module calls, params and MACs equal timm's; its timm checkpoint fits and its architecture is inferred from it`, () => {
    const ref = REF.small[name]!;
    const config = smallConfig(name);
    const arch = architecture(config);
    assert.deepEqual(differences(arch, ref), []);
    const bytes = new Uint8Array(fs.readFileSync(path.join(DIR, `timm_${name}.safetensors`)));
    const { stateDict: tensors } = readWeights(bytes, name);
    checkStateDict(tensors, arch, name);
    const inferred = inferConfig(tensors, name, { height: ref.input[0], width: ref.input[1] });
    assert.ok(sameConfig(inferred, config), `inferred ${JSON.stringify(inferred)} vs ${JSON.stringify(config)}`);
  });
}

/** The same network with one block kind rebuilt by `f`. */
const mapBlocks = (arch: Architecture, f: (b: BlockSpec) => BlockSpec): Architecture => ({ ...arch, blocks: arch.blocks.map(f) });

test('paired negative, ECA: a kernel size not taken from the channel count (always 3) fails the comparison with timm', () => {
  // timm EcaModule: t = int(|log2(C) + 1| / 2), odd, >= 3: 256 → 5, 512 → 5, 1024 → 5, 2048 → 7; 128 → 5, 64 → 3.
  assert.deepEqual([64, 128, 256, 512, 1024, 2048].map(ecaKernelSize), [3, 5, 5, 5, 5, 7]);
  const ref = REF.presets.ecaresnext26t_32x4d!;
  const right = architecture(presetConfig('ecaresnext26t_32x4d'));
  assert.deepEqual(differences(right, ref), []);
  const wrong = mapBlocks(right, (b) => (b.eca ? { ...b, eca: { ...b.eca, conv: { ...b.eca.conv, kernel: 3, padding: 1 } } } : b));
  assert.match(differences(wrong, ref).join('\n'), /params 15406\d+ vs timm 15406220/);
  // The small network: its last stage has 128 channels, kernel 5; a kernel of 3 there no longer fits timm's checkpoint.
  const small = architecture(smallConfig('ecaresnext_t_small'));
  const tensors = readWeights(new Uint8Array(fs.readFileSync(path.join(DIR, 'timm_ecaresnext_t_small.safetensors'))), 'eca').stateDict;
  checkStateDict(tensors, small, 'eca');
  const smallWrong = mapBlocks(small, (b) => (b.eca ? { ...b, eca: { ...b.eca, conv: { ...b.eca.conv, kernel: 3, padding: 1 } } } : b));
  assert.throws(
    () => checkStateDict(tensors, smallWrong, 'eca'),
    (e) => e instanceof WeightsError && /layer4\.0\.se\.conv\.weight/.test(e.message),
  );
});

test("paired negative, selective kernel: the attention's width with rd_divisor 8 instead of 32, or a single path, fails the comparison", () => {
  const ref = REF.presets.skresnext50_32x4d!;
  const right = architecture(presetConfig('skresnext50_32x4d'));
  assert.deepEqual(differences(right, ref), []);
  const reattend = (b: BlockSpec): BlockSpec => {
    if (b.kind !== 'selective-kernel') return b;
    const width = b.conv2.paths[0]!.conv.outChannels;
    const rd = makeDivisible(width / 16, 8);
    const { attn } = b.conv2;
    const fcReduce: ConvModule = { ...attn.fcReduce, outChannels: rd };
    const fcSelect: ConvModule = { ...attn.fcSelect, inChannels: rd };
    const sk: SelectiveKernelBlockSpec = { ...b, conv2: { ...b.conv2, attn: { ...attn, fcReduce, bn: { ...attn.bn, channels: rd }, fcSelect } } };
    return sk;
  };
  assert.match(differences(mapBlocks(right, reattend), ref).join('\n'), /params \d+ vs timm 27479784/);
  const onePath = mapBlocks(right, (b) => (b.kind === 'selective-kernel' ? { ...b, conv2: { ...b.conv2, paths: b.conv2.paths.slice(0, 1) } } : b));
  assert.match(differences(onePath, ref).join('\n'), /module calls differ at #\d+: \["layer1\.0\.conv2\.attn\.fc_reduce"/);
  // The second path is a dilated 3x3 (padding 2, dilation 2): undilated, its feature map at 57x57 input would not change
  // size, but the weights' layout would not either; what it changes is the output, which the engines' logits tests check.
  const dilations = right.blocks.flatMap((b) => (b.kind === 'selective-kernel' ? b.conv2.paths.map((p) => [p.conv.dilation ?? 1, p.conv.padding]) : []));
  assert.deepEqual(dilations.slice(0, 2), [
    [1, 1],
    [2, 2],
  ]);
});

test("paired negative, tiered stem: the deep stem's widths (w, w) instead of timm's (3·(w//4), w) fail the comparison", () => {
  const ref = REF.presets.seresnext26t_32x4d!;
  assert.deepEqual(differences(architecture(presetConfig('seresnext26t_32x4d')), ref), []);
  const deep = architecture({ ...presetConfig('seresnext26t_32x4d'), stem: 'deep' });
  assert.match(
    differences(deep, ref).join('\n'),
    /module calls differ at #0: \["conv1\.0","Conv2d",\[1,32,112,112\]\] vs timm \["conv1\.0","Conv2d",\[1,24,112,112\]\]/,
  );
  // And gluon_resnet50_v1s's S stem (stem_width 64) is not the C stem (32).
  const narrow = architecture({ ...presetConfig('gluon_resnet50_v1s'), stemWidth: undefined });
  assert.match(differences(narrow, REF.presets.gluon_resnet50_v1s!).join('\n'), /params 2\d+ vs timm 25680808/);
});

test("paired negative, basic block: the stride on the second 3x3 instead of the first, or a bottleneck's expansion, fails the comparison", () => {
  const ref = REF.presets.resnet34!;
  const right = architecture(presetConfig('resnet34'));
  assert.deepEqual(differences(right, ref), []);
  const late = mapBlocks(right, (b) =>
    b.kind === 'basic' && b.conv1.stride === 2 ? { ...b, conv1: { ...b.conv1, stride: 1 }, conv2: { ...b.conv2, stride: 2 } } : b,
  );
  assert.match(
    differences(late, ref).join('\n'),
    /module calls differ at #\d+: \["layer2\.0\.conv1","Conv2d",\[1,128,56,56\]\] vs timm \["layer2\.0\.conv1","Conv2d",\[1,128,28,28\]\]/,
  );
  const bottleneck = architecture({ ...presetConfig('resnet34'), block: undefined });
  assert.notDeepEqual(differences(bottleneck, ref), []);
});

test('paired negative, inference: a deep stem neither deep nor tiered, and a classifier that is not 8 · expansion · base wide, are refused by name', () => {
  const spec = stateDictSpec(architecture(presetConfig('seresnext26t_32x4d')));
  const shapes = new Map(spec.map((e) => [e.key, { shape: e.shape }]));
  assert.equal(inferConfig(shapes, 'x.pth').stem, 'tiered');
  const odd = new Map(shapes);
  odd.set('conv1.0.weight', { shape: [20, 3, 3, 3] });
  assert.throws(
    () => inferConfig(odd, 'x.pth'),
    (e) => e instanceof WeightsError && /deep stem is 20, 32 channels wide/.test(e.message),
  );
  const fc = new Map(shapes);
  fc.set('fc.weight', { shape: [1000, 2047] });
  assert.throws(
    () => inferConfig(fc, 'x.pth'),
    (e) => e instanceof WeightsError && /2047 input features/.test(e.message),
  );
});

test('combinations timm does not define are refused with what timm defines', () => {
  const refuse = (overrides: Partial<NetworkConfig>, pattern: RegExp): void =>
    assert.throws(
      () => resolveConfig(undefined, overrides),
      (e) => e instanceof ConfigError && pattern.test(e.message),
      JSON.stringify(overrides),
    );
  refuse({ block: 'basic', groups: 32 }, /only supports groups=1 and base_width=64/);
  refuse({ block: 'basic', groups: 1, widthPerGroup: 32 }, /only supports groups=1 and base_width=64/);
  refuse({ se: true, eca: true }, /choose one/);
  refuse({ stemWidth: 48 }, /applies to the deep and tiered stems/);
  refuse({ stem: 'tiered', stemWidth: 3 }, /at least 4/);
  refuse(
    { cifar: true, block: 'selective-kernel' },
    /^block selective-kernel does not apply to the CIFAR layout: the CIFAR port has only its ResNeXtBottleneck/,
  );
  refuse({ cifar: true, stem: 'tiered' }, /CIFAR stem is one 3x3 conv/);
  refuse({ cifar: true, eca: true }, /ImageNet ResNets only/);
  // And the ones it does define are accepted: an SK-ResNeXt on the D stem, ECA on basic blocks, a 48-wide tiered stem.
  assert.equal(resolveConfig(undefined, { block: 'selective-kernel', stem: 'deep', avgDown: true }).config.block, 'selective-kernel');
  assert.equal(resolveConfig('resnet18', { eca: true }).model, 'resnet18(eca)');
  assert.equal(resolveConfig('resnet26t', { stemWidth: 48 }).model, 'resnet26t(stem_width=48)');
  // --block basic on the default ResNeXt takes ResNet's 1 x 64; --block bottleneck turns a ResNet-34 into a ResNet-50.
  assert.deepEqual(resolveConfig(undefined, { block: 'basic', layers: [2, 2, 2, 2] }).config, presetConfig('resnet18'));
  assert.ok(sameConfig(resolveConfig('resnet34', { block: 'bottleneck' }).config, presetConfig('resnet50')));
  assert.ok(sameConfig(resolveConfig('ecaresnext26t_32x4d', { se: true }).config, presetConfig('seresnext26t_32x4d')));
  assert.ok(sameConfig(resolveConfig('gluon_resnet50_v1s', { stem: 'standard' }).config, presetConfig('resnet50')));
});

test("the three forms of Xie et al.'s equivalence are a bottleneck's: a basic or selective-kernel block is refused by name", () => {
  assert.equal(findBlock(architecture(presetConfig('seresnext26t_32x4d')), 'layer1.0', 'x').kind, 'bottleneck');
  assert.throws(
    () => findBlock(architecture(presetConfig('resnet18')), 'layer1.0', 'resnet18'),
    (e) => e instanceof ConfigError && /layer1\.0 of resnet18 is a BasicBlock/.test(e.message),
  );
  assert.throws(
    () => findBlock(architecture(presetConfig('skresnext50_32x4d')), 'layer2.0', 'skresnext50_32x4d'),
    (e) => e instanceof ConfigError && /is a SelectiveKernelBottleneck: the three forms compute a bottleneck's grouped 3x3 conv/.test(e.message),
  );
});

test('the new presets are listed in their families, in the order of FAMILIES', () => {
  const families = presetCatalog().map((p) => p.family);
  assert.deepEqual(
    families.filter((f, i) => f !== families[i - 1]),
    FAMILIES.filter((f) => families.includes(f)),
    'presets grouped by family, families in FAMILIES order',
  );
  assert.deepEqual(
    NEW_PRESETS.map((n) => presetFamily(requirePreset(n))),
    [
      'ResNet',
      'ResNet',
      'ResNet-D',
      'ResNet-D',
      'ResNet-D',
      'ResNet-D',
      'SE-ResNet',
      'ResNet-D',
      'SE-ResNeXt',
      'SE-ResNeXt',
      'ECA-ResNeXt',
      'ECA-ResNeXt',
      'SK-ResNeXt',
    ],
  );
  // timm's newer name for gluon_resnet50_v1s and its pretrained tags resolve to the presets.
  assert.equal(requirePreset('resnet50s.gluon_in1k'), 'gluon_resnet50_v1s');
  assert.equal(requirePreset('skresnext50_32x4d.ra_in1k'), 'skresnext50_32x4d');
});

test('the CLI: presets by family, the ResNet-18/34/50 vs ResNeXt-50 comparison, the new flags and their errors', () => {
  const presets = runCli('presets', '--format', 'json');
  assert.equal(presets.code, 0, presets.stderr);
  const { families } = JSON.parse(presets.stdout) as { families: { name: string; presets: string[] }[] };
  assert.deepEqual(
    families.map((f) => f.name),
    [...FAMILIES],
  );
  assert.deepEqual(families.find((f) => f.name === 'ResNet')!.presets, ['resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152']);
  assert.deepEqual(families.find((f) => f.name === 'ECA-ResNeXt')!.presets, ['ecaresnext26t_32x4d', 'ecaresnext50t_32x4d']);
  const table = runCli('presets');
  assert.match(table.stdout, /\nResNet-D +resnet18d +2,2,2,2 /);

  const compared = runCli('compare', '--resnets-vs-resnext', '--format', 'json');
  assert.equal(compared.code, 0, compared.stderr);
  const models = (JSON.parse(compared.stdout) as { models: { model: string; totals: { params: number; macs: number } }[] }).models;
  // timm's (= torchvision's) counts for ResNet-18/34; torchvision's published ResNet-50 and ResNeXt-50 32x4d.
  assert.deepEqual(
    models.map((m) => [m.model, m.totals.params, m.totals.macs]),
    [
      ['resnet18', REF.presets.resnet18!.params, REF.presets.resnet18!.macs],
      ['resnet34', REF.presets.resnet34!.params, REF.presets.resnet34!.macs],
      ['resnet50', 25_557_032, 4_089_184_256],
      ['resnext50_32x4d', 25_028_904, 4_230_479_872],
    ],
  );
  assert.match(runCli('compare', '--resnets-vs-resnext').stdout, /^ResNet-18\/34\/50 vs ResNeXt-50 32x4d\n/);

  const summary = (...args: string[]): { model: string; totals: { params: number } } => {
    const r = runCli('summarize', ...args, '--format', 'json');
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as { model: string; totals: { params: number } };
  };
  assert.equal(summary('--block', 'basic').model, 'resnet18');
  assert.equal(summary('--block', 'selective-kernel').totals.params, REF.presets.skresnext50_32x4d!.params);
  assert.equal(summary('resnet26t', '--attn', 'eca', '--groups', '32', '--width-per-group', '4').totals.params, REF.presets.ecaresnext26t_32x4d!.params);
  assert.equal(summary('resnet50', '--stem', 'deep', '--stem-width', '64').totals.params, REF.presets.gluon_resnet50_v1s!.params);
  const refused = (args: string[], pattern: RegExp): void => {
    const r = runCli('summarize', ...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
  };
  refused(['--attn', 'eca', '--se'], /--se on contradicts --attn eca/);
  refused(['--block', 'wide'], /--block 'wide' is not supported; accepted: basic .*, bottleneck .*, selective-kernel/);
  refused(['--attn', 'cbam'], /--attn 'cbam' is not supported; accepted: none, se .*, eca/);
  refused(['--stem-width', '48'], /--stem-width applies to the deep and tiered stems/);
  refused(
    ['resnext50_32x4d', '--block', 'basic', '--groups', '32'],
    /BasicBlock "only supports groups=1 and base_width=64", got --groups 32 and --width-per-group 4/,
  );
  refused(['--cifar', '--attn', 'eca'], /--attn eca does not apply to --cifar/);
});
