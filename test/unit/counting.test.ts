/**
 * The counting rules (src/model/counting.ts) against the libraries they reproduce:
 * 1. per op kind, the count each library's own code gave (test/fixtures/counting/references.json, made by
 *    generate.py running fvcore 3378afe / ptflops v0.7.5 / thop 43c064a / torchinfo v1.8.0 on PyTorch 2.13);
 * 2. per op kind and rule, the count derived by hand from the library's source;
 * 3. whole networks against the same libraries;
 * 4. figures the projects published, at their published precision.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkedArchitecture, resolveConfig, type ConvModule } from '../../src/model/architecture';
import { COUNT_RULES, countAll, opCount, opTrace, recount, ruleMacs, type CountRule, type OpCall, type OpKind } from '../../src/model/counting';
import { layerRows, stageRows, totals } from '../../src/model/accounting';
import * as v from 'valibot';
import { countSummary, countTooltip, withRuleRows } from '../../src/model/countReport';
import { countedSummary } from '../../src/shared/countRules';
import { SUMMARY_SCHEMA, SummarySchema, type Summary } from '../../src/shared/data';
import { summaryConfig } from '../../src/model/summaryConfig';
import { staticTrace } from '../../src/model/shapes';

interface Reference {
  readonly ops: { op: string; inputShape: number[]; counts: Record<string, number> }[];
  readonly networks: { model: string; source: string; inputPx: number; counts: Record<string, number> }[];
}
const REF = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'counting', 'references.json'), 'utf8')) as Reference;
const LIBS = ['fvcore', 'ptflops', 'ptflops-aten', 'thop', 'torchinfo'] as const;

const conv = (cin: number, cout: number, k: number, stride: number, groups = 1, bias = false): ConvModule => ({
  type: 'Conv2d',
  name: 'c',
  inChannels: cin,
  outChannels: cout,
  kernel: k,
  stride,
  padding: Math.floor(k / 2),
  groups,
  ...(bias ? { bias: true } : {}),
});
const op = (kind: OpKind, input: number[], output: number[], extra: Partial<OpCall> = {}): OpCall => ({
  kind,
  name: 'x',
  module: true,
  input,
  output,
  ...extra,
});

/** The single-op modules of generate.py (OPS), as our trace records them. */
const OPS: Record<string, OpCall[]> = {
  conv: [op('conv', [1, 64, 28, 28], [1, 128, 14, 14], { conv: conv(64, 128, 3, 2) })],
  conv_bias: [op('conv', [1, 64, 1, 1], [1, 16, 1, 1], { conv: conv(64, 16, 1, 1, 1, true) })],
  grouped_conv: [op('conv', [1, 128, 14, 14], [1, 128, 14, 14], { conv: conv(128, 128, 3, 1, 32) })],
  batchnorm: [op('batchnorm', [1, 64, 56, 56], [1, 64, 56, 56])],
  relu: [op('relu', [1, 64, 56, 56], [1, 64, 56, 56])],
  maxpool: [op('maxpool', [1, 64, 112, 112], [1, 64, 56, 56])],
  avgpool: [op('avgpool', [1, 256, 56, 56], [1, 256, 28, 28])],
  adaptive_avgpool: [op('adaptiveAvgPool', [1, 2048, 7, 7], [1, 2048, 1, 1])],
  linear: [op('linear', [1, 2048], [1, 1000], { linear: { type: 'Linear', name: 'fc', inFeatures: 2048, outFeatures: 1000 } })],
  se_mean: [op('mean', [1, 256, 56, 56], [1, 256, 1, 1], { module: false })],
  se_mul: [op('mul', [1, 256, 56, 56], [1, 256, 56, 56], { module: false })],
  residual_add_relu: [op('add', [1, 256, 14, 14], [1, 256, 14, 14], { module: false }), op('relu', [1, 256, 14, 14], [1, 256, 14, 14])],
  flatten: [op('flatten', [1, 2048, 1, 1], [1, 2048])],
};

test('every op kind: each rule gives what the library itself reported (fixtures from the real code)', () => {
  assert.equal(REF.ops.length, Object.keys(OPS).length);
  for (const ref of REF.ops) {
    const calls = OPS[ref.op];
    assert.ok(calls, `no op ${ref.op}`);
    assert.deepEqual(calls[0]!.input, ref.inputShape, ref.op);
    for (const lib of LIBS) assert.equal(ruleMacs(lib, calls), ref.counts[lib], `${ref.op} under ${lib}`);
  }
});

