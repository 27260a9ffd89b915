/**
 * The first thing a process does is classify (the bug a first-time user met: the worker built the network before
 * the TF.js backend was initialised). Both the extension's worker, bundled as it ships, and the core API are run
 * in a fresh thread / process whose first request is a classification.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import * as esbuild from 'esbuild';
import { FIXTURES, ROOT, tinyReference } from '../helpers';
import { topK } from '../../src/model/classify';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { bundleForNode } = require('../../scripts/wasm-threads') as {
  bundleForNode: (e: typeof esbuild, options: esbuild.BuildOptions, how: { threads: boolean }) => Promise<string>;
};

const expectedTop5 = (): number[] => topK(tinyReference().outputs['chelsea.jpg'].fp32, 5, []).map((t) => t.index);

test("the extension's worker: a classification as its very first request answers with PyTorch's top-5", async () => {
  // Bundled as esbuild.js bundles dist/worker.js, two levels under the repo so the wasm binaries are found in node_modules.
  const outDir = path.join(ROOT, 'out', 'first-use');
  const outfile = path.join(outDir, 'worker.js');
  await bundleForNode(esbuild, { entryPoints: [path.join(ROOT, 'src', 'extension', 'worker.ts')], outfile }, { threads: false });
  const worker = new Worker(outfile);
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'resnext-first-use-'));
  try {
    const reply = await new Promise<{ type: string; result?: { top: { index: number }[] }; message?: string }>((resolve, reject) => {
      worker.on('error', reject);
      worker.on('message', (m: { type: string }) => {
        if (m.type !== 'progress' && m.type !== 'log') resolve(m);
      });
      worker.postMessage({
        type: 'classify',
        id: 1,
        imagePath: path.join(FIXTURES, 'chelsea.jpg'),
        weights: path.join(FIXTURES, 'tiny.pth'),
        topK: 5,
        cacheDir,
        baseUrl: 'http://127.0.0.1:9/',
      });
    });
    assert.equal(reply.type, 'classification', `expected a classification, got ${JSON.stringify(reply)}`);
    assert.deepEqual(
      reply.result!.top.map((t) => t.index),
      expectedTop5(),
    );
  } finally {
    await worker.terminate();
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
});

test('the core API: loadClassifier + classifyFiles as the first calls of a fresh process', () => {
  const script = `
    const { loadClassifier, classifyFiles } = require(${JSON.stringify(path.join(ROOT, 'src', 'model', 'classify.ts'))});
    (async () => {
      const c = await loadClassifier(${JSON.stringify(path.join(FIXTURES, 'tiny.pth'))});
      const r = await classifyFiles(c, [${JSON.stringify(path.join(FIXTURES, 'chelsea.jpg'))}], { resizePx: 256, cropPx: 224, topK: 5 });
      c.dispose();
      process.stdout.write(JSON.stringify(r.results[0].top.map((t) => t.index)));
    })().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(3); });`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out), expectedTop5());
});
