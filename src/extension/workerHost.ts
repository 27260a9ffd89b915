/**
 * Runs core requests in one worker_threads Worker (dist/worker.js), started on first use and kept while warm:
 * TF.js's wasm backend takes ~1 s to compile and initialise, so back-to-back summaries reuse it; after a quiet
 * spell the worker is ended to give its memory back. Cancelling lets the thread go (it ends itself: at once in TF.js
 * wasm, whose forward cannot be interrupted any other way, or once onnxruntime's call in flight settles); the next
 * request starts a fresh one.
 */
import { Worker } from 'node:worker_threads';
import type * as vscode from 'vscode';
import { endWorker, STOP_TIMEOUT_MS } from '../model/engines/native';
import {
  isWorkerResponse,
  REPLY_TYPE,
  type ErrorKind,
  type ReplyFor,
  type WorkerJob,
  type WorkerData,
  type WorkerRequest,
  type WorkerResponse,
  type WorkerStop,
} from '../shared/protocol';

type WorkerResult = Exclude<WorkerResponse, { type: 'progress' | 'error' | 'log' }>;

/** An error reply from the worker (or the worker's death), with the protocol's kind. */
export class WorkerError extends Error {
  override readonly name = 'WorkerError';
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  constructor() {
    super('cancelled');
  }
}

interface Pending {
  /** The reply type the request must be answered with (REPLY_TYPE). */
  readonly expects: WorkerResult['type'];
  readonly request: WorkerJob['type'];
  readonly resolve: (result: WorkerResult) => void;
  readonly reject: (error: Error) => void;
  readonly onProgress?: (message: string) => void;
}

export interface RunOptions {
  readonly token?: vscode.CancellationToken;
  readonly onProgress?: (message: string) => void;
}

export class WorkerHost implements vscode.Disposable {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(
    private readonly workerPath: string,
    private readonly log: vscode.LogOutputChannel,
    /** A new worker's settings (threads, 0: the available cores; engine), read when one starts. */
    private readonly settings: () => WorkerData,
    /** How long an idle worker is kept warm. */
    private readonly idleMs = 5 * 60_000,
  ) {}

  /** Ends an idle worker so that the next request starts one with the current settings (e.g. resnext.threads). */
  restartWhenIdle(): void {
    if (this.worker && this.pending.size === 0) {
      this.log.info('settings changed: the worker will restart on the next request');
      this.terminate(new CancelledError());
    }
  }

  /** Whether a worker thread is running now (warm). */
  get isRunning(): boolean {
    return this.worker !== undefined;
  }

  /** Runs a request in the worker; the reply is typed by the request (and checked to be of that type). */
  run<J extends WorkerJob>(job: J, options: RunOptions = {}): Promise<ReplyFor<J>> {
    if (this.disposed) return Promise.reject(new WorkerError('internal', 'the ResNeXt worker has been disposed'));
    if (options.token?.isCancellationRequested) return Promise.reject(new CancelledError());
    const id = this.nextId++;
    const worker = this.ensureWorker();
    this.clearIdleTimer();
    return new Promise<ReplyFor<J>>((resolve, reject) => {
      const cancel = options.token?.onCancellationRequested(() => {
        this.log.info(`request ${id} (${job.type}) cancelled: terminating the worker`);
        this.terminate(new CancelledError());
      });
      const settle =
        <T>(f: (value: T) => void) =>
        (value: T): void => {
          cancel?.dispose();
          f(value);
        };
      this.pending.set(id, {
        expects: REPLY_TYPE[job.type],
        request: job.type,
        // onMessage resolves only with a reply of type `expects`, which is ReplyFor<J>.
        resolve: settle(resolve as (result: WorkerResult) => void),
        reject: settle(reject),
        ...(options.onProgress && { onProgress: options.onProgress }),
      });
      worker.postMessage({ ...job, id } satisfies WorkerRequest);
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const started = performance.now();
    const data = this.settings();
    const { threads } = data;
    const worker = new Worker(this.workerPath, { workerData: data });
    this.log.info(`worker started (${this.workerPath}, threads: ${threads === 0 ? 'all available cores' : threads}, engine: ${data.engine})`);
    worker.on('online', () => this.log.debug(`worker online after ${(performance.now() - started).toFixed(0)} ms`));
    worker.on('message', (message: unknown) => this.onMessage(message));
    worker.on('error', (error) => {
      this.log.error(`worker error: ${error.stack ?? error.message}`);
      if (this.worker === worker) this.terminate(new WorkerError('internal', `the ResNeXt worker failed: ${error.message}`, error.stack));
    });
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.rejectAll(new WorkerError('internal', `the ResNeXt worker stopped unexpectedly (exit code ${code})`));
    });
    this.worker = worker;
    return worker;
  }

  private onMessage(message: unknown): void {
    if (!isWorkerResponse(message)) {
      this.log.error(`malformed message from the worker, ignored: ${JSON.stringify(message)?.slice(0, 300)}`);
      return;
    }
    if (message.type === 'log') {
      if (message.level === 'warn') this.log.warn(message.message);
      else this.log.info(message.message);
      return;
    }
    const pending = this.pending.get(message.id);
    if (!pending) return;
    if (message.type === 'progress') {
      pending.onProgress?.(message.message);
      return;
    }
    this.pending.delete(message.id);
    if (message.type === 'error') pending.reject(new WorkerError(message.kind, message.message, message.stack));
    else if (message.type !== pending.expects) {
      pending.reject(new WorkerError('internal', `the worker answered a ${pending.request} request with a ${message.type} reply`));
    } else pending.resolve(message);
    if (this.pending.size === 0) this.startIdleTimer();
  }

  private startIdleTimer(): void {
    this.clearIdleTimer();
    this.idleTimer = setTimeout(() => {
      this.log.info(`worker idle for ${Math.round(this.idleMs / 1000)} s: stopping it to free its memory`);
      this.terminate(new CancelledError());
    }, this.idleMs);
    this.idleTimer.unref();
  }

  private clearIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private rejectAll(error: Error): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(error);
  }

  /**
   * Fails whatever the worker was doing with `reason` now, and lets the thread go: it is asked to end itself, which it
   * does at once unless an onnxruntime call is in flight (terminating a thread inside one would abort the extension
   * host; engines/native.ts); only one that has not ended after STOP_TIMEOUT_MS is terminated. The next request
   * starts a new worker meanwhile.
   */
  private terminate(reason: Error): void {
    this.clearIdleTimer();
    const worker = this.worker;
    this.worker = undefined;
    this.rejectAll(reason);
    if (worker) {
      void endWorker(worker, { type: 'stop' } satisfies WorkerStop, () =>
        this.log.warn(`the worker did not end within ${STOP_TIMEOUT_MS / 1000} s of being asked to: terminating it`),
      );
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.terminate(new WorkerError('internal', 'the extension is shutting down'));
    this.disposed = true;
  }
}
