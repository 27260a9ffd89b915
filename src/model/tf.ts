/**
 * The one place that loads TensorFlow.js and picks its backend: tfjs-backend-wasm (XNNPACK, SIMD when the runtime
 * has it). No native per-platform binaries, so the same bundle runs everywhere (DESIGN §2).
 *
 * Threads: our bundles (esbuild.js with scripts/wasm-threads.js) can run tfjs's threaded SIMD build on Node's
 * worker_threads; the thread count defaults to the available cores and is set with `setThreads` (CLI --threads,
 * setting resnext.threads) before the backend starts. Where threads are not available (run from the sources rather
 * than a bundle, no SharedArrayBuffer, the threaded files missing) it runs on one thread and `backendInfo().note`
 * says why.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export { tf };

/** Set by our esbuild bundles, whose tfjs-backend-wasm can start pthread workers in Node. */
declare const __RESNEXT_WASM_THREADS__: boolean | undefined;

const WASM_FILE = 'tfjs-backend-wasm-simd.wasm';
const THREADED_FILES = ['tfjs-backend-wasm-threaded-simd.wasm', 'tfjs-backend-wasm-threaded-simd.js', 'tfjs-backend-wasm-threaded-simd.worker.js'];
/** XNNPACK's pool in tfjs is pre-sized for 8 workers. */
export const MAX_THREADS = 8;

/** Where the .wasm files are: next to the bundle (dist/) when bundled, else in the installed package. */
function findWasmDir(): string {
  const candidates = [__dirname, path.join(__dirname, '..', '..', 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist')];
  try {
    candidates.push(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/' + WASM_FILE)));
  } catch {
    // not resolvable from a bundle; the candidates above cover it
  }
  for (const dir of candidates) {
    if (fs.existsSync(path.join(dir, WASM_FILE))) return dir;
  }
  throw new Error(`TensorFlow.js wasm binaries (${WASM_FILE}) not found; looked in: ${candidates.join(', ')}`);
}

/** The cores this process may use (os.availableParallelism), capped at the pool size. */
export function defaultThreads(): number {
  return Math.max(1, Math.min(MAX_THREADS, os.availableParallelism()));
}

let requestedThreads: number | undefined;
let ready: Promise<void> | undefined;
let threadsNote: string | undefined;

/**
 * How many threads the backend should use (1–8; 0 or undefined: the available cores). Takes effect when the backend
 * starts, so call it first; a different count after the start is an error (a bug in the caller).
 */
export function setThreads(threads: number | undefined): void {
  const wanted = threads === undefined || threads === 0 ? undefined : threads;
  if (wanted !== undefined && (!Number.isInteger(wanted) || wanted < 1 || wanted > MAX_THREADS)) {
    throw new RangeError(`threads must be a whole number from 1 to ${MAX_THREADS} (0: the available cores), got ${threads}`);
  }
  if (ready && wanted !== requestedThreads) throw new Error('setThreads must be called before the TF.js backend starts');
  requestedThreads = wanted;
}

/** The thread count asked for with setThreads (else the available cores): what every engine runs with. */
export function requestedThreadCount(): number {
  return requestedThreads ?? defaultThreads();
}

/** Why the threaded build cannot run here, or undefined when it can. */
function threadsUnavailable(wasmDir: string): string | undefined {
  if (typeof __RESNEXT_WASM_THREADS__ === 'undefined') return 'running from the sources, not a bundle (npm run build)';
  if (typeof SharedArrayBuffer === 'undefined') return 'this runtime has no SharedArrayBuffer';
  const missing = THREADED_FILES.filter((f) => !fs.existsSync(path.join(wasmDir, f)));
  if (missing.length > 0) return `${missing.join(', ')} missing next to the bundle in ${wasmDir}`;
  return undefined;
}

/** Initialises the wasm backend once per process (or worker). */
export function initBackend(): Promise<void> {
  ready ??= (async () => {
    const wasmDir = findWasmDir();
    setWasmPaths(wasmDir + path.sep);
    tf.env().set('IS_TEST', false);
    const wanted = requestedThreads ?? defaultThreads();
    const unavailable = wanted > 1 ? threadsUnavailable(wasmDir) : undefined;
    const threaded = wanted > 1 && unavailable === undefined;
    // tfjs turns threads off in Node (its pthread workers need the files our bundle ships, see scripts/wasm-threads.js).
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', threaded);
    if (threaded) setThreadsCount(wanted);
    const ok = await tf.setBackend('wasm');
    if (!ok) throw new Error('TensorFlow.js could not initialise its wasm backend');
    await tf.ready();
    if (unavailable !== undefined) threadsNote = `${wanted} threads asked for, running on 1: ${unavailable}`;
    else if (threaded && getThreadsCount() !== wanted) threadsNote = `${wanted} threads asked for, the wasm backend started ${getThreadsCount()}`;
  })();
  return ready;
}

export interface BackendInfo {
  readonly backend: string;
  readonly simd: boolean;
  readonly threads: number;
  /** Why fewer threads run than were asked for (absent when all run). */
  readonly note?: string;
  readonly tfjsVersion: string;
}

export async function backendInfo(): Promise<BackendInfo> {
  await initBackend();
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const threaded = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
  return {
    backend: tf.getBackend(),
    simd,
    threads: threaded ? getThreadsCount() : 1,
    ...(threadsNote !== undefined && { note: threadsNote }),
    tfjsVersion: tf.version_core,
  };
}
