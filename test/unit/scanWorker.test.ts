/**
 * Scanning never stalls the editor: the scan worker (src/extension/scanWorker.ts, bundled as esbuild.js bundles
 * dist/scanWorker.js) scans a large file while the calling thread's timer keeps firing (the same scan on the calling
 * thread lets it fire not once), and a newer edit of a document cancels its stale scan.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { ScanClient } from '../../src/extension/scanClient';
import { scanPython } from '../../src/python/scan';
import { ROOT } from '../helpers';

/** A generated file: `n` constructions, every fourth one summarised at 160×160. */
function bigSource(n: number): string {
  const lines = ['import torchvision.models as models', 'from torchsummary import summary', 'NUM_CLASSES = 10'];
  for (let i = 0; i < n; i++) {
    lines.push(i % 2 === 0 ? `model_${i} = models.resnext50_32x4d(num_classes=NUM_CLASSES)` : `model_${i} = models.resnet50(weights=None)`);
    if (i % 4 === 0) lines.push(`summary(model_${i}, (3, 160, 160))`);
  }
  return lines.join('\n') + '\n';
}

async function bundledWorker(): Promise<string> {
  const outfile = path.join(ROOT, 'out', 'scan-worker', 'scanWorker.js');
  await esbuild.build({
    entryPoints: [path.join(ROOT, 'src', 'extension', 'scanWorker.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'silent',
  });
  return outfile;
}

/** How many times a 5 ms timer on this thread fires while `work` runs. */
async function ticksDuring<T>(work: () => Promise<T> | T): Promise<{ result: T; ticks: number }> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  try {
    const result = await work();
    return { result, ticks };
  } finally {
    clearInterval(timer);
  }
}

test('a scan of a large file runs off the calling thread: its timer keeps firing', async () => {
  const client = new ScanClient(await bundledWorker());
  try {
    const text = bigSource(20_000);
    const off = await ticksDuring(() => client.scan({ key: 'file:///big.py', text }));
    assert.equal(off.result.kind, 'done');
    assert.equal(off.result.kind === 'done' && off.result.models.length, 20_000);
    assert.ok(off.ticks >= 1, `the timer fired ${off.ticks} times during the worker's scan`);
    // The contrast: the same scan on the calling thread blocks it, the timer does not fire once.
    const on = await ticksDuring(() => scanPython(text));
    assert.equal(on.ticks, 0);
    assert.equal(on.result.detections.length, 20_000);
  } finally {
    client.dispose();
  }
});

test('a newer edit cancels the stale scan of the same document; other documents are not cancelled', async () => {
  const client = new ScanClient(await bundledWorker());
  try {
    const v1 = bigSource(20_000);
    const v2 = v1.replace('NUM_CLASSES = 10', 'NUM_CLASSES = 11');
    const stale = client.scan({ key: 'file:///a.py', text: v1 });
    const other = client.scan({ key: 'file:///b.py', text: 'import torchvision\nm = torchvision.models.resnet50()\n' });
    const fresh = client.scan({ key: 'file:///a.py', text: v2 });
    assert.equal((await stale).kind, 'cancelled');
    const b = await other;
    assert.equal(b.kind === 'done' && b.models.length, 1);
    const a = await fresh;
    assert.equal(a.kind, 'done');
    if (a.kind !== 'done') return;
    assert.equal(a.models.length, 20_000);
    assert.equal(a.models[0]!.detection.config?.numClasses, 11);
    assert.match(a.models[0]!.title, /^ResNeXt-50 32x4d, 11 classes, 160×160 · /);
  } finally {
    client.dispose();
  }
});
