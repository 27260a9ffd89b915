/**
 * The engine seam: what runs a network's real weights. Two engines implement it, and nothing else in the core knows
 * which one runs:
 * - `wasm`: TensorFlow.js on its wasm backend (network.ts), everywhere; the summary's trace always runs there.
 * - `onnxruntime`: onnxruntime-node's CPU execution provider on the ONNX graph of onnx.ts, where its native binding
 *   loads. Required lazily, only when chosen, so the extension host and the summary never load it.
 * `auto` is onnxruntime where its binding loads, else wasm (with the reason, logged once by the caller).
 */
import type { NetworkConfig } from '../config';
import type { GroupedMethodOption } from '../groupedConv';
import type { LeafCall } from '../shapes';
import type { StateDict } from '../weights/stateDict';

export const ENGINE_NAMES = ['onnxruntime', 'wasm'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];
export const ENGINE_CHOICES = ['auto', ...ENGINE_NAMES] as const;
export type EngineChoice = (typeof ENGINE_CHOICES)[number];

/** What ran: the `engine` field of every JSON that ran weights. */
export interface EngineInfo {
  readonly name: EngineName;
  readonly version: string;
}

export interface EngineOutput {
  /** [N, classes] row-major. */
  readonly logits: Float32Array;
  /** With `features`: the last stage's output, NHWC [N, H, W, K] row-major (what cam.ts weighs). */
  readonly features?: { readonly data: Float32Array; readonly heightPx: number; readonly widthPx: number };
}

/** Per-layer times of warm forwards, as profile.ts reads them. */
export interface LayerTimes {
  /** Every module call of one forward in order (containers included), as the trace reports them. */
  readonly calls: readonly LeafCall[];
  /** Per call, its ms in each warm run. */
  readonly perCall: readonly (readonly number[])[];
  /** Each warm run's whole forward, ms. */
  readonly totals: readonly number[];
  /** How the engine's ops map to the rows (fusion, layout changes). */
  readonly note: string;
}

export interface Engine {
  readonly info: EngineInfo;
  readonly config: NetworkConfig;
  /** Intra-op threads it runs with. */
  readonly threads: number;
  /** Runs a batch: `input` NCHW float32 of `shape` [N, 3, H, W]. */
  run(input: Float32Array, shape: readonly [number, number, number, number], options?: { readonly features?: boolean }): Promise<EngineOutput>;
  /** fc's weight as PyTorch stores it, [classes, K] row-major. */
  fcWeight(): Float32Array;
  /** Times every layer over `runs` warm forwards of a random 1×3×H×W input (after one cold one). */
  timeLayers(runs: number, onProgress?: (message: string) => void): Promise<LayerTimes>;
  /** The roofline's ceilings measured on this engine: a large 1×1 conv (GMAC/s) and a large elementwise add (GB/s). */
  ceilings(): Promise<{ readonly gemmGmacPerSecond: number; readonly memoryGBPerSecond: number }>;
  dispose(): Promise<void>;
}

export interface EngineOptions {
  /** Default 'auto'. */
  readonly engine?: EngineChoice;
  /** Real weights (checked against the architecture); else seeded random ones. */
  readonly stateDict?: StateDict;
  /** Where the weights came from, for error messages. */
  readonly source?: string;
  readonly seed?: number;
  /** wasm only: how grouped convs run (network.ts). */
  readonly groupedMethod?: GroupedMethodOption;
  /** Told once per process why `auto` fell back to wasm. */
  readonly onLog?: (level: 'info' | 'warn', message: string) => void;
}

export function isEngineChoice(value: string): value is EngineChoice {
  return (ENGINE_CHOICES as readonly string[]).includes(value);
}
