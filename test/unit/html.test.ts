import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { contentSecurityPolicy, escapeHtml, makeNonce, webviewHtml } from '../../src/extension/webviewHtml';

const CSP_SOURCE = 'https://*.vscode-cdn.net';
const options = (nonce: string, state: unknown = { summary: { model: 'resnext50_32x4d' } }) => ({
  cspSource: CSP_SOURCE,
  nonce,
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js',
  styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.css',
  title: 'Summary: resnext50_32x4d',
  state,
});

function cspOf(html: string): string {
  const match = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  assert.ok(match, 'the page has a CSP meta tag');
  return match[1]!.replace(/&#39;/g, "'");
}

test('nonces are fresh, 128-bit, base64', () => {
  const nonces = new Set(Array.from({ length: 100 }, makeNonce));
  assert.equal(nonces.size, 100);
  for (const n of nonces) assert.equal(Buffer.from(n, 'base64').length, 16);
});

test('the CSP allows nothing by default, scripts only by nonce, styles/fonts/images only from cspSource', () => {
  const nonce = makeNonce();
  const html = webviewHtml(options(nonce));
  const csp = cspOf(html);
  assert.equal(
    csp,
    `default-src 'none'; style-src https://*.vscode-cdn.net; font-src https://*.vscode-cdn.net; img-src https://*.vscode-cdn.net data:; script-src 'nonce-${nonce}'`,
  );
  assert.equal(contentSecurityPolicy(CSP_SOURCE, nonce), csp, 'the page carries the policy the builder makes');
  const directives = new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .map(([name, ...values]) => [name!, values]),
  );
  assert.deepEqual(directives.get('default-src'), ["'none'"]);
  assert.deepEqual(directives.get('script-src'), [`'nonce-${nonce}'`]);
  assert.deepEqual(directives.get('style-src'), [CSP_SOURCE]);
  assert.deepEqual(directives.get('font-src'), [CSP_SOURCE]);
  assert.deepEqual(directives.get('img-src'), [CSP_SOURCE, 'data:']);
  assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'), csp);
  assert.ok(!html.includes('unsafe-inline'));
});

test('every script carries the nonce and there is no inline script or style', () => {
  const nonce = makeNonce();
  const html = webviewHtml(options(nonce));
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.equal(scripts.length, 1);
  for (const [, attrs, body] of scripts) {
    assert.ok(attrs!.includes(`nonce="${nonce}"`));
    assert.ok(/\ssrc="[^"]+webview\.js"/.test(attrs!));
    assert.equal(body!.trim(), '', 'no inline script body');
  }
  assert.ok(!/<style\b/.test(html), 'no inline <style>');
  assert.ok(!/\sstyle="/.test(html), 'no style attributes');
  assert.ok(!/\son[a-z]+="/.test(html), 'no inline event handlers');
});

test('the initial state is JSON in an escaped data- attribute, safe against markup in names', () => {
  const hostile = { summary: { model: '</script><script>alert(1)</script>"\' onload="x' }, filter: '&amp;' };
  const html = webviewHtml(options(makeNonce(), hostile));
  const match = /<body data-state="([^"]*)">/.exec(html);
  assert.ok(match, 'state attribute present and not broken out of');
  assert.ok(!match[1]!.includes('<') && !match[1]!.includes('>') && !match[1]!.includes("'"));
  const decoded = match[1]!
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
  assert.deepEqual(JSON.parse(decoded), hostile);
  assert.equal((html.match(/<script\b/g) ?? []).length, 1);
});

test('escapeHtml escapes the five HTML specials', () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});

test('a weak or malformed nonce is refused', () => {
  assert.throws(() => webviewHtml(options('abc')));
  assert.throws(() => webviewHtml(options('"><script>alert(1)</script>')));
});