/**
 * Hand-derived, one line of the library's code each:
 * - fvcore 3378afe fvcore/nn/jit_handles.py: conv_flop_count = N·prod(w_shape)·prod(out[2:]) (bias ignored);
 *   batchnorm_flop_jit eval = numel(input)·2 (affine); adaptive_avg_pool2d elementwise_flop_counter(1, 0) = numel(in);
 *   linear_flop_jit = prod(input)·out; add / mul / mean / relu / max_pool2d / avg_pool2d: no handle (0).
 * - ptflops v0.7.5 ptflops/pytorch_ops.py: conv_flops_counter_hook adds N·Cout·H·W when bias; linear adds out;
 *   bn_flops_counter_hook numel·2; relu / pool hooks numel (+ the same again from the patched F.* in pytorch_engine.py);
 *   ptflops/aten_ops.py: conv_flop (bias), addmm_flop (bias); nothing else.
 * - thop 0.1.1.post2209072238 thop/vision/basic_hooks.py + calc_func.py: calculate_norm 2·n then ×2 (affine);
 *   ReLU / MaxPool zero_ops; count_avgpool numel(out); count_adap_avgpool (Hin·Win/(Hout·Wout) + 1)·numel(out);
 *   count_linear in_features·numel(out); conv without bias.
 * - torchinfo v1.8.0 torchinfo/layer_info.py calculate_macs: Conv (weight + bias)·N·H·W; Linear (weight + bias)·N;
 *   other modules with params (BatchNorm) N·params = N·2C.
 * - mmcv v1.7.2 mmcv/cnn/utils/flops_counter.py: conv + bias; linear numel(in)·out (no bias); norm numel·2;
 *   relu numel(out); pools numel(in); no functional op.
 */
const HAND: Record<string, Record<CountRule, number>> = {
  // 128 · 64 · 9 · 14 · 14
  conv: { torchvision: 14450688, fvcore: 14450688, ptflops: 14450688, 'ptflops-aten': 14450688, thop: 14450688, torchinfo: 14450688, mmcv: 14450688 },
  // 16 · 64 = 1024; + 16 bias
  conv_bias: { torchvision: 1024, fvcore: 1024, ptflops: 1040, 'ptflops-aten': 1040, thop: 1024, torchinfo: 1040, mmcv: 1040 },
  // 128 · (128/32) · 9 · 14 · 14
  grouped_conv: { torchvision: 903168, fvcore: 903168, ptflops: 903168, 'ptflops-aten': 903168, thop: 903168, torchinfo: 903168, mmcv: 903168 },
  // n = 64·56·56 = 200704
  batchnorm: { torchvision: 0, fvcore: 401408, ptflops: 401408, 'ptflops-aten': 0, thop: 802816, torchinfo: 128, mmcv: 401408 },
  relu: { torchvision: 0, fvcore: 0, ptflops: 401408, 'ptflops-aten': 0, thop: 0, torchinfo: 0, mmcv: 200704 },
  // input 64·112·112 = 802816
  maxpool: { torchvision: 0, fvcore: 0, ptflops: 1605632, 'ptflops-aten': 0, thop: 0, torchinfo: 0, mmcv: 802816 },
  // input 256·56·56 = 802816, output 256·28·28 = 200704
  avgpool: { torchvision: 0, fvcore: 0, ptflops: 1605632, 'ptflops-aten': 0, thop: 200704, torchinfo: 0, mmcv: 802816 },
  // input 2048·49 = 100352; thop (49 + 1)·2048
  adaptive_avgpool: { torchvision: 0, fvcore: 100352, ptflops: 200704, 'ptflops-aten': 0, thop: 102400, torchinfo: 0, mmcv: 100352 },
  linear: { torchvision: 2048000, fvcore: 2048000, ptflops: 2049000, 'ptflops-aten': 2049000, thop: 2048000, torchinfo: 2049000, mmcv: 2048000 },
  se_mean: { torchvision: 0, fvcore: 0, ptflops: 0, 'ptflops-aten': 0, thop: 0, torchinfo: 0, mmcv: 0 },
  se_mul: { torchvision: 0, fvcore: 0, ptflops: 0, 'ptflops-aten': 0, thop: 0, torchinfo: 0, mmcv: 0 },
  // the add is `out += identity` (aten::add_, Tensor.__iadd__): nobody counts it; the ReLU module: 256·14·14 = 50176
  residual_add_relu: { torchvision: 0, fvcore: 0, ptflops: 100352, 'ptflops-aten': 0, thop: 0, torchinfo: 0, mmcv: 50176 },
  flatten: { torchvision: 0, fvcore: 0, ptflops: 0, 'ptflops-aten': 0, thop: 0, torchinfo: 0, mmcv: 0 },
};

