/**
 * Image classification: decode → torchvision's preprocessing → the network → softmax → top-K with class names.
 * Plain JSON results (DESIGN §4, `resnext-inspector/classification@1`).
 */
import * as fs from 'node:fs';
import type { ConfigOverrides } from './architecture';
import type { NetworkConfig } from './config';
import { preprocessingFor } from './catalog';
import { camHeatmap, camOverlay, classActivationMap, type ClassActivationMap } from './cam';
import { InputError, unreadableReason } from './errors';
import { decodeImage } from './image/decode';
import { encodePng } from './image/pngEncode';
import { centerCrop, IMAGENET_MEAN, IMAGENET_STD, preprocess, resizeShorterSide, type RgbPixels } from './image/preprocess';
import { buildEngine, type Engine, type EngineChoice, type EngineInfo } from './engines';
import type { GroupedMethodOption } from './groupedConv';
import { describeWeights, readWeights, readWeightsFile } from './weights/load';
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
  /** With `cam`: the class activation map of the top-1 class on layer4's grid. */
  readonly cam?: ClassActivationMap;
  /** With `cam: 'top'`: the map of every class in `top`, in the same order. */
  readonly cams?: readonly ClassActivationMap[];
}

export interface Classification {
  readonly schema: typeof CLASSIFICATION_SCHEMA;
  readonly model: string;
  readonly weights: string;
  /** What ran the weights. */
  readonly engine: EngineInfo;
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
  /** Class activation maps: of the top-1 class, or of every top-K class. */
  readonly cam?: CamChoice;
}

export type CamChoice = 'top1' | 'top';

/**
 * The preprocessing a network is classified with: its own (`preprocessingFor`: timm's pretrained configuration, the
 * CIFAR port's, else torchvision's with `torchvisionResizePx`), with any of resize, crop and filter overridden. The one
 * choice for the classify command, the extension and evaluation's workers.
 */
export function preprocessingWith(
  config: NetworkConfig,
  torchvisionResizePx: number | undefined,
  overrides: { readonly resizePx?: number; readonly cropPx?: number; readonly interpolation?: 'bilinear' | 'bicubic' } = {},
): Required<PreprocessingChoice> & { readonly resizePx: number; readonly cropPx: number } {
  const pre = preprocessingFor(config, torchvisionResizePx);
  return {
    resizePx: overrides.resizePx ?? pre.resizePx,
    cropPx: overrides.cropPx ?? pre.cropPx,
    interpolation: overrides.interpolation ?? pre.interpolation,
    mean: pre.mean,
    std: pre.std,
  };
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
    if (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string'))
      throw new InputError(`${source} must be a JSON array of strings (one per class)`);
  } else {
    labels = trimmed.split(/\r?\n/).map((l) => l.trim());
  }
  const list = labels as string[];
  if (list.length !== numClasses)
    throw new InputError(`${source} has ${list.length} labels but the network has ${numClasses} classes; give exactly one label per class`);
  return list;
}

/** One image decoded and preprocessed: the network's input and what the result reports about the file. */
export interface PreparedImage {
  readonly image: string;
  readonly input: Float32Array;
  readonly widthPx: number;
  readonly heightPx: number;
  readonly mode: string;
  readonly decodeMs: number;
  readonly preprocessMs: number;
}

export function prepareImage(bytes: Uint8Array, image: string, options: ClassifyOptions): PreparedImage {
  let start = performance.now();
  const decoded = decodeImage(bytes, image);
  const decodeMs = performance.now() - start;
  start = performance.now();
  const input = preprocess(decoded, {
    resizePx: options.resizePx,
    cropPx: options.cropPx,
    interpolation: options.interpolation,
    mean: options.mean,
    std: options.std,
  });
  return { image, input, widthPx: decoded.widthPx, heightPx: decoded.heightPx, mode: decoded.mode, decodeMs, preprocessMs: performance.now() - start };
}

/**
 * Classifies preprocessed images as one batch on the engine. Each image's forward time is the batch's divided by its
 * size.
 */
export async function classifyBatch(engine: Engine, prepared: readonly PreparedImage[], options: ClassifyOptions): Promise<ImageClassification[]> {
  const n = prepared.length;
  const per = 3 * options.cropPx * options.cropPx;
  const input = n === 1 ? prepared[0]!.input : new Float32Array(n * per);
  if (n > 1) prepared.forEach((p, i) => input.set(p.input, i * per));
  const start = performance.now();
  const output = await engine.run(input, [n, 3, options.cropPx, options.cropPx], { features: options.cam !== undefined });
  const forwardMs = (performance.now() - start) / n;
  const classes = output.logits.length / n;
  return prepared.map((p, i) => {
    const logits = output.logits.subarray(i * classes, (i + 1) * classes);
    const top = topK(logits, options.topK, options.labels);
    let cams: ClassActivationMap[] | undefined;
    const f = output.features;
    if (f) {
      const size = f.data.length / n;
      const data = f.data.subarray(i * size, (i + 1) * size);
      const fc = fcWeightOf(engine);
      const chosen = options.cam === 'top' ? top.map((t) => t.index) : [top[0]!.index];
      cams = chosen.map((c) => classActivationMap(data, f.heightPx, f.widthPx, fc, c));
    }
    return {
      image: p.image,
      widthPx: p.widthPx,
      heightPx: p.heightPx,
      mode: p.mode,
      top,
      logits: Array.from(logits),
      timingsMs: { decode: round1(p.decodeMs), preprocess: round1(p.preprocessMs), forward: round1(forwardMs) },
      ...(cams && { cam: cams[0]! }),
      ...(cams && options.cam === 'top' && { cams }),
    };
  });
}

