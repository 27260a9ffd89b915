import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compare, COMPARE_SCHEMA, COMPARISON_PRESETS, measureComparison, type Comparison } from '../../src/model/compare';
import { compareHtml } from '../../src/extension/compareHtml';
import { withMeasuredTimes } from '../../src/model/report/compare';
import { SIDE_BY_SIDE_ENGINES, sideBySideRows, type EngineTimes } from '../../src/shared/measuredTimes';
import { VIEW_PROFILE_RUNS } from '../../src/shared/profile';
import { presetConfig } from '../../src/model/config';
import { summarize } from '../../src/model/summarize';
import { ConfigError, InputError } from '../../src/model/errors';
import { initBackend, tf } from '../../src/model/tf';
import {
  COMPARE_CSV_COLUMNS,
  compareCsv,
  compareMarkdown,
  compareTable,
  formatComparison,
  formatDelta,
  formatDeltaPercent,
} from '../../src/model/report/compare';
import { checkEquivalence } from '../../src/model/equivalence';
import { resolveSpec } from '../../src/cli/configSpec';
import { compareCommand } from '../../src/cli/compare';
import { UsageError } from '../../src/cli/args';
import * as v from 'valibot';
import { ComparisonSchema } from '../../src/shared/data';
import { withoutStderr } from '../helpers';

const int = (text: string): number => Number(text.replace(/,/g, ''));

/** The rows of the markdown table under `### heading`, as cells (escaped pipes kept as one cell). */
function markdownRows(markdown: string, heading: string): string[][] {
  const lines = markdown.split('\n');
  const start = lines.indexOf(`### ${heading}`);
  assert.ok(start >= 0, `no section ${heading}`);
  const table: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('|')) table.push(line);
    else if (table.length > 0) break;
  }
  const cells = (line: string): string[] =>
    line
      .slice(2, -2)
      .split(/ (?<!\\)\| /)
      .map((c) => c.replace(/\\\|/g, '|'));
  const [header, rule, ...rows] = table;
  assert.ok(header && rule && /^\|( -+:? \|)+$/.test(rule), `${heading}: header and rule`);
  return rows.map(cells);
}

let sweepComparison: Comparison | undefined;
async function sweep(): Promise<Comparison> {
  sweepComparison ??= await compare(COMPARISON_PRESETS['cardinality-sweep'].entries());
  return sweepComparison;
}

test('compare: totals and stage rows of resnet50, resnext50_32x4d and the cardinality sweep are those of summarize()', async () => {
  await initBackend();
  const pair = await compare(COMPARISON_PRESETS['resnet50-vs-resnext50'].entries());
  assert.equal(pair.schema, COMPARE_SCHEMA);
  assert.deepEqual(
    pair.models.map((m) => m.model),
    ['resnet50', 'resnext50_32x4d'],
  );
  assert.equal(pair.models[0]!.totals.params, 25_557_032);
  assert.equal(pair.models[0]!.totals.macs, 4_089_184_256);
  assert.equal(pair.models[1]!.totals.params, 25_028_904);
  assert.equal(pair.models[1]!.totals.macs, 4_230_479_872);
  const swept = await sweep();
  assert.deepEqual(
    swept.models.map((m) => m.model),
    ['resnext50_1x64d', 'resnext50_2x40d', 'resnext50_4x24d', 'resnext50_8x14d', 'resnext50_32x4d'],
  );
  assert.deepEqual(
    swept.models.map((m) => [m.config.groups, m.config.widthPerGroup]),
    [
      [1, 64],
      [2, 40],
      [4, 24],
      [8, 14],
      [32, 4],
    ],
  );
  for (const m of [...pair.models, ...swept.models]) {
    const config = { ...presetConfig('resnext50_32x4d'), groups: m.config.groups, widthPerGroup: m.config.widthPerGroup };
    const summary = await summarize(config);
    assert.deepEqual(m.totals, summary.totals, m.model);
    assert.deepEqual(m.stages, summary.stages, m.model);
    assert.deepEqual(m.config, summary.config, m.model);
    assert.deepEqual(
      m.stages.map((s) => s.name),
      ['stem', 'layer1', 'layer2', 'layer3', 'layer4', 'head'],
    );
    // The stage rows account for every parameter and multiply-add.
    for (const key of ['params', 'macs', 'denseParams', 'denseMacs'] as const) {
      assert.equal(
        m.stages.reduce((a, s) => a + s[key], 0),
        m.totals[key],
        `${m.model} ${key}`,
      );
    }
  }
  // 1x64d is ResNet-50 itself (Xie et al. Table 2's baseline).
  assert.deepEqual(swept.models[0]!.totals, pair.models[0]!.totals);
  assert.deepEqual(swept.models[4]!.totals, pair.models[1]!.totals);
});

