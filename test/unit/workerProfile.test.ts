/**
 * The extension's worker as it ships (dist/worker.js): the summary panel's and the compare view's profile request on
 * the tiny network gives a profile@1 that the protocol accepts, one timed row per layer and the review question's
 * shares, with progress lines on the way; a network too large for a forward pass is refused as the user's error.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { presetConfig } from '../../src/model/config';
import { askWorker as ask, ROOT, tinyConfig } from '../helpers';

test("the worker's profile: a valid profile@1 of the configuration, every conv timed, progress per warm pass; a giant is refused", async () => {
  const worker = new Worker(path.join(ROOT, 'dist', 'worker.js'), { workerData: { threads: 1 } });
  try {
    const { reply, progress } = await ask(worker, { type: 'profile', id: 1, model: 'tiny', config: tinyConfig(), runs: 2 });
    assert.equal(reply.type, 'profile', JSON.stringify(reply).slice(0, 500));
    if (reply.type !== 'profile') return;
    const p = reply.profile;
    assert.equal(p.schema, 'resnext-inspector/profile@1');
    assert.equal(p.model, 'tiny');
    assert.equal(p.runs, 2);
    assert.equal(p.threads, 1);
    const convs = p.layers.filter((l) => l.type === 'Conv2d');
    assert.ok(convs.length > 0 && convs.every((l) => l.ms > 0 && l.gmacPerSecond > 0), 'every conv has a time and a rate');
    assert.equal(p.convs.grouped.count + p.convs.dense.count, convs.length);
    assert.ok(p.convs.grouped.count > 0, 'the tiny network has grouped convs');
    assert.ok(p.peak.gemmGmacPerSecond > 0 && p.peak.memoryGBPerSecond > 0);
    assert.deepEqual(progress.filter((m) => /warm pass \d of 2/.test(m)).length, 2, progress.join(' | '));
    assert.ok(
      progress.some((m) => /ceilings/.test(m)),
      progress.join(' | '),
    );
    // resnext101_32x48d_wsl: 829M params, GBs of float32; the worker says so instead of trying.
    const giant = { ...presetConfig('resnext101_32x8d'), widthPerGroup: 48 };
    const refused = await ask(worker, { type: 'profile', id: 2, model: 'giant', config: giant, runs: 1 });
    assert.equal(refused.reply.type, 'error');
    if (refused.reply.type === 'error') {
      assert.equal(refused.reply.kind, 'input');
      assert.match(refused.reply.message, /too large to profile/);
    }
  } finally {
    await worker.terminate();
  }
});
