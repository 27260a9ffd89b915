/**
 * Image classification: decode → torchvision's preprocessing → the network → softmax → top-K with class names.
 * Plain JSON results (DESIGN §4, `resnext-inspector/classification@1`).
 */
import * as fs from 'node:fs';
import { tf } from './tf';
import type { ConfigOverrides } from './architecture';
import type { NetworkConfig } from './config';
import { InputError } from './errors';
import { decodeImage } from './image/decode';
import { IMAGENET_MEAN, IMAGENET_STD, preprocess } from './image/preprocess';
import { buildNetwork, type Network } from './network';
import { describeWeights, readWeightsFile } from './weights/load';
import { configForWeights } from './weights/resolve';
import imagenetCategories from './data/imagenet_categories.json';

export const CLASSIFICATION_SCHEMA = 'resnext-inspector/classification@1';

/** The 1000 ImageNet-1K class names in index order (torchvision's `_IMAGENET_CATEGORIES`). */
export const IMAGENET_CATEGORIES: readonly string[] = imagenetCategories as string[];

export interface TopClass {
  readonly index: number;
  readonly label: string;
  readonly probability: number;
}

export interface ImageClassification {
  readonly image: string;
  readonly widthPx: number;
  readonly heightPx: number;
  /** The file's mode as Pillow names it (converted to RGB as Pillow's convert("RGB") does). */
  readonly mode: string;
  readonly top: readonly TopClass[];
  readonly logits: readonly number[];
  readonly timingsMs: { readonly decode: number; readonly preprocess: number; readonly forward: number };
}

export interface Classification {
  readonly schema: typeof CLASSIFICATION_SCHEMA;
  readonly model: string;
  readonly weights: string;
  readonly preprocessing: {
    readonly resizePx: number;
    readonly cropPx: number;
    readonly mean: readonly number[];
    readonly std: readonly number[];
    /** Pillow's resampling filter of the resize. */
    readonly interpolation: 'bilinear' | 'bicubic';
  };
  readonly results: readonly ImageClassification[];
}

/** Resampling filter and normalization; without them torchvision's (bilinear, ImageNet mean/std). See catalog.ts
 * `preprocessingFor` for a network's own (timm's pretrained configurations, the CIFAR port's). */
export interface PreprocessingChoice {
  readonly interpolation?: 'bilinear' | 'bicubic';
  readonly mean?: readonly [number, number, number];
  readonly std?: readonly [number, number, number];
}

export interface ClassifyOptions extends PreprocessingChoice {
  readonly resizePx: number;
  readonly cropPx: number;
  readonly topK: number;
  readonly labels: readonly string[];
}

/** Softmax over the logits, computed stably (max subtracted). */
export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp(logits[i]! - max);
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}

export function topK(logits: ArrayLike<number>, k: number, labels: readonly string[]): TopClass[] {
  const probabilities = softmax(logits);
  return [...probabilities.keys()]
    .sort((a, b) => probabilities[b]! - probabilities[a]! || a - b)
    .slice(0, k)
    .map((index) => ({ index, label: labels[index] ?? `class ${index}`, probability: probabilities[index]! }));
}

/** Class names from a file: a JSON array of strings, or plain text with one name per line. */
export function parseLabels(text: string, source: string, numClasses: number): string[] {
  let labels: unknown;
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    try {
      labels = JSON.parse(trimmed);
    } catch {
      throw new InputError(`${source} starts like a JSON array but is not valid JSON; give a JSON array of strings or one label per line`);
    }
    if (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string')) throw new InputError(`${source} must be a JSON array of strings (one per class)`);
  } else {
    labels = trimmed.split(/\r?\n/).map((l) => l.trim());
  }
  const list = labels as string[];
  if (list.length !== numClasses) throw new InputError(`${source} has ${list.length} labels but the network has ${numClasses} classes; give exactly one label per class`);
  return list;
}