for (const [name, expected] of Object.entries(HAND)) {
  test(`${name}: by hand from fvcore 3378afe, ptflops 0.7.5, thop 0.1.1.post2209072238, torchinfo 1.8.0, mmcv 1.7.2`, () => {
    for (const rule of COUNT_RULES) assert.equal(ruleMacs(rule, OPS[name]!), expected[rule], `${name} under ${rule}`);
  });
}

test('functional ops: the CIFAR port F.relu / F.avg_pool2d count once under ptflops (patched F.*), never under hooks-only mmcv', () => {
  const relu = op('relu', [1, 64, 8, 8], [1, 64, 8, 8], { module: false });
  assert.equal(opCount('ptflops', relu), 4096);
  assert.equal(opCount('mmcv', relu), 0);
  const pool = op('avgpool', [1, 1024, 8, 8], [1, 1024, 1, 1], { module: false });
  assert.equal(opCount('ptflops', pool), 65536);
  assert.equal(opCount('thop', pool), 0);
});

function arch(model: string, px: number) {
  return checkedArchitecture(resolveConfig(model, { inputHeightPx: px, inputWidthPx: px }).config);
}
const macsOf = (model: string, px: number, rule: CountRule, batch = 1): number => countAll(arch(model, px), batch).find((c) => c.rule === rule)!.macs;

test('whole networks (torchvision and timm builds, 160–288 px): every rule equals the library run on PyTorch', () => {
  assert.ok(REF.networks.length >= 9);
  for (const n of REF.networks) {
    const all = countAll(arch(n.model, n.inputPx));
    for (const lib of LIBS) assert.equal(all.find((c) => c.rule === lib)!.macs, n.counts[lib], `${n.model} @${n.inputPx} under ${lib}`);
    assert.equal(all.find((c) => c.rule === 'fvcore')!.activations, n.counts.fvcoreActivations, `${n.model} @${n.inputPx} fvcore activations`);
  }
});

test('the torchvision rule is accounting.ts: the summary totals, unchanged', () => {
  const a = arch('seresnext50_32x4d', 224);
  const rows = layerRows(a, staticTrace(a));
  assert.equal(
    macsOf('seresnext50_32x4d', 224, 'torchvision'),
    rows.reduce((s, r) => s + r.macs, 0),
  );
});

test('recount: rows and stages add up to the rule total; a shared ReLU module gets each call its own count', () => {
  const a = arch('resnext50_32x4d', 224);
  const rows = layerRows(a, staticTrace(a));
  for (const rule of COUNT_RULES) {
    const r = recount(a, rule, rows, stageRows(rows));
    assert.equal(r.macs, macsOf('resnext50_32x4d', 224, rule), rule);
    assert.equal(
      r.stages.reduce((s, x) => s + x.macs, 0),
      r.macs,
      rule,
    );
  }
  const mm = recount(a, 'mmcv', rows, stageRows(rows))
    .layers.filter((r) => r.name === 'layer1.0.relu')
    .map((r) => r.macs);
  assert.deepEqual(mm, [128 * 56 * 56, 128 * 56 * 56, 256 * 56 * 56]);
});

