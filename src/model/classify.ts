/**
 * Image classification: decode → torchvision's preprocessing → the network → softmax → top-K with class names.
 * Plain JSON results (DESIGN §4, `resnext-inspector/classification@1`).
 */
import { initBackend, tf } from './tf';
import { InputError } from './errors';
import { decodeImage } from './image/decode';
import { preprocess } from './image/preprocess';
import type { Network } from './network';
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
  readonly preprocessing: { readonly resizePx: number; readonly cropPx: number; readonly mean: readonly number[]; readonly std: readonly number[] };
  readonly results: readonly ImageClassification[];
}

export interface ClassifyOptions {
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
  await initBackend();
  let start = performance.now();
  const decoded = decodeImage(bytes, image);
  const decodeMs = performance.now() - start;
  start = performance.now();
  const input = preprocess(decoded, { resizePx: options.resizePx, cropPx: options.cropPx });
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
