/** `resnext classify` end to end (built CLI) against PyTorch's logits, plus the download path and bad input. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { softmax, topK, parseLabels } from '../../src/model/classify';
import { defaultResizePx, parseWeightsSpec } from '../../src/model/weights/resolve';
import { fixture, FIXTURES, maxAbsDiff, ROOT, tinyReference, ENGINES, engineSkip } from '../helpers';

const CLI = path.join(ROOT, 'dist', 'cli.js');
const run = (args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string } => {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
/** For tests that serve files from this process: spawnSync would block the server's event loop. */
function runAsync(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
const order = (logits: readonly number[]): number[] => [...logits.keys()].sort((a, b) => logits[b]! - logits[a]!);

for (const engine of ENGINES)
  test(
    `classify chelsea.jpg with tiny.pth (architecture inferred) on ${engine}: logits within 5e-3 of PyTorch, same top-5 order`,
    { skip: engineSkip(engine) },
    () => {
      const expected = tinyReference().outputs['chelsea.jpg'].fp32;
      for (const weights of ['tiny.pth', 'tiny_legacy.pth', 'tiny_wrapped.pth', 'tiny_fp32.safetensors']) {
        const r = run(['classify', path.join(FIXTURES, 'chelsea.jpg'), '--weights', path.join(FIXTURES, weights), '--format', 'json', '--engine', engine]);
        assert.equal(r.code, 0, r.stderr);
        const c = JSON.parse(r.stdout);
        assert.equal(c.schema, 'resnext-inspector/classification@1');
        assert.equal(c.engine.name, engine);
        assert.deepEqual(c.preprocessing.resizePx, 256);
        const logits: number[] = c.results[0].logits;
        assert.equal(logits.length, 10);
        const diff = maxAbsDiff(logits, expected);
        assert.ok(diff <= 5e-3, `${weights}: max abs diff ${diff}`);
        assert.deepEqual(
          c.results[0].top.map((t: { index: number }) => t.index),
          order(expected).slice(0, 5),
        );
        const probabilities = c.results[0].top.map((t: { probability: number }) => t.probability);
        assert.ok(probabilities.every((p: number, i: number) => i === 0 || p <= probabilities[i - 1]));
      }
    },
  );

test('classify prints a table; PNG works; --labels names the classes', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resnext-labels-'));
  const labels = path.join(dir, 'labels.txt');
  fs.writeFileSync(labels, Array.from({ length: 10 }, (_, i) => `thing ${i}`).join('\n'));
  const r = run([
    'classify',
    path.join(FIXTURES, 'chelsea.png'),
    path.join(FIXTURES, 'chelsea.jpg'),
    '--weights',
    path.join(FIXTURES, 'tiny.pth'),
    '--labels',
    labels,
    '--top',
    '3',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /chelsea\.png \(451x300 RGB; /);
  assert.match(r.stdout, /^ {3}1\. thing 1 +\d+\.\d\d% {2}\(class 1\)$/m);
  assert.equal((r.stdout.match(/^ {3}\d\. /gm) ?? []).length, 6);
  fs.rmSync(dir, { recursive: true });
});

/** Serves tiny.pth under a torchvision-style name; counts requests. */
async function withWeightsServer(run: (baseUrl: string, requests: () => number) => Promise<void>): Promise<void> {
  let count = 0;
  const tiny = fixture('tiny.pth');
  const server = http.createServer((req, res) => {
    count++;
    if (req.url === '/models/tiny-6d6fa5d0.pth' || req.url === '/models/resnext50_32x4d-7cdf4587.pth') {
      res.writeHead(200, { 'content-length': String(tiny.length) }).end(tiny);
    } else if (req.url === '/models/slow-6d6fa5d0.pth') {
      res.writeHead(200, { 'content-length': String(tiny.length) });
      res.write(tiny.subarray(0, 1000)); // and never finish
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}/models/`, () => count);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

test('--weights URL downloads into the cache with progress, then reuses it; --pretrained checks the hash', async () => {
  await withWeightsServer(async (baseUrl, requests) => {
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'resnext-cache-'));
    const args = ['classify', path.join(FIXTURES, 'chelsea.jpg'), '--weights', `${baseUrl}tiny-6d6fa5d0.pth`, '--cache-dir', cacheDir, '--format', 'json'];
    const first = await runAsync(args);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /downloading tiny-6d6fa5d0\.pth: 0\.4 MB of 0\.4 MB, [\d.]+ MB\/s/);
    assert.deepEqual(fs.readdirSync(cacheDir), ['tiny-6d6fa5d0.pth']);
    const second = await runAsync(args);
    assert.equal(second.code, 0, second.stderr);
    assert.doesNotMatch(second.stderr, /downloading/);
    assert.equal(requests(), 1);
    // the official name's hash (7cdf4587) does not match tiny.pth's bytes: refused, nothing cached
    const official = await runAsync(['classify', path.join(FIXTURES, 'chelsea.jpg'), '--pretrained', 'resnext50_32x4d', '--cache-dir', cacheDir], {
      RESNEXT_WEIGHTS_BASE_URL: baseUrl,
    });
    assert.equal(official.code, 2);
    assert.match(
      official.stderr,
      /resnext50_32x4d-7cdf4587\.pth is corrupted or not the expected one: its SHA-256 starts with 6d6fa5d0, the name says 7cdf4587; nothing was kept/,
    );
    assert.deepEqual(fs.readdirSync(cacheDir), ['tiny-6d6fa5d0.pth']);
    fs.rmSync(cacheDir, { recursive: true });
  });
});

test('Ctrl-C during a download: exit 130 and no partial file in the cache', async () => {
  await withWeightsServer(async (baseUrl) => {
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'resnext-cache-'));
    const child = spawn(process.execPath, [
      CLI,
      'classify',
      path.join(FIXTURES, 'chelsea.jpg'),
      '--weights',
      `${baseUrl}slow-6d6fa5d0.pth`,
      '--cache-dir',
      cacheDir,
    ]);
    let stderr = '';
    let interrupted = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!interrupted && stderr.includes('downloading')) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 130, stderr);
    assert.match(stderr, /was cancelled; nothing was kept/);
    assert.deepEqual(fs.readdirSync(cacheDir), []);
    fs.rmSync(cacheDir, { recursive: true });
  });
});

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'resnext-bad-'));
const textAsJpg = path.join(scratch, 'notes.jpg');
fs.writeFileSync(textAsJpg, 'this is a text file, not a photo\n');

const BAD: [string, string[], RegExp][] = [
  ['no weights', ['classify', path.join(FIXTURES, 'chelsea.jpg')], /needs exactly one of --weights FILE\|URL or --pretrained/],
  ['no image', ['classify', '--weights', path.join(FIXTURES, 'tiny.pth')], /needs at least one image file/],
  [
    'missing image',
    ['classify', '/nonexistent.jpg', '--weights', path.join(FIXTURES, 'tiny.pth')],
    /cannot read the image \/nonexistent\.jpg: there is no file at this path/,
  ],
  [
    'text file named .jpg',
    ['classify', textAsJpg, '--weights', path.join(FIXTURES, 'tiny.pth')],
    /notes\.jpg: not a supported image \(it looks like a text file\); accepted formats: JPEG/,
  ],
  [
    'another architecture',
    ['classify', path.join(FIXTURES, 'chelsea.jpg'), 'resnet50', '--weights', path.join(FIXTURES, 'tiny.pth')],
    /do not fit resnet50 .*shape mismatches/s,
  ],
  [
    'labels of the wrong length',
    ['classify', path.join(FIXTURES, 'chelsea.jpg'), '--weights', path.join(FIXTURES, 'tiny.pth'), '--labels', path.join(FIXTURES, 'imagenet_categories.json')],
    /has 1000 labels but the network has 10 classes/,
  ],
  [
    'too many top',
    ['classify', path.join(FIXTURES, 'chelsea.jpg'), '--weights', path.join(FIXTURES, 'tiny.pth'), '--top', '11'],
    /--top 11 is more than the network's 10 classes/,
  ],
  ['unknown pretrained', ['classify', path.join(FIXTURES, 'chelsea.jpg'), '--pretrained', 'resnext101_32x4d'], /no IMAGENET1K_V1 weights for resnext101_32x4d/],
  [
    'bad resize',
    ['classify', path.join(FIXTURES, 'chelsea.jpg'), '--weights', path.join(FIXTURES, 'tiny.pth'), '--resize', '0'],
    /--resize must be a whole number from 1/,
  ],
];
for (const [label, args, message] of BAD) {
  test(`classify bad input → exit 2, a clear message: ${label}`, () => {
    const r = run(args);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
}

test('softmax/top-K, labels files and the default resize for official file names', () => {
  const p = softmax([1, 2, 3]);
  assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.deepEqual(
    topK([0.1, 5, -1, 5], 3, ['a', 'b', 'c', 'd']).map((t) => t.label),
    ['b', 'd', 'a'],
  );
  assert.deepEqual(parseLabels('["x","y"]', 'l.json', 2), ['x', 'y']);
  assert.deepEqual(parseLabels('x\r\ny\n', 'l.txt', 2), ['x', 'y']);
  assert.throws(() => parseLabels('[1,2]', 'l.json', 2), /must be a JSON array of strings/);
  assert.equal(defaultResizePx('/cache/resnext50_32x4d-1a0047aa.pth'), 232);
  assert.equal(defaultResizePx('resnext50_32x4d-7cdf4587.pth'), 256);
  assert.equal(defaultResizePx('my.safetensors'), 256);
  assert.deepEqual(parseWeightsSpec('pretrained:resnext50_32x4d:V2'), { kind: 'pretrained', spec: 'resnext50_32x4d:V2' });
  assert.deepEqual(parseWeightsSpec('https://host/x-12345678.pth'), { kind: 'url', url: 'https://host/x-12345678.pth' });
  assert.deepEqual(parseWeightsSpec('./w.pth'), { kind: 'file', path: './w.pth' });
});
