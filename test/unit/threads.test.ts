/**
 * Multi-threaded wasm (scripts/wasm-threads.js): a bundle made the way esbuild.js makes ours really starts the
 * requested number of XNNPACK threads in Node, the results do not depend on the thread count beyond float rounding,
 * and where threads cannot run (from the sources) it runs on one thread and says why.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import * as esbuild from 'esbuild';
import { FIXTURES, ROOT, runCli } from '../helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { bundleForNode } = require('../../scripts/wasm-threads') as { bundleForNode: (e: typeof esbuild, options: esbuild.BuildOptions) => Promise<string> };

const PROBE = `
import { backendInfo, setThreads, tf } from '${path.join(ROOT, 'src', 'model', 'tf').replace(/\\/g, '/')}';
import { buildNetwork } from '${path.join(ROOT, 'src', 'model', 'network').replace(/\\/g, '/')}';
import { presetConfig } from '${path.join(ROOT, 'src', 'model', 'config').replace(/\\/g, '/')}';
(async () => {
  setThreads(Number(process.env.THREADS));
  const info = await backendInfo();
  const network = await buildNetwork(presetConfig('resnext50_32x4d'), { seed: 3 });
  const n = 3 * 224 * 224;
  const input = tf.tensor4d(Float32Array.from({ length: n }, (_, i) => Math.sin(i / 97)), [1, 3, 224, 224]);
  const logits = Array.from(await network.forward(input).data());
  const pthread = (tf.backend() as unknown as { wasm: { PThread?: { runningWorkers: unknown[]; unusedWorkers: unknown[] } } }).wasm.PThread;
  const workers = pthread && { running: pthread.runningWorkers.length, spawned: pthread.runningWorkers.length + pthread.unusedWorkers.length };
  process.stdout.write(JSON.stringify({ info, logits, workers }));
})();
`;

interface ProbeResult {
  info: { threads: number; note?: string };
  logits: number[];
  /** The threaded build's pthread workers: running (XNNPACK's pool) and all spawned. */
  workers?: { running: number; spawned: number };
}

let bundled: string | undefined;
async function probeBundle(): Promise<string> {
  const outfile = path.join(ROOT, 'out', 'threads-probe', 'probe.js');
  bundled ??= await bundleForNode(esbuild, { stdin: { contents: PROBE, resolveDir: ROOT, loader: 'ts' }, outfile });
  return bundled;
}

const run = (file: string, threads: number, extra: string[] = []): ProbeResult =>
  JSON.parse(
    execFileSync(process.execPath, [...extra, file], { env: { ...process.env, THREADS: String(threads) }, encoding: 'utf8', timeout: 120_000 }),
  ) as ProbeResult;

test('a bundle starts the threads asked for, and 1 and 2 threads give the same logits within float rounding', async () => {
  const file = await probeBundle();
  const one = run(file, 1);
  const two = run(file, 2);
  assert.equal(one.info.threads, 1);
  assert.equal(two.info.threads, 2, `the threaded backend started ${two.info.threads} threads (${two.info.note ?? 'no note'})`);
  assert.equal(two.info.note, undefined);
  // XNNPACK's pool runs threads − 1 workers beside the calling thread; the glue spawns only as many as asked for
  // (tfjs's glue pre-spawns 8, which cost ~0.25 s of every cold start on 2 cores).
  assert.deepEqual(two.workers, { running: 1, spawned: 2 });
  assert.equal(two.logits.length, 1000);
  const scale = Math.max(...one.logits.map(Math.abs));
  const maxDiff = Math.max(...one.logits.map((x, i) => Math.abs(x - two.logits[i]!)));
  assert.ok(scale > 0, 'the logits are not all zero');
  assert.ok(maxDiff <= 1e-5 * Math.max(1, scale), `max |Δ| ${maxDiff} between 1 and 2 threads (logit scale ${scale})`);
});

test('from the sources (no bundle) it runs on one thread and says why', () => {
  const script = `
    const { backendInfo, setThreads } = require(${JSON.stringify(path.join(ROOT, 'src', 'model', 'tf.ts'))});
    setThreads(2);
    backendInfo().then((i) => process.stdout.write(JSON.stringify(i)));`;
  const info = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8' })) as {
    threads: number;
    note?: string;
  };
  assert.equal(info.threads, 1);
  assert.match(info.note ?? '', /2 threads asked for, running on 1: running from the sources/);
});

test('--threads is checked before anything runs', () => {
  for (const bad of ['9', '-1', 'two', '']) {
    let stderr = '';
    try {
      execFileSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'summarize', 'resnet50', '--threads', bad], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      assert.fail(`--threads ${bad} was accepted`);
    } catch (error) {
      const e = error as { status?: number; stderr?: string };
      stderr = e.stderr ?? '';
      assert.equal(e.status, 2, stderr);
    }
    assert.match(stderr, /--threads must be a whole number from 0 to 8/);
  }
});

test('--engine is checked before anything runs, and names what ran; --engine=wasm and --threads=1 inline', () => {
  for (const bad of ['tfjs', '']) {
    const r = runCli('summarize', 'resnet50', '--engine', bad);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--engine must be one of auto, onnxruntime, wasm, got '/);
  }
  const r = runCli(
    'classify',
    path.join(FIXTURES, 'chelsea.jpg'),
    '--weights',
    path.join(FIXTURES, 'tiny.pth'),
    '--engine=wasm',
    '--threads=1',
    '--format',
    'json',
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).engine.name, 'wasm');
});
