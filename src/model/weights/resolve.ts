/**
 * From what a user says ("a file", "a URL", "torchvision's weights for this preset") to a local weights file, and
 * from a weights file to the configuration it holds. Shared by the CLI and the extension's worker.
 */
import * as path from 'node:path';
import { checkedArchitecture, resolveConfig, type ConfigOverrides } from '../architecture';
import { configName, type NetworkConfig } from '../config';
import { downloadToCache, weightsUrl, type DownloadProgress } from './download';
import { inferConfig } from './infer';
import { describeChoice, type Choice } from './find';
import { WeightsError } from '../errors';
import { DEFAULT_WEIGHTS_BASE_URL, OFFICIAL_WEIGHTS, officialWeights } from './official';
import type { StateDict } from './stateDict';

export type WeightsSpec =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'url'; readonly url: string }
  /** `<preset>[:V1|V2]`: torchvision's official file. */
  | { readonly kind: 'pretrained'; readonly spec: string };

/** `pretrained:resnext50_32x4d:V2` (the extension's setting), an http(s) URL, or a path. */
export function parseWeightsSpec(text: string): WeightsSpec {
  if (/^pretrained:/i.test(text)) return { kind: 'pretrained', spec: text.slice('pretrained:'.length) };
  if (/^https?:\/\//i.test(text)) return { kind: 'url', url: text };
  return { kind: 'file', path: text };
}

export interface ResolvedWeights {
  readonly path: string;
  /** Shorter side of torchvision's preprocessing for these weights: 232 for V2 files (and resnext101_64x4d), else 256. */
  readonly resizePx: number;
  /** The preset of official weights (their architecture), when known. */
  readonly preset?: string;
  readonly downloaded: boolean;
}

export interface FetchOptions {
  readonly cacheDir: string;
  readonly baseUrl?: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (fileName: string, progress: DownloadProgress) => void;
}

/** The resize of torchvision's preset for a file named as an official one (V2 → 232), else 256 (the V1 recipe). */
export function defaultResizePx(weightsPath: string): number {
  return OFFICIAL_WEIGHTS.find((w) => w.fileName === path.basename(weightsPath))?.resizePx ?? 256;
}

/** A local file as is; a URL or official weights downloaded into the cache once (hash-checked, atomic). */
export async function resolveWeights(spec: WeightsSpec, options: FetchOptions): Promise<ResolvedWeights> {
  const fetchInto = async (url: string, fileName: string, sha256Prefix: string): Promise<{ path: string; downloaded: boolean }> =>
    downloadToCache({
      url,
      fileName,
      sha256Prefix,
      cacheDir: options.cacheDir,
      signal: options.signal,
      onProgress: options.onProgress && ((p) => options.onProgress!(fileName, p)),
    });
  switch (spec.kind) {
    case 'file':
      return { path: spec.path, resizePx: defaultResizePx(spec.path), downloaded: false };
    case 'url': {
      const fileName = path.basename(new URL(spec.url).pathname) || 'weights.pth';
      const hash = /-([0-9a-f]{8,})\.[a-z]+$/.exec(fileName)?.[1] ?? ''; // torch.hub names carry the hash prefix
      const got = await fetchInto(spec.url, fileName, hash);
      return { path: got.path, resizePx: defaultResizePx(fileName), downloaded: got.downloaded };
    }
    case 'pretrained': {
      const official = officialWeights(spec.spec);
      const got = await fetchInto(weightsUrl(options.baseUrl ?? DEFAULT_WEIGHTS_BASE_URL, official.fileName), official.fileName, official.sha256Prefix);
      return { path: got.path, resizePx: official.resizePx, preset: official.preset, downloaded: got.downloaded };
    }
  }
}

/**
 * The architecture of the state dict read from a file; when it cannot be inferred, the message also says which
 * state dict was read, what else the file holds, and the next step (inspect it, choose another).
 */
export function inferWeightsConfig(stateDict: StateDict, weightsPath: string, choice?: Omit<Choice<unknown>, 'tensors'>): NetworkConfig {
  try {
    return inferConfig(stateDict, weightsPath);
  } catch (error) {
    if (!(error instanceof WeightsError) || choice === undefined) throw error;
    const read = describeChoice(choice);
    const others = choice.candidates.length > 1;
    throw new WeightsError(
      `${error.message}. ${read === '' ? '' : `It read ${read}. `}See what the file holds with 'resnext inspect ${weightsPath}' (ResNeXt: Inspect Checkpoint)` +
        `${others ? ' and choose another state dict with --state-dict KEY (the resnext.stateDictKey setting)' : ''}.`,
    );
  }
}

/** The configuration for a weights file: named by a preset or flags (then checked against the file), else inferred. */
export function configForWeights(
  stateDict: StateDict,
  weightsPath: string,
  preset: string | undefined,
  overrides: ConfigOverrides = {},
  architectureFlagsGiven = false,
  choice?: Omit<Choice<unknown>, 'tensors'>,
): { model: string; config: NetworkConfig } {
  if (preset !== undefined || architectureFlagsGiven) return resolveConfig(preset, overrides);
  const inferred = inferWeightsConfig(stateDict, weightsPath, choice);
  const config: NetworkConfig =
    overrides.inputHeightPx !== undefined && overrides.inputWidthPx !== undefined
      ? { ...inferred, inputHeightPx: overrides.inputHeightPx, inputWidthPx: overrides.inputWidthPx }
      : inferred;
  checkedArchitecture(config);
  return { model: configName(config), config };
}
