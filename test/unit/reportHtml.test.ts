import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { equivalenceSample, ROOT } from '../helpers';
import { compareCsp, compareHtml, stageChart } from '../../src/extension/compareHtml';
import { equivalenceCsp, equivalenceHtml } from '../../src/extension/equivalenceHtml';
import { formatAbsDiff } from '../../src/shared/format';
import { withMeasuredTimes } from '../../src/model/report/compare';
import { layerRows, stageRows, totals } from '../../src/model/accounting';
import { architecture } from '../../src/model/architecture';
import { presetConfig, type PresetName } from '../../src/model/config';
import { staticTrace } from '../../src/model/shapes';
import { summaryConfig } from '../../src/model/summarize';
import type { ComparedModelData, ComparisonData } from '../../src/shared/protocol';

/** A compared model from the static trace (the same figures a traced summary has). */
function compared(name: PresetName, model: string = name): ComparedModelData {
  const config = presetConfig(name);
  const arch = architecture(config);
  const calls = staticTrace(arch);
  const rows = layerRows(arch, calls);
  return { model, config: summaryConfig(config), totals: totals(rows, calls, [1, 3, 224, 224]), stages: stageRows(rows) };
}

const comparison: ComparisonData = {
  schema: 'resnext-inspector/compare@1',
  models: [compared('resnet50'), compared('resnext50_32x4d', 'resnext50 <b>"x"</b>')],
};
const CSP_SOURCE = 'https://x.vscode-cdn.net';

