import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { NetworkConfig, StageDepths } from '../src/model/config';
import type { EquivalenceData } from '../src/shared/protocol';
import { isWorkerResponse, type WorkerRequest, type WorkerResponse } from '../src/shared/protocol';

export const FIXTURES = path.join(__dirname, 'fixtures');
export const fixture = (name: string): Buffer => fs.readFileSync(path.join(FIXTURES, name));
export const ROOT = path.join(__dirname, '..');

const CLI = path.join(ROOT, 'dist', 'cli.js');

/** The `resnext` command as a user runs it: the built bundle (dist/cli.js) in a child process. */
export function runCli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  assert.ok(fs.existsSync(CLI), 'dist/cli.js is missing: run `npm run build` first (npm test does)');
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `action` with stderr muted (emit() reports "wrote …" there) and puts stderr back after. */
export async function withoutStderr<T>(action: () => Promise<T>): Promise<T> {
  const stderr = process.stderr.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    return await action();
  } finally {
    process.stderr.write = stderr;
  }
}

export interface TinyReference {
  config: { layers: number[]; groups: number; width_per_group: number; num_classes: number; base: number };
  num_params: number;
  state_dict: Record<string, [number[], string]>;
  outputs: Record<'chelsea.jpg' | 'zeros' | 'linspace', Record<'fp32' | 'fp16' | 'bf16', number[]>>;
  leaf_calls: [string, string, number[]][];
}

export const tinyReference = (): TinyReference => JSON.parse(fixture('tiny_reference.json').toString('utf8')) as TinyReference;

export function tinyConfig(): NetworkConfig {
  const c = tinyReference().config;
  return {
    layers: c.layers as unknown as StageDepths,
    groups: c.groups,
    widthPerGroup: c.width_per_group,
    baseWidth: c.base,
    numClasses: c.num_classes,
    inputHeightPx: 224,
    inputWidthPx: 224,
  };
}

/** torch.linspace(-2, 2, n): start + i * (end - start) / (n - 1), in float32 as torch computes it (step in float). */
export function linspace(start: number, end: number, n: number): Float32Array {
  const out = new Float32Array(n);
  const step = (end - start) / (n - 1);
  // torch's CPU kernel fills the first half from the start and the second half from the end.
  const half = Math.floor(n / 2);
  for (let i = 0; i < n; i++) out[i] = i < half ? start + step * i : end - step * (n - 1 - i);
  return out;
}

export const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
};

/** Sends one request to the extension's worker (dist/worker.js) and collects its progress lines and its reply. */
export async function askWorker(worker: Worker, request: WorkerRequest): Promise<{ reply: WorkerResponse; progress: string[] }> {
  const progress: string[] = [];
  const reply = await new Promise<WorkerResponse>((resolve, reject) => {
    const onMessage = (m: WorkerResponse): void => {
      assert.ok(isWorkerResponse(m), `a valid response: ${JSON.stringify(m).slice(0, 300)}`);
      if (m.type === 'log' || m.id !== request.id) return;
      if (m.type === 'progress') progress.push(m.message);
      else {
        worker.off('message', onMessage);
        resolve(m);
      }
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
    worker.postMessage(request);
  });
  return { reply, progress };
}

/** A layer2.0 equivalence result of resnext50_32x4d as the core makes it, for view and protocol tests; the model's name carries markup, which views must escape. */
export function equivalenceSample(): EquivalenceData {
  return {
    schema: 'resnext-inspector/equivalence@1',
    model: 'resnext50_32x4d <i>',
    block: 'layer2.0',
    weights: 'random (seed 0)',
    seed: 0,
    cardinality: 32,
    pathWidth: 8,
    inputShape: [1, 256, 56, 56],
    outputShape: [1, 512, 28, 28],
    shortcut: 'downsample',
    maxAbsOutput: 7.25,
    maxAbsDiff: { aVsC: 1.9073486328125e-6, bVsC: 9.5367431640625e-7 },
    meanAbsDiff: { aVsC: 1.2e-7, bVsC: 6.1e-8 },
    ops: {
      a: { convOps: 97, macs: 372_244_480, kernels: 400 },
      b: { convOps: 66, macs: 372_244_480, kernels: 250 },
      c: { convOps: 4, macs: 372_244_480, kernels: 12 },
    },
    tolerance: 1e-4,
    equivalent: true,
  };
}

/** Every engine that runs weights (src/model/engines): each PyTorch reference is checked on both. */
export const ENGINES = ['onnxruntime', 'wasm'] as const;
export type TestEngine = (typeof ENGINES)[number];
let ortLoads: string | false | undefined;
/** A reason to skip on an engine that cannot load here (onnxruntime-node on a platform without its binary), else false. */
export function engineSkip(engine: TestEngine): string | false {
  if (engine === 'wasm') return false;
  if (ortLoads === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('onnxruntime-node');
      ortLoads = false;
    } catch (error) {
      ortLoads = `onnxruntime-node cannot load on ${process.platform}/${process.arch}: ${(error as Error).message.split('\n')[0]}`;
    }
  }
  return ortLoads;
}