test('compare leaves tf.memory().numTensors unchanged and refuses empty or invalid input, naming the entry', async () => {
  await initBackend();
  const before = tf.memory().numTensors;
  await compare([{ model: 'a', config: presetConfig('resnet50') }]);
  assert.equal(tf.memory().numTensors, before);
  await assert.rejects(compare([]), (e: unknown) => e instanceof ConfigError && /at least one configuration/.test(e.message));
  await assert.rejects(
    compare([
      { model: 'good', config: presetConfig('resnet50') },
      { model: 'bad', config: { ...presetConfig('resnet50'), baseWidth: 1, widthPerGroup: 1 } },
    ]),
    (e: unknown) => e instanceof ConfigError && /^bad: the bottleneck width of layer1 comes out 0/.test(e.message),
  );
  await assert.rejects(
    compare([{ model: 'x', config: { ...presetConfig('resnet50'), groups: 0 } }]),
    /ConfigError: x: groups must be a whole number from 1 to 1024, got 0/,
  );
});

test('differences are formatted with sign, thousands separators and two-decimal percentages', () => {
  assert.equal(formatDelta(25_028_904, 25_557_032), '-528,128');
  assert.equal(formatDelta(4_230_479_872, 4_089_184_256), '+141,295,616');
  assert.equal(formatDelta(5, 5), '0');
  assert.equal(formatDeltaPercent(25_028_904, 25_557_032), '-2.07%');
  assert.equal(formatDeltaPercent(4_230_479_872, 4_089_184_256), '+3.46%');
  assert.equal(formatDeltaPercent(1, 1), '0.00%');
  assert.equal(formatDeltaPercent(1, 0), 'n/a');
});

