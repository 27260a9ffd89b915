import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { classificationCsp, classificationHtml, imageMimeType } from '../../src/extension/classificationHtml';
import type { ClassificationData } from '../../src/shared/protocol';
import { fixture } from '../helpers';

const result: ClassificationData = {
  image: '/photos/<img src=x onerror=alert(1)>.jpg',
  model: 'resnext50_32x4d',
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
  const html = classificationHtml({ cspSource: 'https://x.vscode-cdn.net', styleUri: 'https://x.vscode-cdn.net/dist/classification.css', imageDataUri: 'data:image/jpeg;base64,AAAA', result });
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
  assert.equal(imageMimeType(new TextEncoder().encode('hello')), undefined);
});
