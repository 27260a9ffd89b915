/**
 * The one place that loads TensorFlow.js and picks its backend: tfjs-backend-wasm (XNNPACK, SIMD when the runtime
 * has it). No native per-platform binaries, so the same bundle runs everywhere (DESIGN §2). Node disables the
 * multithreaded wasm build, so inference runs on one thread.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export { tf };

const WASM_FILE = 'tfjs-backend-wasm-simd.wasm';

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

let ready: Promise<void> | undefined;

/** Initialises the wasm backend once per process (or worker). */
export function initBackend(): Promise<void> {
  ready ??= (async () => {
    setWasmPaths(findWasmDir() + path.sep);
    tf.env().set('IS_TEST', false);
    const ok = await tf.setBackend('wasm');
    if (!ok) throw new Error('TensorFlow.js could not initialise its wasm backend');
    await tf.ready();
  })();
  return ready;
}

export interface BackendInfo {
  readonly backend: string;
  readonly simd: boolean;
  readonly threads: number;
  readonly tfjsVersion: string;
}

export async function backendInfo(): Promise<BackendInfo> {
  await initBackend();
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  return { backend: tf.getBackend(), simd, threads: 1, tfjsVersion: tf.version_core };
}