test('compare view: static page, escaped names, totals with Δ against the first, SVG charts', () => {
  assert.equal(compareCsp(CSP_SOURCE), "default-src 'none'; style-src https://x.vscode-cdn.net; img-src data:");
  const html = compareHtml({
    cspSource: CSP_SOURCE,
    styleUri: `${CSP_SOURCE}/dist/report.css`,
    title: 'ResNet-50 vs <ResNeXt>',
    description: 'a & b',
    comparison,
  });
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /style="/);
  assert.doesNotMatch(html, /\son[a-z]+=/i, 'no event handler attributes');
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src https:\/\/x\.vscode-cdn\.net; img-src data:">/);
  assert.match(html, /<h1 id="title">ResNet-50 vs &lt;ResNeXt&gt;<\/h1>/);
  assert.match(html, /a &amp; b/);
  assert.match(html, /resnext50 &lt;b&gt;&quot;x&quot;&lt;\/b&gt;/);
  assert.doesNotMatch(html, /<b>"x"<\/b>/);
  // Totals: 25,557,032 → 25,028,904 params (−528,128, −2.07%); 4,089,184,256 → 4,230,479,872 MACs (+141,295,616, +3.46%).
  assert.match(html, /<table id="totals">/);
  assert.match(html, /25,557,032/);
  assert.match(html, /25,028,904<\/td><td class="num delta down">-528,128<\/td><td class="num delta down">-2\.07%<\/td>/);
  assert.match(html, /4,230,479,872<\/td><td class="num delta up">\+141,295,616<\/td><td class="num delta up">\+3\.46%<\/td>/);
  assert.match(html, /<table id="configurations">/);
  assert.match(html, /<table id="stages">/);
  for (const stage of ['stem', 'layer1', 'layer2', 'layer3', 'layer4', 'head']) assert.match(html, new RegExp(`<td>${stage}</td>`));
  assert.match(html, /<svg id="params-chart" class="chart" role="img"/);
  assert.match(html, /<svg id="macs-chart" class="chart" role="img"/);
  // Six stages × two models; the grouped model's layer1..4 also get a dense bar behind theirs.
  assert.equal((html.match(/<rect class="bar series-/g) ?? []).length, 2 * 12);
  assert.equal((html.match(/<rect class="bar dense series-1/g) ?? []).length, 2 * 4);
  assert.equal((html.match(/<rect class="bar dense series-0/g) ?? []).length, 0);
  assert.match(html, /href="command:resnext\.exportReviewReport"/);
});

test('compare view: chart bars scale to the largest value and stay inside the chart', () => {
  const svg = stageChart(comparison.models, 'macs', 'm');
  const width = Number(/width="(\d+)"/.exec(svg)![1]);
  const bars = [...svg.matchAll(/<rect class="bar[^"]*" x="(\d+)" y="[\d.]+" width="([\d.]+)"/g)].map((m) => Number(m[1]) + Number(m[2]));
  assert.ok(bars.length > 0);
  assert.ok(Math.max(...bars) <= width);
  assert.ok(bars.every((x) => Number.isFinite(x)));
});

test("compare view: the Δ cells are the core report's (one formatter, src/shared) with the direction beyond colour", () => {
  const html = compareHtml({ cspSource: CSP_SOURCE, styleUri: 's', title: 'T', comparison });
  assert.match(html, /<td class="num delta down">-528,128<\/td><td class="num delta down">-2\.07%<\/td>/);
  assert.match(html, /▲ more, ▼ less/);
  const css = fs.readFileSync(path.join(ROOT, 'webview', 'report.css'), 'utf8');
  assert.match(css, /\.delta\.up::before\s*\{\s*content:\s*'▲/);
  assert.match(css, /\.delta\.down::before\s*\{\s*content:\s*'▼/);
});

test('compare view: output shapes do not wrap, tables sit in scroll boxes, the charts fold away', () => {
  const html = compareHtml({ cspSource: CSP_SOURCE, styleUri: 's', title: 'T', comparison });
  assert.match(html, /<td class="shape">\[1, 256, 56, 56\]<\/td>/);
  for (const id of ['configurations', 'totals', 'stages']) assert.match(html, new RegExp(`<div class="table-wrap"><table id="${id}">`));
  assert.match(html, /<details id="stage-charts" open>\n<summary>Charts: parameters and multiply-adds per stage<\/summary>/);
  assert.ok(html.indexOf('<table id="stages">') < html.indexOf('<details id="stage-charts"'), 'the per-stage table comes before the charts');
  const css = fs.readFileSync(path.join(ROOT, 'webview', 'report.css'), 'utf8');
  assert.match(css, /td\.shape\s*\{[^}]*white-space:\s*nowrap/);
});

const equivalence = equivalenceSample();

test('equivalence view: static page, the three forms drawn and the measured numbers', () => {
  assert.equal(equivalenceCsp(CSP_SOURCE), "default-src 'none'; style-src https://x.vscode-cdn.net; img-src data:");
  const html = equivalenceHtml({ cspSource: CSP_SOURCE, styleUri: `${CSP_SOURCE}/dist/report.css`, result: equivalence });
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /style="/);
  assert.doesNotMatch(html, /\son[a-z]+=/i);
  assert.match(html, /<h1 id="title">resnext50_32x4d &lt;i&gt; layer2\.0: split-transform-merge<\/h1>/);
  for (const form of ['a', 'b', 'c']) assert.match(html, new RegExp(`<svg id="diagram-${form}" class="diagram" role="img"`));
  assert.match(html, /\(a\) 32 paths 1x1→3x3→1x1, summed/);
  assert.match(html, /\(b\) 32 paths 1x1→3x3, concatenated, one 1x1/);
  assert.match(html, /\(c\) one grouped 3x3 \(groups=32\)/);
  assert.match(html, /<table id="forms">/);
  assert.match(html, /<td class="num">1\.91e-6<\/td><td class="num">1\.20e-7<\/td>/);
  assert.match(html, /<td class="num">9\.54e-7<\/td><td class="num">6\.10e-8<\/td>/);
  assert.equal((html.match(/<td class="num">372,244,480<\/td>/g) ?? []).length, 3);
  assert.match(html, /<td class="num">97<\/td>/);
  assert.match(html, /<td class="num">4<\/td>/);
  assert.equal((html.match(/<td>\[1, 512, 28, 28\]<\/td>/g) ?? []).length, 3);
  assert.match(html, /class="verdict ok"[^>]*>Equivalent: max \|Δ\| 1\.91e-6 ≤ 1e-4/);
  assert.match(html, /Multiply-adds are equal in all three forms/);
  const bad = equivalenceHtml({
    cspSource: 'c',
    styleUri: 's',
    result: { ...equivalence, equivalent: false, maxAbsDiff: { aVsC: 0.5, bVsC: 0 }, cardinality: 1, pathWidth: 64 },
  });
  assert.match(bad, /class="verdict bad"[^>]*>NOT equivalent/);
  assert.match(bad, /\(a\) 1 path 1x1/);
  assert.equal(formatAbsDiff(0), '0');
});

test('compare view: measured forward times next to the MACs, "—"/not measured until then, the Measure time link', async () => {
  const { statedProfile } = await import('../profileData');
  const before = compareHtml({ cspSource: CSP_SOURCE, styleUri: 's', title: 'T', comparison });
  assert.match(before, /<p class="note" id="times-note">Not measured yet: <a class="button" id="measure-time" href="command:resnext\.measureForwardTime"/);
  assert.doesNotMatch(before, /<table id="times">/);
  const resnet = { ...statedProfile('resnet50'), totalMs: 400 };
  const resnext = { ...statedProfile('resnext50_32x4d'), totalMs: 500 };
  // Partly measured (the first configuration only, while the second is being measured).
  const partial = compareHtml({ cspSource: CSP_SOURCE, styleUri: 's', title: 'T', comparison, times: [resnet, undefined] });
  assert.match(partial, /<table id="times">/);
  assert.match(partial, /<th scope="row">resnet50<\/th><td class="num">4\.09 G<\/td><td class="num time">400\.0 ms<\/td><td class="num ref">—<\/td>/);
  assert.match(partial, /resnext50 &lt;b&gt;&quot;x&quot;&lt;\/b&gt;<\/th><td class="num">4\.23 G<\/td><td class="num ref" colspan="5">not measured<\/td>/);
  const html = compareHtml({ cspSource: CSP_SOURCE, styleUri: 's', title: 'T', comparison, times: [resnet, resnext] });
  // 4,230,479,872 MACs in 500 ms: 8.46 GMAC/s; +25.00% against resnet50's 400 ms; resnext50's grouped convs' shares.
  const g = resnext.convs.grouped;
  assert.match(
    html,
    new RegExp(
      `<td class="num time">500\\.0 ms</td><td class="num delta up">\\+25\\.00%</td><td class="num">8\\.46</td><td class="num" title="grouped convs: [^"]+">${Math.round(100 * g.macsShare)}% / ${Math.round(100 * g.timeShare)}%</td><td class="num">2</td>`,
    ),
  );
  // resnet50 has no grouped conv.
  assert.match(html, /<td class="num">10\.2<\/td><td class="num" title="no grouped convolution; dense convs: [^"]+">—<\/td>/);
  assert.match(html, /Median of 3 warm forward passes each/);
  assert.match(html, /id="measure-time" href="command:resnext\.measureForwardTime"[^>]*>Measure again<\/a>/);
  assert.doesNotMatch(html, /<script/i);
  // The exported review report carries the same measured times as its own section (and nothing when none were).
  const report = '## T\n\nintro\n';
  assert.equal(withMeasuredTimes(report, comparison.models, undefined), report);
  assert.equal(withMeasuredTimes(report, comparison.models, [undefined, undefined]), report);
  const withTimes = withMeasuredTimes(report, comparison.models, [resnet, resnext]);
  assert.match(withTimes, /^## T\n\nintro\n\n### Measured forward time\n\n\| Model \| MACs \| Forward \(ms\) \| Δ% \| GMAC\/s \|/);
  assert.match(withTimes, /\| resnet50 \| 4\.09 G \| 400\.0 ms \| — \| 10\.2 \| — \| 2 \|/);
  assert.match(withTimes, /\| 4\.23 G \| 500\.0 ms \| \+25\.00% \| 8\.46 \| \d+% \/ \d+% \| 2 \|/);
  assert.match(withTimes, /_Median of 3 warm forward passes each/);
});