test('the markdown report: every figure in its tables matches the JSON', async () => {
  const comparison = await sweep();
  // The JSON follows the published schema (resnext-inspector/compare@1); the Markdown is checked against it below.
  const json = v.parse(ComparisonSchema, JSON.parse(formatComparison(comparison, 'json')));
  assert.deepEqual(
    json.models.map((m) => m.model),
    comparison.models.map((m) => m.model),
  );
  assert.equal(json.models.find((m) => m.model === 'resnext50_32x4d')?.totals.params, 25_028_904);
  const md = compareMarkdown(comparison, { title: COMPARISON_PRESETS['cardinality-sweep'].title });
  assert.match(md, /^## Cardinality sweep/);
  const ref = json.models[0]!;
  const parseDelta = (cell: string): { abs: number; pct: number } => {
    const m = /^([+-]?[\d,]+) \(([+-]?\d+\.\d\d)%\)$/.exec(cell);
    assert.ok(m, `delta cell '${cell}'`);
    return { abs: int(m[1]!), pct: Number(m[2]) };
  };
  const checkDelta = (cell: string, value: number, reference: number, isReference: boolean): void => {
    if (isReference) return assert.equal(cell, '—');
    const d = parseDelta(cell);
    assert.equal(d.abs, value - reference);
    assert.ok(Math.abs(d.pct - (100 * (value - reference)) / reference) <= 0.005 + 1e-9, cell);
  };

  const configs = markdownRows(md, 'Configurations');
  assert.equal(configs.length, json.models.length);
  configs.forEach(([index, model, layers, groups, widthPerGroup, widths], i) => {
    const m = json.models[i]!;
    assert.equal(Number(index), i + 1);
    assert.equal(model, m.model);
    assert.equal(layers, m.config.layers.join(','));
    assert.equal(Number(groups), m.config.groups);
    assert.equal(Number(widthPerGroup), m.config.widthPerGroup);
    assert.equal(Number(widths!.split(', ')[0]), m.config.groups * m.config.widthPerGroup); // layer1: planes 64 → C·d
  });

  const totals = markdownRows(md, 'Totals');
  totals.forEach(([model, params, dParams, macs, dMacs], i) => {
    const m = json.models[i]!;
    assert.equal(model, m.model);
    assert.equal(int(params!), m.totals.params);
    assert.equal(int(macs!), m.totals.macs);
    checkDelta(dParams!, m.totals.params, ref.totals.params, i === 0);
    checkDelta(dMacs!, m.totals.macs, ref.totals.macs, i === 0);
  });

  const stages = markdownRows(md, 'Per stage');
  assert.equal(stages.length, 6 * json.models.length);
  for (const [stage, model, shape, params, dParams, macs, dMacs, saving] of stages) {
    const i = json.models.findIndex((m) => m.model === model);
    const s = json.models[i]!.stages.find((row) => row.name === stage)!;
    const r = ref.stages.find((row) => row.name === stage)!;
    assert.equal(shape, `[${s.outputShape.join(', ')}]`);
    assert.equal(int(params!), s.params);
    assert.equal(int(macs!), s.macs);
    checkDelta(dParams!, s.params, r.params, i === 0);
    checkDelta(dMacs!, s.macs, r.macs, i === 0);
    if (s.denseParams > s.params) {
      const [p, q] = saving!.split(' / ').map((x) => Number(x.replace('%', '')));
      assert.ok(Math.abs(p! - 100 * (1 - s.params / s.denseParams)) <= 0.05 + 1e-9, saving);
      assert.ok(Math.abs(q! - 100 * (1 - s.macs / s.denseMacs)) <= 0.05 + 1e-9, saving);
    } else {
      assert.equal(saving, '');
    }
  }

  const savings = markdownRows(md, 'Grouped-convolution savings');
  savings.forEach(([model, params, denseParams, paramsSaved, macs, denseMacs, macsSaved], i) => {
    const t = json.models[i]!.totals;
    assert.equal(model, json.models[i]!.model);
    assert.equal(int(params!), t.params);
    assert.equal(int(denseParams!), t.denseParams);
    assert.equal(int(macs!), t.macs);
    assert.equal(int(denseMacs!), t.denseMacs);
    assert.equal(int(paramsSaved!.split(' ')[0]!), t.denseParams - t.params);
    assert.equal(int(macsSaved!.split(' ')[0]!), t.denseMacs - t.macs);
  });
  // ResNeXt-50 32x4d against its dense equivalent (DESIGN §3).
  assert.deepEqual(savings[4]!.slice(0, 4), ['resnext50_32x4d', '25,028,904', '68,883,240', '43,854,336 (63.7%)']);
  assert.doesNotMatch(md, /equivalence/i);
});

test('the markdown report includes the equivalence results when given; JSON adds them under "equivalence"', async () => {
  await initBackend();
  const entries = COMPARISON_PRESETS['resnet50-vs-resnext50'].entries();
  const comparison = await compare(entries);
  const equivalence = [];
  for (const e of entries) equivalence.push(await checkEquivalence(e.config, { model: e.model, block: 'layer2.0' }));
  const md = compareMarkdown(comparison, { equivalence });
  const rows = markdownRows(md, 'Split-transform-merge equivalence (Xie et al. 2017, Fig. 3)');
  assert.equal(rows.length, 2);
  const [model, block, cxd, shape, convOps, macs, maxA, maxB, result] = rows[1]!;
  const e = equivalence[1]!;
  assert.deepEqual([model, block, cxd, shape], ['resnext50_32x4d', 'layer2.0', '32 x 8', '[1, 512, 28, 28]']);
  assert.equal(convOps, `${e.ops.a.convOps} / ${e.ops.b.convOps} / ${e.ops.c.convOps}`);
  assert.equal(int(macs!), e.ops.c.macs);
  assert.ok(Math.abs(Number(maxA) - e.maxAbsDiff.aVsC) <= 0.01 * e.maxAbsDiff.aVsC);
  assert.ok(Math.abs(Number(maxB) - e.maxAbsDiff.bVsC) <= 0.01 * e.maxAbsDiff.bVsC);
  assert.equal(result, 'equivalent (≤ 1e-4)');
  const json = JSON.parse(formatComparison(comparison, 'json', { equivalence }));
  assert.equal(json.schema, COMPARE_SCHEMA);
  assert.equal(json.equivalence.length, 2);
  assert.equal(json.equivalence[1].ops.c.macs, e.ops.c.macs);
});

test('CSV: one row per model and stage plus a total row, plain numbers matching the JSON', async () => {
  const comparison = await sweep();
  const lines = compareCsv(comparison).trimEnd().split('\r\n');
  assert.equal(lines[0], COMPARE_CSV_COLUMNS.join(','));
  assert.equal(lines.length, 1 + comparison.models.length * 7);
  const ref = comparison.models[0]!;
  for (const line of lines.slice(1)) {
    const cells = line.match(/("[^"]*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, '').replace(/^"|"$/g, ''));
    const row = Object.fromEntries(COMPARE_CSV_COLUMNS.map((c, i) => [c, cells[i]!]));
    const m = comparison.models.find((x) => x.model === row.model)!;
    const figures = row.stage === 'total' ? m.totals : m.stages.find((s) => s.name === row.stage)!;
    const reference = row.stage === 'total' ? ref.totals : ref.stages.find((s) => s.name === row.stage)!;
    assert.equal(row.layers, '3,4,6,3');
    assert.equal(Number(row.params), figures.params);
    assert.equal(Number(row.macs), figures.macs);
    assert.equal(Number(row.dense_macs), figures.denseMacs);
    assert.equal(Number(row.delta_params), figures.params - reference.params);
    assert.equal(Number(row.delta_macs), figures.macs - reference.macs);
    assert.ok(Math.abs(Number(row.delta_macs_pct) - (100 * (figures.macs - reference.macs)) / reference.macs) < 1e-4);
  }
});

