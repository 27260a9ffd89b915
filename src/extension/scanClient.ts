/**
 * The extension host's side of the scan worker (dist/scanWorker.js), without vscode: requests go to the worker and
 * come back as promises. Each document has a slot in a SharedArrayBuffer holding its latest generation; a new
 * request for a document bumps it, so a stale scan of that document still running in the worker stops (and its
 * promise resolves as cancelled) instead of delaying the newer one.
 */
import { Worker } from 'node:worker_threads';
import type { ScanReply, ScanRequest } from '../python/scanService';

const SLOTS = 1024;

export type ScanJob = Omit<ScanRequest, 'id' | 'slot' | 'generation'>;

export class ScanClient {
  private worker: Worker | undefined;
  private readonly generations = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
  private readonly slots = new Map<string, number>();
  private readonly pending = new Map<number, (reply: ScanReply) => void>();
  private nextId = 1;

  constructor(
    private readonly workerPath: string,
    private readonly execArgv?: string[],
  ) {}

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.workerPath, { workerData: { generations: this.generations.buffer }, ...(this.execArgv ? { execArgv: this.execArgv } : {}) });
    worker.on('message', (reply: ScanReply) => {
      const resolve = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      resolve?.(reply);
    });
    const fail = (message: string): void => {
      for (const [id, resolve] of this.pending) resolve({ id, kind: 'error', message });
      this.pending.clear();
      this.worker = undefined;
    };
    worker.on('error', (error) => fail(`the scan worker failed: ${error.message}`));
    worker.on('exit', (code) => fail(`the scan worker exited (code ${code})`));
    worker.unref();
    return (this.worker = worker);
  }

  private slotOf(key: string): number {
    let slot = this.slots.get(key);
    if (slot === undefined) {
      // Documents get slots in turn; after 1,024 documents a slot is shared (a stale scan may then be re-requested).
      slot = this.slots.size % SLOTS;
      this.slots.set(key, slot);
    }
    return slot;
  }

  /** Marks the document's running scan stale (an edit came in): it stops at its next check. */
  supersede(key: string): void {
    Atomics.add(this.generations, this.slotOf(key), 1);
  }

  /** Scans a document in the worker; a newer scan of the same document makes this one resolve as 'cancelled'. */
  scan(job: ScanJob): Promise<ScanReply> {
    const worker = this.start();
    const slot = this.slotOf(job.key);
    const generation = Atomics.add(this.generations, slot, 1) + 1;
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      worker.ref();
      worker.postMessage({ ...job, id, slot, generation } satisfies ScanRequest);
    }).finally(() => {
      if (this.pending.size === 0) this.worker?.unref();
    }) as Promise<ScanReply>;
  }

  forget(key: string): void {
    this.worker?.postMessage({ forget: key });
  }

  dispose(): void {
    void this.worker?.terminate();
    this.worker = undefined;
  }
}
