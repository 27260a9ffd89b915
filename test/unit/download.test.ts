/** The weights download against a real HTTP server on 127.0.0.1. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { downloadToCache, defaultCacheDir, describeProgress, weightsUrl, type DownloadProgress } from '../../src/model/weights/download';
import { officialWeights } from '../../src/model/weights/official';
import { WeightsError } from '../../src/model/errors';
import { fixture } from '../helpers';

const TINY = fixture('tiny.pth');
const TINY_NAME = 'tiny-6d6fa5d0.pth'; // torchvision-style: the first 8 hex digits of the SHA-256

type Behaviour = 'ok' | 'corrupt' | 'cut' | 'slow';

async function withServer(behaviour: Behaviour, run: (baseUrl: string, requests: () => number) => Promise<void>): Promise<void> {
  let count = 0;
  const server = http.createServer((req, res) => {
    count++;
    if (req.url !== `/models/${TINY_NAME}`) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': String(TINY.length), 'content-type': 'application/octet-stream' });
    if (behaviour === 'corrupt') {
      const body = Buffer.from(TINY);
      const middle = body.length >> 1;
      body[middle] = body[middle]! ^ 0xff;
      res.end(body);
    } else if (behaviour === 'cut') {
      res.write(TINY.subarray(0, TINY.length >> 1), () => res.socket?.destroy());
    } else if (behaviour === 'slow') {
      res.write(TINY.subarray(0, 65536)); // then hold the connection open until the client aborts
    } else {
      res.end(TINY);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await run(`http://127.0.0.1:${port}/models/`, () => count);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

const tempCache = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'resnext-cache-'));

test('downloads with progress, checks the hash, caches, and reuses the cached file', async () => {
  await withServer('ok', async (baseUrl, requests) => {
    const cacheDir = tempCache();
    const progress: DownloadProgress[] = [];
    const first = await downloadToCache({
      url: weightsUrl(baseUrl, TINY_NAME),
      fileName: TINY_NAME,
      sha256Prefix: '6d6fa5d0',
      cacheDir,
      onProgress: (p) => progress.push(p),
    });
    assert.equal(first.downloaded, true);
    assert.equal(first.bytes, TINY.length);
    assert.deepEqual(fs.readFileSync(first.path), TINY);
    assert.deepEqual(fs.readdirSync(cacheDir), [TINY_NAME]);
    assert.ok(progress.length >= 1);
    const last = progress.at(-1)!;
    assert.equal(last.receivedBytes, TINY.length);
    assert.equal(last.totalBytes, TINY.length);
    assert.match(describeProgress(last), /^0\.4 MB of 0\.4 MB, [\d.]+ MB\/s, 0 s left$/);
    const second = await downloadToCache({ url: weightsUrl(baseUrl, TINY_NAME), fileName: TINY_NAME, sha256Prefix: '6d6fa5d0', cacheDir });
    assert.equal(second.downloaded, false);
    assert.equal(requests(), 1, 'the second run must not download');
    fs.rmSync(cacheDir, { recursive: true });
  });
});

const failures: [string, Behaviour, string | undefined, RegExp][] = [
  [
    'a corrupted body (hash mismatch)',
    'corrupt',
    undefined,
    /corrupted or not the expected one: its SHA-256 starts with [0-9a-f]{8}, the name says 6d6fa5d0; nothing was kept/,
  ],
  ['a connection cut mid-file', 'cut', undefined, /(broke off after \d+ bytes|ended after \d+ of 422731 bytes).*nothing was kept/],
  [
    'a missing file (404)',
    'ok',
    'missing-12345678.pth',
    /server answered 404 Not Found; download http:\/\/127\.0\.0\.1:\d+\/models\/missing-12345678\.pth by other means and put it at .*missing-12345678\.pth, or pass --weights FILE/,
  ],
];
for (const [label, behaviour, name, message] of failures) {
  test(`${label}: a clear error and nothing left in the cache`, async () => {
    await withServer(behaviour, async (baseUrl) => {
      const cacheDir = tempCache();
      const fileName = name ?? TINY_NAME;
      await assert.rejects(
        downloadToCache({ url: weightsUrl(baseUrl, fileName), fileName, sha256Prefix: fileName.slice(-12, -4), cacheDir }),
        (e: unknown) => e instanceof WeightsError && message.test(e.message),
      );
      assert.deepEqual(fs.readdirSync(cacheDir), []);
      fs.rmSync(cacheDir, { recursive: true });
    });
  });
}

test('cancelling mid-download leaves no partial file', async () => {
  await withServer('slow', async (baseUrl) => {
    const cacheDir = tempCache();
    const controller = new AbortController();
    const pending = downloadToCache({
      url: weightsUrl(baseUrl, TINY_NAME),
      fileName: TINY_NAME,
      sha256Prefix: '6d6fa5d0',
      cacheDir,
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    await assert.rejects(pending, /was cancelled; nothing was kept/);
    assert.deepEqual(fs.readdirSync(cacheDir), []);
    fs.rmSync(cacheDir, { recursive: true });
  });
});

test('offline (nothing listening): the URL and where to put a manually downloaded file', async () => {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  const cacheDir = tempCache();
  await assert.rejects(
    downloadToCache({ url: `http://127.0.0.1:${port}/models/${TINY_NAME}`, fileName: TINY_NAME, sha256Prefix: '6d6fa5d0', cacheDir }),
    /cannot download http:\/\/127\.0\.0\.1:\d+\/models\/tiny-6d6fa5d0\.pth: ECONNREFUSED \(offline\?\); download .* by other means and put it at /,
  );
  assert.deepEqual(fs.readdirSync(cacheDir), []);
  fs.rmSync(cacheDir, { recursive: true });
});

test('a corrupted cached file is replaced, cache folder follows XDG_CACHE_HOME', async () => {
  await withServer('ok', async (baseUrl, requests) => {
    const cacheDir = tempCache();
    fs.writeFileSync(path.join(cacheDir, TINY_NAME), 'truncated');
    const result = await downloadToCache({ url: weightsUrl(baseUrl, TINY_NAME), fileName: TINY_NAME, sha256Prefix: '6d6fa5d0', cacheDir });
    assert.equal(result.downloaded, true);
    assert.equal(requests(), 1);
    fs.rmSync(cacheDir, { recursive: true });
  });
  assert.equal(defaultCacheDir({ XDG_CACHE_HOME: '/x/cache' }, 'linux'), '/x/cache/resnext-inspector');
  assert.equal(defaultCacheDir({}, 'linux'), path.join(os.homedir(), '.cache', 'resnext-inspector'));
});

test('official weights: names, hashes and resize sizes as torchvision declares them', () => {
  assert.deepEqual(
    [officialWeights('resnext50_32x4d').fileName, officialWeights('resnext50_32x4d:V2').fileName, officialWeights('resnext101_64x4d').resizePx],
    ['resnext50_32x4d-7cdf4587.pth', 'resnext50_32x4d-1a0047aa.pth', 232],
  );
  const declared = JSON.parse(fixture('torchvision_weights.json').toString('utf8')) as Record<string, Record<string, { url: string; resizeSize: number }>>;
  for (const [preset, versions] of Object.entries(declared)) {
    for (const [version, w] of Object.entries(versions)) {
      const ours = officialWeights(`${preset}:${version}`);
      assert.equal(weightsUrl('https://download.pytorch.org/models', ours.fileName), w.url);
      assert.equal(ours.resizePx, w.resizeSize);
    }
  }
  assert.throws(() => officialWeights('resnext101_32x4d'), /no IMAGENET1K_V1 weights for resnext101_32x4d/);
  assert.throws(() => officialWeights('resnext50:V1'), /unknown preset 'resnext50'/);
  assert.throws(() => officialWeights('resnet50:V3'), /no IMAGENET1K_V3 weights/);
});