test('the console table has the four sections and the Δ against the first configuration', async () => {
  const text = compareTable(await sweep(), { title: 'Sweep' });
  for (const heading of ['Configurations', 'Totals', 'Per stage', 'Grouped-convolution savings']) assert.match(text, new RegExp(`^${heading}$`, 'm'));
  assert.match(text, /^resnext50_32x4d\s+25,028,904\s+-528,128 \(-2\.07%\)\s+4,230,479,872\s+\+141,295,616 \(\+3\.46%\)/m);
  assert.match(text, /^resnext50_1x64d\s+25,557,032\s+—\s+4,089,184,256\s+—/m);
});

test('configuration specs: preset:key=value,…, overrides alone, layers with commas; bad specs say what is accepted', () => {
  assert.deepEqual(resolveSpec('resnext50_32x4d:groups=8,width_per_group=14').config, { ...presetConfig('resnext50_32x4d'), groups: 8, widthPerGroup: 14 });
  assert.equal(resolveSpec('resnext50_32x4d:groups=8,width-per-group=14').model, 'resnext50_32x4d(groups=8 width_per_group=14)');
  assert.deepEqual(resolveSpec('groups=4').config, { ...presetConfig('resnext50_32x4d'), groups: 4 });
  const deep = resolveSpec('resnet50:layers=3,4,23,3,input=160x128');
  assert.deepEqual(deep.config, { ...presetConfig('resnet50'), layers: [3, 4, 23, 3], inputHeightPx: 160, inputWidthPx: 128 });
  // Common flags first, the spec's keys on top.
  assert.equal(resolveSpec('resnet50:input=64', { inputHeightPx: 320, inputWidthPx: 320, numClasses: 10 }).config.inputHeightPx, 64);
  assert.equal(resolveSpec('resnet50', { numClasses: 10 }).config.numClasses, 10);
  assert.equal(resolveSpec('resnet50').model, 'resnet50');

  const cases: [string, RegExp][] = [
    ['resnxt50', /unknown preset 'resnxt50' \(did you mean 'resnet50'\?\); accepted presets: resnet18, resnet34, resnet50, .*wide_resnet101_2/],
    [
      'resnet50:grops=8',
      /configuration 'resnet50:grops=8': unknown key 'grops'; accepted keys: layers, groups, width_per_group, base_width, num_classes, input/,
    ],
    ['resnet50:groups=x', /configuration 'resnet50:groups=x': groups must be a whole number from 1 to 1024, got 'x'/],
    ['resnet50:groups=2,groups=4', /'groups' is given twice/],
    ['resnet50:8', /'8' is not key=value; write e\.g\. resnext50_32x4d:groups=8,width_per_group=14/],
    ['resnet50:layers=3,4,6', /layers must be 4 positive whole numbers separated by commas .* got '3,4,6'/],
    ['resnet50:groups=0', /configuration 'resnet50:groups=0': groups must be a whole number from 1 to 1024, got 0/],
    ['resnet50:base_width=1,width_per_group=1', /bottleneck width of layer1 comes out 0 .*raise width_per_group or base_width/],
  ];
  for (const [spec, message] of cases) {
    assert.throws(
      () => resolveSpec(spec),
      (e: unknown) => e instanceof InputError && message.test(e.message),
      spec,
    );
  }
});

test('compareCommand: bad input fails before any network is built, with the accepted values', async () => {
  await assert.rejects(compareCommand([]), (e: unknown) => e instanceof UsageError && /compare needs configurations/.test(e.message));
  await assert.rejects(compareCommand(['resnet50', '--format', 'xml']), /--format 'xml' is not supported; accepted: table, markdown, csv, json/);
  await assert.rejects(compareCommand(['--sweep', '--groups', '4']), /fixed configurations/);
  await assert.rejects(
    compareCommand(['resnet50', 'resnext50_32x4d', '--equivalence', 'layer5.0']),
    (e: unknown) =>
      e instanceof ConfigError && /resnet50 has no block 'layer5\.0'; valid blocks: layer1\.0, layer1\.1, layer1\.2, layer2\.0, .*layer4\.2$/.test(e.message),
  );
  await assert.rejects(compareCommand(['resnet50', '--equivalence', 'layer1.0', '--format', 'csv']), /--equivalence does not fit the CSV rows/);
  await assert.rejects(compareCommand(['nosuchnet']), /unknown preset 'nosuchnet'/);
});

