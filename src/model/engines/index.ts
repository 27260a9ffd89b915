/**
 * Builds the engine a caller chose (engine.ts): `auto` is onnxruntime where its binding loads, else wasm.
 */
import type { NetworkConfig } from '../config';
import type { Engine, EngineChoice, EngineInfo, EngineName, EngineOptions } from './engine';
import type { WeightSource } from './onnx';
import { loadOnnxRuntime, buildOnnxRuntimeEngine, runOnnxRuntimeBlock } from './onnxruntime';
import { buildWasmEngine, wasmEngineInfo } from './wasm';

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

/**
 * Builds the network's weights on the chosen engine. Not async itself: onnxruntime's graph is encoded before it
 * returns (engines/onnxruntime.ts), so a caller that keeps no reference to the state dict frees it early.
 */
export function buildEngine(config: NetworkConfig, options: EngineOptions = {}): Promise<Engine> {
  return chosenEngine(options) === 'onnxruntime' ? buildOnnxRuntimeEngine(config, options) : buildWasmEngine(config, options);
}

/** The engine a choice runs on, telling `onLog` once per process why `auto` fell back to wasm. */
function chosenEngine(options: Pick<EngineOptions, 'engine' | 'onLog'>): EngineName {
  const { name, reason } = resolveEngine(options.engine);
  if (reason !== undefined && !fallbackLogged) {
    fallbackLogged = true;
    options.onLog?.('warn', reason);
  }
  return name;
}

/**
 * One block of the network as the chosen engine runs it (the equivalence's check of its form (c)): on onnxruntime,
 * the block's part of the ONNX graph, whose output it returns (NHWC, with its NCHW shape); on wasm, the block is form (c) itself (the
 * network's own TF.js grouped convolution, groupedConv.ts), so only the engine is named and nothing else runs.
 */
export async function runBlock(
  config: NetworkConfig,
  block: string,
  weights: WeightSource,
  input: Float32Array,
  shape: readonly number[],
  options: Pick<EngineOptions, 'engine' | 'onLog'> = {},
): Promise<{ readonly info: EngineInfo; readonly output?: Float32Array; readonly shape?: readonly number[] }> {
  return chosenEngine(options) === 'onnxruntime' ? runOnnxRuntimeBlock(config, block, weights, input, shape) : { info: await wasmEngineInfo() };
}
