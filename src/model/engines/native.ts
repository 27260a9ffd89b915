/**
 * onnxruntime-node's native calls must never be cut off. Terminating a worker thread while one is in flight (a session
 * being created, a run, a release) aborts the whole process — "terminate called after throwing an instance of
 * 'Napi::Error'" — and in VS Code the process is the extension host. So every native call goes through `native()`,
 * and a thread that must stop calls `stopWhenIdle()`: no new native call starts after it (they fail with
 * StoppingError), and `then` runs once none is in flight (the caller then ends the thread itself). Runs are async in
 * onnxruntime-node (its thread pool), so the thread's event loop is free to receive the stop while one is in flight.
 */
import type { Worker } from 'node:worker_threads';
import { InputError } from '../errors';

/** The thread is stopping: no native call may start now. */
export class StoppingError extends InputError {
  override readonly name = 'StoppingError';
  constructor() {
    super('cancelled: the engine is stopping');
  }
}

let inFlight = 0;
let stopping = false;
let whenIdle: (() => void) | undefined;

/** Runs one native call of onnxruntime-node, counted while it is in flight. */
export async function native<T>(call: () => Promise<T>): Promise<T> {
  if (stopping) throw new StoppingError();
  inFlight++;
  try {
    return await call();
  } finally {
    inFlight--;
    if (inFlight === 0 && whenIdle) {
      const then = whenIdle;
      whenIdle = undefined;
      then();
    }
  }
}

/** No native call starts from now on; `then` runs at once if none is in flight, else when the last one settles. */
export function stopWhenIdle(then: () => void): void {
  stopping = true;
  if (inFlight === 0) then();
  else whenIdle = then;
}

/** How many native calls are in flight (tests). */
export const nativeInFlight = (): number => inFlight;

/** How long a worker may take to end itself (its native call in flight settling) before it is terminated after all. */
export const STOP_TIMEOUT_MS = 60_000;

/**
 * The other side: asks a worker thread to end itself with `stop` (it calls stopWhenIdle, then exits) and waits for it
 * to, terminating it only if it has not ended after STOP_TIMEOUT_MS (`onLate` says so first).
 */
export async function endWorker(worker: Worker, stop: unknown, onLate?: () => void): Promise<void> {
  if (worker.threadId === -1) return; // it has exited already
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  try {
    worker.postMessage(stop);
  } catch {
    return; // already gone
  }
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), STOP_TIMEOUT_MS)));
  timer?.unref();
  if ((await Promise.race([exited, late])) === 'late') {
    onLate?.();
    await worker.terminate();
  }
  clearTimeout(timer);
}
