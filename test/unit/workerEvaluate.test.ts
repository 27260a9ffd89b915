/**
 * The extension's worker as it ships (dist/worker.js, which starts dist/evaluateWorker.js threads): Classify Folder's
 * request on the ImageFolder fixture gives PyTorch's accuracy and per-file top-1, with thumbnails and the core's
 * exports; Classify Image's request with `cam` returns the maps of every top class as PNG data: URIs.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { decodeImage } from '../../src/model/image/decode';
import { askWorker as ask, fixture, FIXTURES, ROOT } from '../helpers';

const reference = (): { top1: number; top5: number; files: { path: string; top5: number[] }[] } =>
  JSON.parse(fixture('evaluate/folder_reference.json').toString('utf8'));

test("the worker's evaluateFolder: PyTorch's top-1/top-5 and per-file top-1, thumbnails, exports; classify with CAM", async () => {
  const worker = new Worker(path.join(ROOT, 'dist', 'worker.js'));
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'resnext-worker-evaluate-'));
  try {
    const weights = path.join(FIXTURES, 'evaluate', 'tiny_folder.pth');
    const { reply, progress } = await ask(worker, {
      type: 'evaluateFolder',
      id: 1,
      folder: path.join(FIXTURES, 'evaluate', 'folder'),
      weights,
      topK: 5,
      cacheDir,
      baseUrl: 'http://127.0.0.1:9',
      workers: 2,
    });
    assert.equal(reply.type, 'evaluation', JSON.stringify(reply).slice(0, 500));
    if (reply.type !== 'evaluation') return;
    const e = reply.result;
    const ref = reference();
    assert.equal(e.top1, ref.top1);
    assert.equal(e.top5, ref.top5);
    assert.deepEqual(
      e.files.map((f) => [f.path, f.top[0]]),
      ref.files.map((f) => [f.path, f.top5[0]]),
    );
    assert.deepEqual(
      e.failed.map((f) => f.path),
      ['fox/broken.png'],
    );
    assert.equal(e.workers, 2);
    assert.ok(
      progress.some((p) => /^13\/13 images, [\d.]+ images\/s/.test(p)),
      progress.join(' | '),
    );
    for (const f of e.files) {
      const thumb = decodeImage(Buffer.from(f.thumbnail!.slice('data:image/png;base64,'.length), 'base64'), f.path);
      assert.ok(Math.max(thumb.widthPx, thumb.heightPx) <= 64);
    }
    assert.equal(JSON.parse(e.exports.json).schema, 'resnext-inspector/evaluate@1');
    assert.match(e.exports.csv, /^index,class,images,correct,top1,top5\n/);
    assert.equal(e.exports.predictions.trim().split('\n').length, 14);

    const image = path.join(FIXTURES, 'chelsea.png');
    const c = await ask(worker, {
      type: 'classify',
      id: 2,
      imagePath: image,
      weights: path.join(FIXTURES, 'tiny.pth'),
      topK: 3,
      cacheDir,
      baseUrl: 'http://127.0.0.1:9',
      cam: true,
    });
    assert.equal(c.reply.type, 'classification');
    if (c.reply.type !== 'classification') return;
    const cam = c.reply.result.cam!;
    assert.deepEqual(
      cam.maps.map((m) => m.class),
      c.reply.result.top.map((t) => t.index),
    );
    const crop = decodeImage(Buffer.from(cam.crop.slice('data:image/png;base64,'.length), 'base64'), 'crop');
    assert.equal(crop.widthPx, 224);
    for (const m of cam.maps) assert.ok(m.min <= m.max);
  } finally {
    await worker.terminate();
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
});
