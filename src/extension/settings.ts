/** Typed access to the `resnext.*` settings declared in package.json's `contributes.configuration`. */
import * as vscode from 'vscode';
import { DEFAULT_PRESET, isPresetName, type PresetName } from '../model/config';

export interface Settings {
  /** Weights for classification: a .pth/.safetensors path, a URL, or '' for the preset's torchvision weights. */
  readonly weights: string;
  readonly weightsDownloadBaseUrl: string;
  readonly topK: number;
  readonly defaultPreset: PresetName;
  /** TF.js wasm threads for the worker: 1–8, 0 = the available cores. */
  readonly threads: number;
  /** What runs the weights in the worker (resnext.engine). */
  readonly engine: 'auto' | 'onnxruntime' | 'wasm';
  /** Which state dict to read from checkpoints that hold several ('' = the documented order). */
  readonly stateDictKey: string;
}

/** The schema bounds it, but settings.json can hold anything: out-of-range values mean the default (0, all cores). */
export function threadsSetting(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 8 ? value : 0;
}

/** settings.json can hold anything: an unknown engine means the default (auto). */
export function engineSetting(value: unknown): Settings['engine'] {
  return value === 'onnxruntime' || value === 'wasm' ? value : 'auto';
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('resnext');
  const preset = c.get<string>('defaultPreset', DEFAULT_PRESET);
  const topK = c.get<number>('topK', 5);
  return {
    weights: c.get<string>('weights', '').trim(),
    weightsDownloadBaseUrl: c.get<string>('weightsDownloadBaseUrl', 'https://download.pytorch.org/models/'),
    // The schema bounds topK, but settings.json can hold anything: clamp rather than fail.
    topK: Number.isInteger(topK) ? Math.min(Math.max(topK, 1), 1000) : 5,
    defaultPreset: isPresetName(preset) ? preset : DEFAULT_PRESET,
    threads: threadsSetting(c.get<number>('threads', 0)),
    stateDictKey: c.get<string>('stateDictKey', '').trim(),
    engine: engineSetting(c.get<string>('engine', 'auto')),
  };
}
