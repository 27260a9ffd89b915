/**
 * Runs an evaluation on worker_threads: each worker loads the network once (from the weights file's bytes, read once
 * here and shared with every worker through a SharedArrayBuffer, or read by each worker itself), then images are
 * handed out one at a time to whichever worker is idle. Every image is classified alone (batch 1) by the same code,
 * so the results never depend on the number of workers; they are put back in the listing's order.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { engineChoice, type EngineChoice, type EngineInfo } from './engines';
import { endWorker } from './engines/native';
import { InputError, WeightsError } from './errors';
import { buildEvaluation, listImageFolder, type Evaluation, type EvaluateImageOptions, type FolderSample, type ImageOutcome } from './evaluate';
import type { ImageFolderListing } from './evaluate';

export interface PoolWorkerData {
  readonly weightsPath: string;
  readonly preset?: string;
  /** Which state dict in the file (as `loadClassifier`'s). */
  readonly stateDictKey?: string;
  /** The weights file's bytes on a SharedArrayBuffer (`share: 'shared'`). */
  readonly bytes?: Uint8Array;
  readonly root: string;
  readonly options: EvaluateImageOptions;
  /** What runs the weights in every worker (one intra-op thread each: the workers are the parallelism). */
  readonly engine: EngineChoice;
}
/**
 * A batch of consecutive samples (the same batches whatever the number of workers, so the results are too), or the
 * request to end (the worker ends itself once no onnxruntime call is in flight: terminating it in one would abort the
 * whole process; engines/native.ts).
 */
export type PoolRequest = { readonly items: readonly { readonly index: number; readonly sample: FolderSample }[] } | { readonly stop: true };
export type PoolReply =
  | {
      readonly type: 'ready';
      readonly model: string;
      readonly title: string;
      readonly labels: readonly string[];
      readonly loadMs: number;
      readonly engine: EngineInfo;
      readonly log?: string;
    }
  | { readonly type: 'result'; readonly outcomes: readonly ImageOutcome[] }
  | { readonly type: 'error'; readonly input: boolean; readonly message: string };

/** Cancelled by the caller (Ctrl-C, a Cancel button): nothing is returned and nothing was written. */
export class EvaluationCancelledError extends InputError {
  override readonly name = 'EvaluationCancelledError';
}

export interface EvaluationProgress {
  readonly done: number;
  readonly total: number;
  readonly imagesPerSecond: number;
  /** Seconds left at the current rate, or undefined before the first result. */
  readonly etaSeconds?: number;
}

export interface EvaluateFolderOptions extends EvaluateImageOptions {
  readonly weightsPath: string;
  readonly preset?: string;
  /** Which state dict in the file (`resnext inspect` lists them); else the first in the documented order. */
  readonly stateDictKey?: string;
  /** Worker threads; default: the available cores. Never more than the batches. */
  readonly workers?: number;
  /**
   * Images per forward (one batch through the worker's engine); default 1, chosen by measurement (bench/engines.ts):
   * 64 JPEGs, resnext50_32x4d on onnxruntime, 2 workers, 8 paired rounds of batch 1/4/8/16 on 2 cores: against batch 1,
   * 0.97× images/s at 4, 0.87× at 8, 0.95× at 16 (geometric means). No batch beat 1, which holds the least memory.
   */
  readonly batch?: number;
  /** How the workers get the weights: one read shared through a SharedArrayBuffer (default), or a read per worker. */
  readonly share?: 'shared' | 'read';
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: EvaluationProgress) => void;
  /** Called once when the first network is loaded. */
  readonly onLoaded?: (info: { model: string; loadMs: number }) => void;
  /** Which engine runs the weights; default: the process's choice (--engine). */
  readonly engine?: EngineChoice;
  /** Why auto fell back to wasm. */
  readonly onLog?: (level: 'info' | 'warn', message: string) => void;
  /** Thumbnails only for folders of at most this many images (they travel in one message). */
  readonly thumbnailLimit?: number;
  /** dist/evaluateWorker.js next to the bundle by default. */
  readonly workerScript?: string;
  /** The samples to classify (a shard of the folder's, evaluateShard.ts); default: the whole folder's listing. */
  readonly listing?: ImageFolderListing;
}

export function defaultWorkers(images: number): number {
  return Math.max(1, Math.min(os.availableParallelism(), images));
}