/** Classifies one image file's bytes with a built network. */
export async function classifyImage(network: Network, bytes: Uint8Array, image: string, options: ClassifyOptions): Promise<ImageClassification> {
  let start = performance.now();
  const decoded = decodeImage(bytes, image);
  const decodeMs = performance.now() - start;
  start = performance.now();
  const input = preprocess(decoded, { resizePx: options.resizePx, cropPx: options.cropPx, interpolation: options.interpolation, mean: options.mean, std: options.std });
  const preprocessMs = performance.now() - start;
  start = performance.now();
  const tensor = tf.tensor4d(input, [1, 3, options.cropPx, options.cropPx]);
  let logits: Float32Array;
  try {
    const output = network.forward(tensor);
    logits = (await output.data()) as Float32Array;
    output.dispose();
  } finally {
    tensor.dispose();
  }
  const forwardMs = performance.now() - start;
  return {
    image,
    widthPx: decoded.widthPx,
    heightPx: decoded.heightPx,
    mode: decoded.mode,
    top: topK(logits, options.topK, options.labels),
    logits: Array.from(logits),
    timingsMs: { decode: round1(decodeMs), preprocess: round1(preprocessMs), forward: round1(forwardMs) },
  };
}

const round1 = (ms: number): number => Math.round(ms * 10) / 10;

/** The class names for a network: from a labels file's text, else ImageNet's for 1000 classes, else `class i`. */
export function labelsFor(numClasses: number, labelsFile?: { readonly text: string; readonly source: string }): readonly string[] {
  if (labelsFile) return parseLabels(labelsFile.text, labelsFile.source, numClasses);
  if (numClasses === IMAGENET_CATEGORIES.length) return IMAGENET_CATEGORIES;
  return Array.from({ length: numClasses }, (_, i) => `class ${i}`);
}

/** A network built from a weights file, ready to classify: what the CLI and the extension's worker both hold. */
export interface Classifier {
  readonly model: string;
  readonly config: NetworkConfig;
  readonly weightsPath: string;
  /** The path, and which state dict in it was used when that is not the whole file (load.ts describeWeights). */
  readonly weightsSource: string;
  readonly network: Network;
  readonly labels: readonly string[];
  /** How long reading the file and building the network took. */
  readonly loadMs: number;
  dispose(): void;
}

export interface LoadClassifierOptions {
  /** The architecture by name (checked against the file); else it is inferred from the file. */
  readonly preset?: string;
  readonly overrides?: ConfigOverrides;
  /** Architecture flags were given (use them rather than inferring). */
  readonly architectureFlagsGiven?: boolean;
  readonly labelsFile?: { readonly text: string; readonly source: string };
  /** Which state dict in the file to use (`resnext inspect` lists them); else the first in the documented order. */
  readonly stateDictKey?: string;
}

/** Reads a weights file, settles its architecture, checks the labels and builds the network (backend included). */
export async function loadClassifier(weightsPath: string, options: LoadClassifierOptions = {}): Promise<Classifier> {
  const started = performance.now();
  const weights = readWeightsFile(weightsPath, { stateDictKey: options.stateDictKey });
  const { stateDict } = weights;
  const { config, model } = configForWeights(stateDict, weightsPath, options.preset, options.overrides, options.architectureFlagsGiven, weights.choice);
  const labels = labelsFor(config.numClasses, options.labelsFile);
  const source = describeWeights(weightsPath, weights);
  const network = await buildNetwork(config, { stateDict, source });
  const loadMs = performance.now() - started;
  return { model, config, weightsPath, weightsSource: source, network, labels, loadMs, dispose: () => network.dispose() };
}

/** An image file's bytes, or an InputError that says why it cannot be read. */
export function readImageFile(image: string): Uint8Array {
  try {
    return fs.readFileSync(image);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'there is no file at this path' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : String(code ?? error);
    throw new InputError(`cannot read the image ${image}: ${why}`);
  }
}

export interface ClassifyFilesOptions extends PreprocessingChoice {
  readonly resizePx: number;
  readonly cropPx: number;
  readonly topK: number;
}

/** Classifies image files with a loaded classifier: the one path from files to the classification JSON. */
export async function classifyFiles(classifier: Classifier, images: readonly string[], options: ClassifyFilesOptions): Promise<Classification> {
  const numClasses = classifier.config.numClasses;
  if (options.topK > numClasses) throw new InputError(`top ${options.topK} is more than the network's ${numClasses} classes; ask for at most ${numClasses}`);
  const results: ImageClassification[] = [];
  for (const image of images) {
    results.push(await classifyImage(classifier.network, readImageFile(image), image, { ...options, labels: classifier.labels }));
  }
  return {
    schema: CLASSIFICATION_SCHEMA,
    model: classifier.model,
    weights: classifier.weightsSource,
    preprocessing: {
      resizePx: options.resizePx,
      cropPx: options.cropPx,
      mean: options.mean ?? IMAGENET_MEAN,
      std: options.std ?? IMAGENET_STD,
      interpolation: options.interpolation ?? 'bilinear',
    },
    results,
  };
}