test('compareCommand --resnet-vs-resnext --format markdown --out writes the review report', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resnext-compare-'));
  const file = path.join(dir, 'compare.md');
  await withoutStderr(() => compareCommand(['--resnet-vs-resnext', '--format', 'markdown', '--out', file]));
  const md = fs.readFileSync(file, 'utf8');
  assert.match(md, /^## ResNet-50 vs ResNeXt-50 32x4d/);
  assert.match(md, /\| resnext50_32x4d \| 25,028,904 \| -528,128 \(-2\.07%\) \| 4,230,479,872 \| \+141,295,616 \(\+3\.46%\) \|/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('measured on both engines (compare --both-engines): each configuration timed on onnxruntime and on wasm, side by side in the view, the report and the JSON', async () => {
  const entries = ['resnext50_32x4d', 'resnet50'].map((p) => resolveSpec(`${p}:layers=1,1,1,1,input=64x64`, {}));
  const comparison = await compare(entries);
  const measured = await measureComparison(entries, SIDE_BY_SIDE_ENGINES, { runs: 2 });
  assert.deepEqual(
    measured.map((m) => m.times.map((t) => [t.engine?.name, t.model])),
    SIDE_BY_SIDE_ENGINES.map((e) => entries.map((x) => [e, x.model])),
    'each engine timed every configuration, in order',
  );
  const times = { onnxruntime: measured[0]!.times, wasm: measured[1]!.times };
  const rows = sideBySideRows(comparison.models, times);
  rows.forEach((r, i) => {
    const [ort, wasm] = [times.onnxruntime[i]!, times.wasm[i]!];
    assert.ok(ort.totalMs > 0 && wasm.totalMs > 0);
    assert.equal(r[0], entries[i]!.model);
    assert.equal(r[6], `${(wasm.totalMs / ort.totalMs).toFixed(2)}×`, 'the ratio is of the two engines’ own medians');
  });
  // The view: before, the link that measures both (the same command with argument 'both'); after, the table.
  const page = (engineTimes?: EngineTimes): string =>
    compareHtml({ cspSource: 'c', styleUri: 's', title: 'T', comparison, times: times.onnxruntime, ...(engineTimes && { engineTimes }) });
  assert.match(page(), /href="command:resnext\.measureForwardTime\?%5B%22both%22%5D"[^>]*>Measure on both engines</);
  assert.doesNotMatch(page(), /<table id="engine-times">/);
  const html = page(times);
  assert.match(html, /<table id="engine-times">/);
  for (const r of rows) assert.ok(html.includes(`<td class="num">${r[6]}</td>`), `the view shows ${r[0]}'s ratio`);
  assert.match(html, /onnxruntime-node [\d.]+, \d threads?; tfjs-backend-wasm [\d.]+, \d threads?/);
  const report = withMeasuredTimes('# T\n', comparison.models, times.onnxruntime, times);
  assert.match(report, /### Both engines\n\n\| Model \| MACs \| onnxruntime \(ms\) \| GMAC\/s \| wasm \(ms\) \| GMAC\/s \| wasm ÷ onnxruntime \|/);
  // Only measured where asked: the side-by-side cells of a model not measured read "—".
  assert.deepEqual(sideBySideRows(comparison.models, { onnxruntime: [times.onnxruntime[0]], wasm: [] })[0]!.slice(4), ['—', '—', '—']);
});

test('compare --measure --both-engines --format json names both engines; --measure with CSV is refused', async () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'compare-measure-')), 'c.json');
  await withoutStderr(() => compareCommand(['resnext50_32x4d:layers=1,1,1,1,input=64x64', '--both-engines', '--format', 'json', '--out', out]));
  const json = JSON.parse(fs.readFileSync(out, 'utf8')) as Comparison;
  assert.ok(v.is(ComparisonSchema, json));
  assert.deepEqual(
    json.measured!.map((m) => m.engine.name),
    ['onnxruntime', 'wasm'],
  );
  assert.ok(json.measured!.every((m) => m.models.length === 1 && m.models[0]!.totalMs > 0 && m.models[0]!.runs === VIEW_PROFILE_RUNS));
  await assert.rejects(() => compareCommand(['resnet50', '--measure', '--format', 'csv']), /--measure does not fit the CSV rows/);
});