function sharedBytes(file: string): Uint8Array {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch (error) {
    throw new WeightsError(`cannot read the weights ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const bytes = new Uint8Array(new SharedArrayBuffer(size));
  const fd = fs.openSync(file, 'r');
  try {
    let offset = 0;
    while (offset < size) {
      const n = fs.readSync(fd, bytes, offset, size - offset, offset);
      if (n === 0) throw new WeightsError(`the weights ${file} changed while being read; try again`);
      offset += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return bytes;
}

/** Lists `root` as an ImageFolder and classifies every image on `workers` threads. */
export async function evaluateFolder(root: string, options: EvaluateFolderOptions): Promise<Evaluation> {
  const started = performance.now();
  const listing = options.listing ?? listImageFolder(root);
  const total = listing.samples.length;
  const batch = options.batch ?? 1;
  if (!Number.isInteger(batch) || batch < 1) throw new InputError(`batch must be a whole number ≥ 1, got ${batch}`);
  const batches = Math.ceil(total / batch);
  const requested = options.workers ?? defaultWorkers(batches);
  if (!Number.isInteger(requested) || requested < 1) throw new InputError(`workers must be a whole number ≥ 1, got ${requested}`);
  const workerCount = Math.max(1, Math.min(requested, batches));
  if (options.signal?.aborted) throw new EvaluationCancelledError('the evaluation was cancelled before it started');
  const bytes = (options.share ?? 'shared') === 'shared' ? sharedBytes(options.weightsPath) : undefined;
  const script = options.workerScript ?? path.join(__dirname, 'evaluateWorker.js');
  const data: PoolWorkerData = {
    weightsPath: options.weightsPath,
    ...(options.preset !== undefined && { preset: options.preset }),
    ...(options.stateDictKey !== undefined && { stateDictKey: options.stateDictKey }),
    ...(bytes && { bytes }),
    root: listing.root,
    engine: options.engine ?? engineChoice(),
    options: {
      ...(options.resizePx !== undefined && { resizePx: options.resizePx }),
      ...(options.cropPx !== undefined && { cropPx: options.cropPx }),
      ...(options.interpolation !== undefined && { interpolation: options.interpolation }),
      ...(options.torchvisionResizePx !== undefined && { torchvisionResizePx: options.torchvisionResizePx }),
      topK: options.topK,
      ...(options.thumbnailPx !== undefined && total <= (options.thumbnailLimit ?? Infinity) && { thumbnailPx: options.thumbnailPx }),
    },
  };
  const workers: Worker[] = [];
  const outcomes: ImageOutcome[] = [];
  let next = 0;
  let loaded: { model: string; title: string; labels: readonly string[]; at: number; engine: EngineInfo } | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (error: Error): void => {
        if (settled) return;
        settled = true;
        reject(error);
      };
      const onAbort = (): void => fail(new EvaluationCancelledError('the evaluation was cancelled; nothing was written'));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const handOut = (worker: Worker): void => {
        if (next < total) {
          const end = Math.min(total, next + batch);
          const request: PoolRequest = { items: listing.samples.slice(next, end).map((sample, i) => ({ index: next + i, sample })) };
          next = end;
          worker.postMessage(request);
        }
      };
      for (let i = 0; i < workerCount; i++) {
        const worker = new Worker(script, { workerData: data });
        workers.push(worker);
        worker.on('message', (reply: PoolReply) => {
          if (settled) return;
          if (reply.type === 'error') return fail(reply.input ? new InputError(reply.message) : new Error(reply.message));
          if (reply.type === 'ready') {
            if (!loaded) {
              loaded = { model: reply.model, title: reply.title, labels: reply.labels, at: performance.now(), engine: reply.engine };
              if (reply.log !== undefined) options.onLog?.('warn', reply.log);
              options.onLoaded?.({ model: reply.model, loadMs: reply.loadMs });
            }
            return handOut(worker);
          }
          outcomes.push(...reply.outcomes);
          const elapsed = (performance.now() - loaded!.at) / 1000;
          const rate = elapsed > 0 ? outcomes.length / elapsed : 0;
          options.onProgress?.({ done: outcomes.length, total, imagesPerSecond: rate, ...(rate > 0 && { etaSeconds: (total - outcomes.length) / rate }) });
          if (outcomes.length === total) {
            settled = true;
            options.signal?.removeEventListener('abort', onAbort);
            resolve();
          } else {
            handOut(worker);
          }
        });
        worker.on('error', (error) => fail(error));
        worker.on('exit', (code) => {
          if (!settled) fail(new Error(`an evaluation worker stopped unexpectedly (exit code ${code})`));
        });
      }
    });
  } finally {
    // Asked to end, not terminated: terminating a thread inside an onnxruntime call aborts the process (native.ts).
    await Promise.all(workers.map((w) => endWorker(w, { stop: true } satisfies PoolRequest)));
  }
  const finished = performance.now();
  return buildEvaluation(
    {
      listing,
      model: loaded!.model,
      title: loaded!.title,
      weights: options.weightsPath,
      labels: loaded!.labels,
      engine: loaded!.engine,
      workers: workerCount,
      elapsedMs: finished - started,
      classifyMs: finished - loaded!.at,
    },
    outcomes,
  );
}
