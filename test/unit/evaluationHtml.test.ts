/** The evaluation view's HTML and messages: CSP, escaping of names from the folder, heat map, sortable files. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { confusionSvg, evaluationCsp, evaluationHtml, MAX_HEATMAP_CLASSES } from '../../src/extension/evaluationHtml';
import { isEvaluationData, isEvaluationViewMessage, isWorkerRequest, type EvaluationData } from '../../src/shared/protocol';

const png = 'data:image/png;base64,iVBORw0KGgo=';
const data: EvaluationData = {
  folder: '/data/<pets>',
  model: 'resnext50_32x4d(layers=1,1,1,1 groups=4 width_per_group=8 num_classes=10)',
  title: 'Custom ResNeXt 1-1-1-1, 4×8d, 10 classes',
  weights: '/w/tiny.pth',
  workers: 2,
  elapsedMs: 1500,
  imagesPerSecond: 8.5,
  count: 3,
  top1: 2 / 3,
  top5: 1,
  classes: ['cat', 'dog<script>'],
  labels: ['class 0', 'class 1', 'class 2'],
  perClass: [
    { class: 'cat', index: 0, count: 2, correct: 1, accuracy: 0.5, top5: 1 },
    { class: 'dog<script>', index: 1, count: 1, correct: 1, accuracy: 1, top5: 1 },
  ],
  confusion: [
    [1, 1],
    [0, 1],
  ],
  files: [
    { path: 'cat/a.png', label: 0, top: [0, 1, 2], probs: [0.7, 0.2, 0.1], ms: 12, thumbnail: png },
    { path: 'cat/"b".png', label: 0, top: [1, 0, 2], probs: [0.6, 0.3, 0.1], ms: 30 },
    { path: 'dog<script>/c.png', label: 1, top: [1, 0, 2], probs: [0.9, 0.05, 0.05], ms: 8, thumbnail: png },
  ],
  failed: [{ path: 'dog<script>/broken.png', reason: 'PNG file is truncated or corrupt' }],
  exports: { json: '{}', csv: 'a,b', predictions: 'p' },
};

test('evaluation view: CSP with one nonce script, every folder-supplied name escaped, summary numbers', () => {
  const nonce = 'BBBBBBBBBBBBBBBBBBBBBB==';
  assert.equal(evaluationCsp('https://x', nonce), `default-src 'none'; style-src https://x; img-src data:; script-src 'nonce-${nonce}'`);
  const html = evaluationHtml({ cspSource: 'https://x', styleUri: 's.css', scriptUri: 'https://x/dist/evaluationView.js', nonce, data });
  assert.equal((html.match(/<script/g) ?? []).length, 1);
  assert.doesNotMatch(html, /dog<script>/);
  assert.doesNotMatch(html, /style="/);
  assert.match(html, /<h1 id="title">&lt;pets&gt;<\/h1>/);
  assert.match(html, /<div class="value" id="top1">66\.67%<\/div>/);
  assert.match(html, /<div class="value" id="top5">100\.00%<\/div>/);
  // The counts behind the percentages: 2 of the 3 labelled images right at top-1, all 3 at top-5.
  assert.match(html, /<div class="caption">top-1 <span class="hits">2\/3<\/span><\/div>/);
  assert.match(html, /<div class="caption">top-5 <span class="hits">3\/3<\/span><\/div>/);
  // The model named honestly, with the exact configuration under it.
  assert.match(
    html,
    /<dt>Model<\/dt><dd><span class="model-title">Custom ResNeXt 1-1-1-1, 4×8d, 10 classes<\/span><br><span class="model-name">resnext50_32x4d\(layers=1,1,1,1/,
  );
  assert.match(html, /<div class="value" id="failed-count">1<\/div>/);
  assert.match(html, /images\/s \(2 workers, 1\.5 s\)/);
  assert.match(html, /<code>dog&lt;script&gt;\/broken\.png<\/code>: PNG file is truncated/);
  assert.equal((html.match(/<tr data-row=/g) ?? []).length, 3);
  assert.match(html, /data-path="cat\/&quot;b&quot;\.png"/);
  assert.equal((html.match(/<img src="data:image\/png;base64,/g) ?? []).length, 2);
  for (const key of ['path', 'truth', 'predicted', 'probability', 'correct', 'ms']) assert.match(html, new RegExp(`<button type="button" data-sort="${key}"`));
  for (const format of ['json', 'csv', 'predictions']) assert.match(html, new RegExp(`data-export="${format}"`));
  assert.match(html, /✗ wrong/);
  // Unnamed classes are not repeated as "class 1 (1)"; named ones keep their index.
  assert.match(html, /<td>class 1<\/td>/);
  assert.doesNotMatch(html, /class 1 <span class="index">/);
  const named = evaluationHtml({ cspSource: 'c', styleUri: 's', scriptUri: 'u', nonce, data: { ...data, labels: ['tabby', 'beagle', 'fox'] } });
  assert.match(named, /<td>beagle <span class="index">\(1\)<\/span><\/td>/);
  assert.equal((html.match(/✓ right/g) ?? []).length, 2);
});

test('confusion heat map: one rect per cell, viridis by share of the row, counts as text; too many classes → a note', () => {
  const svg = confusionSvg(data.classes, data.confusion);
  assert.equal((svg.match(/<rect /g) ?? []).length, 4);
  assert.match(svg, /fill="#fde725"><title>dog&lt;script&gt; → dog&lt;script&gt;: 1 \(100% of dog&lt;script&gt;\)<\/title>/);
  assert.match(svg, /fill="#440154"><title>dog&lt;script&gt; → cat: 0 \(0% of dog&lt;script&gt;\)/);
  assert.match(svg, /role="img"/);
  const many = Array.from({ length: MAX_HEATMAP_CLASSES + 1 }, (_, i) => `c${i}`);
  assert.match(
    confusionSvg(
      many,
      many.map(() => many.map(() => 0)),
    ),
    /41 classes: the confusion matrix is in the JSON export/,
  );
  assert.equal(confusionSvg([], []), '');
});

test('evaluation messages and data are validated: exact keys, known formats, PNG data: thumbnails only', () => {
  assert.ok(isEvaluationData(data));
  assert.ok(!isEvaluationData({ ...data, files: [{ ...data.files[0]!, thumbnail: 'javascript:alert(1)' }] }));
  assert.ok(!isEvaluationData({ ...data, top1: 1.5 }));
  assert.ok(isEvaluationViewMessage({ type: 'export', format: 'predictions' }));
  assert.ok(!isEvaluationViewMessage({ type: 'export', format: 'xml' }));
  assert.ok(!isEvaluationViewMessage({ type: 'export', format: 'json', extra: 1 }));
  assert.ok(isEvaluationViewMessage({ type: 'showCam', path: 'cat/a.png' }));
  assert.ok(!isEvaluationViewMessage({ type: 'showCam', path: '' }));
  const request = { type: 'evaluateFolder', id: 1, folder: '/d', weights: '/w.pth', topK: 5, cacheDir: '/c', baseUrl: 'https://x' };
  assert.ok(isWorkerRequest(request));
  assert.ok(isWorkerRequest({ ...request, workers: 2 }));
  assert.ok(!isWorkerRequest({ ...request, workers: 0 }));
  assert.ok(!isWorkerRequest({ ...request, folder: '' }));
  assert.ok(isWorkerRequest({ type: 'classify', id: 2, imagePath: '/i.png', weights: '/w', topK: 5, cacheDir: '/c', baseUrl: '', cam: true }));
});

test("confusion heat map: the last column's rotated label has room to the right (it was cut as 'n09_bra…')", () => {
  const classes = ['n02085620_chihuahua', 'n02110185_husky', 'n09256479_brain_coral'];
  const svg = confusionSvg(classes, [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ]);
  const width = Number(/viewBox="0 0 (\d+) /.exec(svg)![1]);
  const last = /<text transform="translate\(([\d.]+) [\d.]+\) rotate\(-60\)" class="col">([^<]*)/g;
  let m: RegExpExecArray | null;
  let x = 0;
  let text = '';
  while ((m = last.exec(svg)) !== null) [x, text] = [Number(m[1]), m[2]!];
  // At 11px a character takes about 7px; rotated by -60° the label leans right by half its length.
  assert.ok(x + (7 * text.length) / 2 <= width, `label '${text}' at x=${x} runs past the width ${width}`);
  // Long names are shortened in the picture and whole in the tooltip.
  assert.match(svg, /n09256479_brain_c…<title>n09256479_brain_coral<\/title>/);
});