/** Classifies one image file's bytes on a built engine. */
export async function classifyImage(engine: Engine, bytes: Uint8Array, image: string, options: ClassifyOptions): Promise<ImageClassification> {
  return (await classifyBatch(engine, [prepareImage(bytes, image, options)], options))[0]!;
}

/** fc's weight per engine, read once. */
const fcWeights = new WeakMap<Engine, Float32Array>();
function fcWeightOf(engine: Engine): Float32Array {
  let w = fcWeights.get(engine);
  if (!w) fcWeights.set(engine, (w = engine.fcWeight()));
  return w;
}

/**
 * The CAM blended over the image's center crop (the pixels the network saw: resized and cropped as in `preprocess`),
 * as PNG bytes.
 */
export function camOverlayPng(bytes: Uint8Array, image: string, cam: ClassActivationMap, options: CropChoice & { opacity?: number }): Buffer {
  return encodePng(camOverlay(networkView(bytes, image, options), cam, options.opacity ?? 0.5));
}

/** The resize and crop of the classification (and its resampling filter, bilinear unless given). */
export interface CropChoice {
  readonly resizePx: number;
  readonly cropPx: number;
  readonly interpolation?: 'bilinear' | 'bicubic';
}

/** The center crop the network saw, as 8-bit RGB (before normalization). */
function networkView(bytes: Uint8Array, image: string, options: CropChoice): RgbPixels {
  return centerCrop(resizeShorterSide(decodeImage(bytes, image), options.resizePx, options.interpolation ?? 'bilinear'), options.cropPx);
}

/** For a viewer that blends them itself (an opacity slider): the center crop and each map's heatmap, as PNG bytes. */
export function camPictures(bytes: Uint8Array, image: string, cams: readonly ClassActivationMap[], options: CropChoice): { crop: Buffer; heatmaps: Buffer[] } {
  const crop = networkView(bytes, image, options);
  return { crop: encodePng(crop), heatmaps: cams.map((cam) => encodePng(camHeatmap(cam, crop.widthPx, crop.heightPx))) };
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
  readonly engine: Engine;
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
  /** The file's bytes, already read (e.g. once for several workers, in a SharedArrayBuffer); else the file is read. */
  readonly bytes?: Uint8Array;
  /** Which state dict in the file to use (`resnext inspect` lists them); else the first in the documented order. */
  readonly stateDictKey?: string;
  /** How grouped convs run on wasm (NetworkOptions.groupedMethod); default 'auto', each layer shape's measured fastest. */
  readonly groupedMethod?: GroupedMethodOption;
  /** Which engine runs the weights; default: the process's choice (engines/index.ts setEngine), else auto. */
  readonly engine?: EngineChoice;
  /** Why auto fell back to wasm (once per process). */
  readonly onLog?: (level: 'info' | 'warn', message: string) => void;
}

/** Reads a weights file, settles its architecture, checks the labels and builds the network (backend included). */
export async function loadClassifier(weightsPath: string, options: LoadClassifierOptions = {}): Promise<Classifier> {
  const started = performance.now();
  const readOptions = { stateDictKey: options.stateDictKey };
  const weights = options.bytes ? readWeights(options.bytes, weightsPath, readOptions) : readWeightsFile(weightsPath, readOptions);
  const { stateDict } = weights;
  const { config, model } = configForWeights(stateDict, weightsPath, options.preset, options.overrides, options.architectureFlagsGiven, weights.choice);
  const labels = labelsFor(config.numClasses, options.labelsFile);
  const source = describeWeights(weightsPath, weights);
  const engine = await buildEngine(config, {
    stateDict,
    source,
    ...(options.groupedMethod && { groupedMethod: options.groupedMethod }),
    ...(options.engine && { engine: options.engine }),
    ...(options.onLog && { onLog: options.onLog }),
  });
  const loadMs = performance.now() - started;
  return { model, config, weightsPath, weightsSource: source, engine, labels, loadMs, dispose: () => void engine.dispose() };
}

/** An image file's bytes, or an InputError that says why it cannot be read. */
export function readImageFile(image: string): Uint8Array {
  try {
    return fs.readFileSync(image);
  } catch (error) {
    const why = unreadableReason(error, 'file');
    throw new InputError(`cannot read the image ${image}: ${why}`);
  }
}

export interface ClassifyFilesOptions extends PreprocessingChoice {
  readonly resizePx: number;
  readonly cropPx: number;
  readonly topK: number;
  readonly cam?: CamChoice;
}

/** The most images classify runs in one batch. */
export const CLASSIFY_BATCH = 16;

/** Classifies image files with a loaded classifier: the one path from files to the classification JSON. */
export async function classifyFiles(classifier: Classifier, images: readonly string[], options: ClassifyFilesOptions): Promise<Classification> {
  const numClasses = classifier.config.numClasses;
  if (options.topK > numClasses) throw new InputError(`top ${options.topK} is more than the network's ${numClasses} classes; ask for at most ${numClasses}`);
  const classifyOptions = { ...options, labels: classifier.labels };
  // Several images run as batches (of at most CLASSIFY_BATCH: the activations grow with the batch).
  const results: ImageClassification[] = [];
  for (let i = 0; i < images.length; i += CLASSIFY_BATCH) {
    const prepared = images.slice(i, i + CLASSIFY_BATCH).map((image) => prepareImage(readImageFile(image), image, classifyOptions));
    results.push(...(await classifyBatch(classifier.engine, prepared, classifyOptions)));
  }
  return {
    schema: CLASSIFICATION_SCHEMA,
    model: classifier.model,
    weights: classifier.weightsSource,
    engine: classifier.engine.info,
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
