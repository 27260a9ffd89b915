/**
 * Builds the engine a caller chose (engine.ts): `auto` is onnxruntime where its binding loads, else wasm.
 */
import type { NetworkConfig } from '../config';
import type { Engine, EngineChoice, EngineName, EngineOptions } from './engine';
import { loadOnnxRuntime, buildOnnxRuntimeEngine } from './onnxruntime';
import { buildWasmEngine } from './wasm';

export * from './engine';

let fallbackLogged = false;
let processChoice: EngineChoice = 'auto';

/** The engine this process runs weights on when a caller does not name one (the CLI's --engine, the worker's setting). */
export function setEngine(choice: EngineChoice | undefined): void {
  processChoice = choice ?? 'auto';
}

/** Which engine a choice runs on here, and (for `auto` on wasm) why. */
/** The process's engine choice (what setEngine was given). */
export function engineChoice(): EngineChoice {
  return processChoice;
}

export function resolveEngine(choice: EngineChoice = processChoice): { readonly name: EngineName; readonly reason?: string } {
  if (choice !== 'auto') return { name: choice };
  const ort = loadOnnxRuntime();
  return 'error' in ort ? { name: 'wasm', reason: `${ort.error}; running on TensorFlow.js wasm` } : { name: 'onnxruntime' };
}

/** Builds the network's weights on the chosen engine. */
export async function buildEngine(config: NetworkConfig, options: EngineOptions = {}): Promise<Engine> {
  const { name, reason } = resolveEngine(options.engine);
  if (reason !== undefined && !fallbackLogged) {
    fallbackLogged = true;
    options.onLog?.('warn', reason);
  }
  return name === 'onnxruntime' ? buildOnnxRuntimeEngine(config, options) : buildWasmEngine(config, options);
}
