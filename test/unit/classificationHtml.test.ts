import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { classificationCsp, classificationHtml, imageMimeType } from '../../src/extension/classificationHtml';
import type { ClassificationData } from '../../src/shared/protocol';
import { fixture } from '../helpers';

const result: ClassificationData = {
  image: '/photos/<img src=x onerror=alert(1)>.jpg',
  model: 'resnext50_32x4d',
  title: 'ResNeXt-50 32x4d',
  weights: '/w/resnext50_32x4d-7cdf4587.pth',
  top: [
    { index: 285, label: 'Egyptian cat', probability: 0.62 },
    { index: 281, label: 'tabby, tabby cat', probability: 0.2 },
    { index: 7, label: 'a "quoted" <b>label</b>', probability: 0.01 },
  ],
  widthPx: 451,
  heightPx: 300,
  mode: 'RGB',
  preprocessing: { resizePx: 256, cropPx: 224 },
  timingsMs: { load: 0, decode: 7, preprocess: 3, forward: 380 },
};

test('classification view: no script, images only as data:, styles only from the webview origin', () => {
  assert.equal(classificationCsp('https://x.vscode-cdn.net'), "default-src 'none'; style-src https://x.vscode-cdn.net; img-src data:");
  const html = classificationHtml({
    cspSource: 'https://x.vscode-cdn.net',
    styleUri: 'https://x.vscode-cdn.net/dist/classification.css',
    imageDataUri: 'data:image/jpeg;base64,AAAA',
    result,
  });
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /style="/);
  assert.match(html, /<h1 id="title">&lt;img src=x onerror=alert\(1\)&gt;\.jpg<\/h1>/);
  assert.match(html, /a &quot;quoted&quot; &lt;b&gt;label&lt;\/b&gt;/);
  assert.equal((html.match(/<meter /g) ?? []).length, 3);
  assert.match(html, /<meter min="0" max="1" value="0\.62"/);
  assert.match(html, /<td class="num">62\.00%<\/td>/);
  assert.match(html, /resize the shorter side to 256 .* center crop 224/);
  assert.match(html, /weights already loaded · decode 7 ms · preprocess 3 ms · forward 380 ms/);
  assert.match(html, /<img src="data:image\/jpeg;base64,AAAA"/);
  assert.match(classificationHtml({ cspSource: 'c', styleUri: 's', result }), /too large to show here/);
});

test('image MIME type from the content, not the name', () => {
  assert.equal(imageMimeType(fixture('chelsea.jpg')), 'image/jpeg');
  assert.equal(imageMimeType(fixture('chelsea.png')), 'image/png');
  assert.equal(imageMimeType(fixture('images/gif/pillow-rgb.gif')), 'image/gif');
  assert.equal(imageMimeType(new TextEncoder().encode('hello')), undefined);
});

test('a network without labels: no Index column repeating "class N"; Pillow modes in words', async () => {
  const { describeMode } = await import('../../src/extension/classificationHtml');
  const unlabelled: ClassificationData = {
    ...result,
    mode: 'L',
    top: [
      { index: 7, label: 'class 7', probability: 0.5 },
      { index: 2, label: 'class 2', probability: 0.3 },
    ],
  };
  const html = classificationHtml({ cspSource: 'c', styleUri: 's', result: unlabelled });
  assert.doesNotMatch(html, /class="num index"/);
  assert.doesNotMatch(html, /<th class="num">Index<\/th>/);
  assert.equal((html.match(/class 7/g) ?? []).length, 2, "the label and the meter's aria-label, no third copy");
  assert.match(html, /<figcaption>451×300 grayscale<\/figcaption>/);
  // With labels the index stays.
  assert.match(classificationHtml({ cspSource: 'c', styleUri: 's', result }), /<td class="num index">class 285<\/td>/);
  assert.equal(describeMode('RGBA'), 'RGBA');
  assert.equal(describeMode('P'), 'palette colour');
  assert.equal(describeMode('1'), 'black and white (1-bit)');
  assert.equal(describeMode('I;16'), 'grayscale (16-bit)');
  assert.equal(describeMode('CMYK'), 'CMYK');
  assert.equal(describeMode('XYZ'), 'XYZ');
});

test('class activation maps: one toggle per top class plus none, an opacity slider, one script with a nonce', () => {
  const png = 'data:image/png;base64,iVBORw0KGgo=';
  const withCam: ClassificationData = {
    ...result,
    cam: { crop: png, maps: result.top.map((t) => ({ class: t.index, heatmap: png, min: -1.5, max: 2.25 })) },
  };
  const nonce = 'AAAAAAAAAAAAAAAAAAAAAA==';
  const html = classificationHtml({
    cspSource: 'https://x',
    styleUri: 's',
    imageDataUri: png,
    result: withCam,
    script: { uri: 'https://x/dist/classificationView.js', nonce },
  });
  assert.match(html, new RegExp(`script-src &#39;nonce-${nonce}&#39;`));
  assert.equal((html.match(/<script /g) ?? []).length, 1);
  assert.match(html, new RegExp(`<script nonce="${nonce}" src="https://x/dist/classificationView.js"></script>`));
  assert.doesNotMatch(html, /style="/);
  assert.equal((html.match(/<input type="radio" name="cam"/g) ?? []).length, 4);
  assert.match(html, /<input type="range" id="cam-opacity" min="0" max="100"/);
  assert.equal((html.match(/<img class="heat"/g) ?? []).length, 3);
  assert.equal((html.match(/<img class="heat"[^>]* hidden>/g) ?? []).length, 2, 'only the top-1 map is shown at first');
  assert.match(html, /a &quot;quoted&quot; &lt;b&gt;label&lt;\/b&gt; <span class="range">\(raw -1\.50 … 2\.25\)/);
  // Without maps in the result, no script even if one is offered.
  assert.doesNotMatch(classificationHtml({ cspSource: 'c', styleUri: 's', result, script: { uri: 'u', nonce } }), /<script|script-src/);
});