test('why the numbers differ: each rule lists what it counts beyond torchvision, and the list adds up', () => {
  const all = countAll(arch('resnext50_32x4d', 224));
  const tv = all.find((c) => c.rule === 'torchvision')!;
  assert.deepEqual(tv.beyond, []);
  for (const c of all) assert.equal(tv.macs + c.beyond.reduce((s, b) => s + b.macs, 0), c.macs, c.rule);
  const fv = all.find((c) => c.rule === 'fvcore')!;
  const bn = fv.beyond.find((b) => b.op === 'BatchNorm2d')!;
  assert.equal(bn.calls, 53);
  assert.equal(bn.macs, 28801024);
  const trace = opTrace(arch('seresnext50_32x4d', 224));
  assert.equal(trace.filter((e) => e.kind === 'mean' && !e.module).length, 16, 'SE squeeze per block');
  assert.equal(trace.filter((e) => e.kind === 'mul').length, 16);
  assert.equal(trace.filter((e) => e.kind === 'add').length, 16);
});

/** `x` rounded as the publisher printed it: `digits` after the point. */
const at = (x: number, digits: number): string => x.toFixed(digits);
const G = 1e9;
const M = 1e6;

// 1–5. timm: huggingface/pytorch-image-models aa4b5850c1543fa488abf260f18390eda46cf85d,
// results/benchmark-infer-amp-nchw-pt240-cu124-rtx3090.csv, columns infer_gmacs and infer_macts (benchmark.py
// profile_fvcore: FlopCountAnalysis / ActivationCountAnalysis of the eval-mode model, per sample).
const TIMM: [string, number, string, string][] = [
  ['resnet50', 160, '2.1', '5.67'],
  ['resnext50_32x4d', 160, '2.17', '7.35'],
  ['resnext50_32x4d', 224, '4.26', '14.4'],
  ['resnext50_32x4d', 288, '7.04', '23.81'],
  ['seresnext50_32x4d', 224, '4.26', '14.42'],
  ['seresnext50_32x4d', 288, '7.04', '23.82'],
  ['resnext50d_32x4d', 224, '4.5', '15.2'],
  ['resnext50d_32x4d', 288, '7.44', '25.13'],
  ['resnext101_32x8d', 224, '16.48', '31.21'],
  ['resnext101_64x4d', 288, '25.66', '51.59'],
  ['wide_resnet50_2', 224, '11.43', '14.4'],
];
for (const [model, px, gmacs, macts] of TIMM) {
  test(`published: timm benchmark-infer-amp-nchw-pt240-cu124-rtx3090.csv (aa4b585) ${model} @${px}: infer_gmacs ${gmacs}, infer_macts ${macts}`, () => {
    const fv = countAll(arch(model, px)).find((c) => c.rule === 'fvcore')!;
    // timm writes round(x, 2) and the CSV drops trailing zeros.
    assert.equal(String(Math.round((fv.macs / G) * 100) / 100), gmacs);
    assert.equal(String(Math.round((fv.activations! / M) * 100) / 100), macts);
  });
}

// 6. ptflops README.md (sovrasov/flops-counter.pytorch d612c7547445841a325fd2a1ff2ab27583f01bae), torchvision table,
// "MACs(G) (`pytorch`)" and "MACs(G) (`aten`)", two decimals.
test('published: ptflops README (d612c75) resnet50 4.13 / 4.09, resnext50_32x4d 4.29, wide_resnet50_2 11.45 GMac', () => {
  assert.equal(at(macsOf('resnet50', 224, 'ptflops') / G, 2), '4.13');
  assert.equal(at(macsOf('resnet50', 224, 'ptflops-aten') / G, 2), '4.09');
  assert.equal(at(macsOf('resnext50_32x4d', 224, 'ptflops') / G, 2), '4.29');
  assert.equal(at(macsOf('wide_resnet50_2', 224, 'ptflops') / G, 2), '11.45');
});

// 7. thop README.md (Lyken17/pytorch-OpCounter 43c064afb71383501e41eaef9e8c8407265cf77f), "MACs(G)", two decimals.
// The table was last updated in 1023a53 (2019-09-02), when thop/count_hooks.py count_linear counted
// (in_features + in_features − 1) · numel(output); BatchNorm was already 4·n (count_bn) and ReLU / MaxPool zero_ops.
// thop 0.1.1 counts in_features · numel(output): the rows differ from today's thop by (in − 1) · out = 2,047,000.
test('published: thop README (43c064a, table of 1023a53) resnet50 4.14, resnext50_32x4d 4.29, resnext101_32x8d 16.54, wide_resnet50_2 11.46 GMACs', () => {
  const linear2019 = (2048 - 1) * 1000;
  assert.equal(at((macsOf('resnet50', 224, 'thop') + linear2019) / G, 2), '4.14');
  assert.equal(at((macsOf('resnext50_32x4d', 224, 'thop') + linear2019) / G, 2), '4.29');
  assert.equal(at((macsOf('resnext101_32x8d', 224, 'thop') + linear2019) / G, 2), '16.54');
  assert.equal(at((macsOf('wide_resnet50_2', 224, 'thop') + linear2019) / G, 2), '11.46');
  // today's thop (0.1.1) itself: resnet50 4.13, which is why the README row and a fresh `thop.profile` disagree.
  assert.equal(at(macsOf('resnet50', 224, 'thop') / G, 2), '4.13');
});

