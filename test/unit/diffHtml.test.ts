/** The Compare Checkpoints and Check Against Architecture pages (src/extension/diffHtml.ts) on the PyTorch-made fixtures. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { checkHtml, diffHtml, moduleChart, summarizeNames } from '../../src/extension/diffHtml';
import { diffCheckpoints } from '../../src/model/weights/diff';
import { checkCheckpoint } from '../../src/model/weights/check';
import { resolveConfig } from '../../src/model/architecture';
import { FIXTURES } from '../helpers';

const DIR = join(FIXTURES, 'diff');
const TINY = resolveConfig(undefined, { layers: [1, 1, 1, 1], groups: 4, widthPerGroup: 16, baseWidth: 8, numClasses: 10 }).config;
const page = { cspSource: 'vscode-resource:', styleUris: ['a.css', 'b.css'], scriptUri: 's.js', nonce: 'AAAAAAAAAAAAAAAAAAAAAA==' };

test('diff page: frozen modules are drawn as unchanged, changed ones as bars; every key in the sortable table; no inline script', () => {
  const diff = diffCheckpoints(join(DIR, 'base.pth'), join(DIR, 'finetune_eval.pth'));
  const html = diffHtml({ ...page, diff });
  const frozen = diff.modules.filter((m) => m.status === 'same');
  assert.equal((html.match(/class="frozen"/g) ?? []).length, frozen.length);
  assert.equal((html.match(/fill="#3794ff"><title>/g) ?? []).length, diff.modules.length - frozen.length);
  assert.match(html, /<title>conv1: unchanged \(frozen\)<\/title>/);
  assert.match(html, /<title>layer4\.0\.conv2: changed, ‖B−A‖\/‖A‖ = /);
  assert.match(html, new RegExp(`id="frozen">${frozen.length} / ${diff.modules.length}<`));
  assert.equal((html.match(/<tr data-row=/g) ?? []).length, diff.tensors.length);
  assert.match(html, /data-export="csv"/);
  assert.doesNotMatch(html, /<script>(?!<)|onclick|style="/);
  assert.match(summarizeNames(frozen.map((m) => m.name)), /layer1\.\* \(\d+ modules\)/);
});

test('diff page: reshaped keys listed and marked; key names escaped', () => {
  const diff = diffCheckpoints(join(DIR, 'base.pth'), join(DIR, 'classes5.pth'));
  const html = diffHtml({ ...page, diff: { ...diff, tensors: [...diff.tensors, { ...diff.tensors[0]!, key: '<img src=x>' }] } });
  assert.match(html, /<span class="status reshaped">reshaped<\/span> <code>fc\.weight<\/code> \[10, 256\] → \[5, 256\]/);
  assert.doesNotMatch(html, /<img src=x>/);
  assert.match(moduleChart(diff.modules), /<path d="M[^"]+" fill="#d18616"><title>fc: reshaped<\/title>/);
});

test('check page: the hints with their actions as command links', () => {
  const check = checkCheckpoint(join(DIR, 'dataparallel.pth'), TINY);
  const html = checkHtml({ ...page, check, action: (h) => [{ uri: `command:x?${h.kind}`, label: `do ${h.kind}` }] });
  assert.match(html, /✗ load_state_dict\(strict=True\) would fail/);
  assert.match(html, /<a class="action" href="command:x\?strip-prefix">do strip-prefix<\/a>/);
  assert.match(html, /Missing keys \(87\)/);
  assert.doesNotMatch(html, /<script/);
});
