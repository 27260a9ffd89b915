/**
 * Cancelling never takes the process down: a worker asked to stop while onnxruntime creates a session or runs (the
 * host's cancel, an idle or restarting worker, an evaluation's pool) ends itself once the native call settles
 * (src/model/engines/native.ts). Terminating it there instead aborts the whole process — in VS Code, the extension
 * host. The check runs in a child process (test/stopChild.mjs), so a crash fails this test instead of the runner.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from '../helpers';
import { loadOnnxRuntime } from '../../src/model/engines/onnxruntime';
import { native, nativeInFlight, stopWhenIdle, StoppingError } from '../../src/model/engines/native';

test('native(): counts the call in flight; after stopWhenIdle no call starts and `then` waits for the last one', async () => {
  let release!: () => void;
  const pending = native(() => new Promise<void>((r) => (release = r)));
  assert.equal(nativeInFlight(), 1);
  let ended = false;
  // A separate module state would be needed to reuse native() after this: this test is the module's last user.
  stopWhenIdle(() => (ended = true));
  assert.equal(ended, false, 'ended while a call was in flight');
  await assert.rejects(
    native(() => Promise.resolve()),
    StoppingError,
  );
  release();
  await pending;
  assert.equal(ended, true);
  assert.equal(nativeInFlight(), 0);
});

test('stopping the shipped worker at any moment of an onnxruntime classification or evaluation: the process survives', (t) => {
  const ort = loadOnnxRuntime();
  if ('error' in ort) return t.skip(ort.error);
  assert.ok(fs.existsSync(path.join(ROOT, 'dist', 'worker.js')), 'dist/worker.js is missing: run `npm run build` first (npm test does)');
  const child = spawnSync(process.execPath, [path.join(ROOT, 'test', 'stopChild.mjs'), ROOT], { encoding: 'utf8', timeout: 240_000 });
  const out = `${child.stdout}\n${child.stderr}`;
  assert.doesNotMatch(out, /Napi::Error|terminate called/, out);
  assert.equal(child.status, 0, `the process ended with ${child.status ?? child.signal}:\n${out}`);
  assert.match(child.stdout, /survived/);
  assert.equal((child.stdout.match(/exit code 0/g) ?? []).length, 14, out);
});