// 8. OpenMMLab: open-mmlab/mmpretrain ee7f2e88501f61aa95c742dd5f429f039935ee90 configs/resnext/metafile.yml and
// configs/resnet/metafile.yml, "FLOPs" (mmcv 1.x get_model_complexity_info, three significant figures).
test('published: mmpretrain metafiles (ee7f2e8) ResNeXt-50 4.27G, ResNeXt-101 32x4d 8.03G, 32x8d 16.5G; ResNet-50 4.12G, ResNet-101 7.85G', () => {
  const sig3 = (x: number): number => Number(x.toPrecision(3));
  assert.equal(sig3(macsOf('resnext50_32x4d', 224, 'mmcv')), 4270000000);
  assert.equal(sig3(macsOf('resnext101_32x4d', 224, 'mmcv')), 8030000000);
  assert.equal(sig3(macsOf('resnext101_32x8d', 224, 'mmcv')), 16500000000);
  assert.equal(sig3(macsOf('resnet50', 224, 'mmcv')), 4120000000);
  assert.equal(sig3(macsOf('resnet101', 224, 'mmcv')), 7850000000);
});

// 9. torchinfo: TylerYep/torchinfo 5c4164f1e2e185ce33c597dbe00535bf8ed2b930 tests/test_output/resnet50.out
// (summary(resnet50(), input_size=(2, 3, 224, 224))) and resnet152.out ((1, 3, 224, 224)), "Total mult-adds (G)".
test('published: torchinfo test outputs (5c4164f) resnet50 batch 2: 8.18 G; resnet152: 11.51 G', () => {
  assert.equal(at(macsOf('resnet50', 224, 'torchinfo', 2) / G, 2), '8.18');
  assert.equal(at(macsOf('resnet152', 224, 'torchinfo') / G, 2), '11.51');
});

test('summary panel: withRuleRows sends every rule per row; countedSummary (the webview) swaps in exactly what --count RULE gives', () => {
  const config = resolveConfig('seresnext50_32x4d').config;
  const a = checkedArchitecture(config);
  const calls = staticTrace(a);
  const layers = layerRows(a, calls);
  const summary: Summary = {
    schema: SUMMARY_SCHEMA,
    model: 'seresnext50_32x4d',
    config: summaryConfig(config),
    layers,
    stages: stageRows(layers),
    totals: totals(layers, calls, [1, 3, 224, 224]),
    timingsMs: { build: 0, forward: 0 },
  };
  const sent = withRuleRows(summary);
  assert.ok(v.is(SummarySchema, sent), 'the panel message still validates');
  assert.deepEqual(
    sent.counts!.map((c) => c.rule),
    [...COUNT_RULES],
  );
  for (const rule of COUNT_RULES) {
    const shown: Summary = countedSummary(sent, rule);
    const cli = countSummary(summary, { count: rule });
    assert.equal(shown.totals.macs, cli.totals.macs, rule);
    assert.deepEqual(
      shown.layers.map((l) => l.macs),
      cli.layers.map((l) => l.macs),
      rule,
    );
    assert.deepEqual(
      shown.stages.map((s) => s.macs),
      cli.stages.map((s) => s.macs),
      rule,
    );
  }
  assert.equal(countedSummary(sent, 'torchvision'), sent);
  const tip = countTooltip(config);
  assert.match(tip, /^fvcore: 4\.26 G, activations 14\.42 M$/m);
  assert.match(tip, /\+28\.80 M: 2 × BatchNorm inputs \(eval mode, affine\) \(53 × BatchNorm2d\)/);
});
