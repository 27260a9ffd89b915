/**
 * `resnext evaluate`: a checkpoint's accuracy on a folder of images laid out as torchvision's `ImageFolder`
 * (torchvision/datasets/folder.py: `find_classes`, `make_dataset`), and the report (DESIGN §4,
 * `resnext-inspector/evaluate@1`). Listing, per-image work and the report are here; running the images on parallel
 * worker threads is evaluatePool.ts.
 */
import type { EngineInfo } from './engines';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { classifyBatch, prepareImage, type ImageClassification, type PreparedImage, preprocessingWith, readImageFile, type Classifier } from './classify';
import { InputError, isInputError, unreadableReason } from './errors';
import { EVALUATE_SCHEMA, type EvaluateJson } from '../shared/data';
import { decodeImage } from './image/decode';
import { encodePng } from './image/pngEncode';
import { resampleBilinear } from './image/preprocess';

export { EVALUATE_SCHEMA };

/** torchvision's `IMG_EXTENSIONS`, matched case-insensitively as `has_file_allowed_extension` does. */
export const IMG_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp'] as const;

export interface FolderSample {
  /** Relative to the folder, with `/` separators. */
  readonly path: string;
  /** The class index (position of the class folder in sorted order); null in a flat folder. */
  readonly label: number | null;
}

export interface ImageFolderListing {
  readonly root: string;
  /** Class folder names in sorted order; empty for a flat folder (predictions only). */
  readonly classes: readonly string[];
  readonly samples: readonly FolderSample[];
}

const hasImageExtension = (name: string): boolean => IMG_EXTENSIONS.some((ext) => name.toLowerCase().endsWith(ext));
/** Python's `sorted()` on str: by code point. */
const byCodePoint = (a: string, b: string): number => {
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
};

function readDir(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    const why = unreadableReason(error, 'folder');
    throw new InputError(`cannot read the folder ${dir}: ${why}`);
  }
}

/** Follows symbolic links as `os.walk(followlinks=True)` does (`is_dir()` / `is_file()` follow them). */
function kind(dir: string, entry: fs.Dirent): 'dir' | 'file' | undefined {
  if (entry.isDirectory()) return 'dir';
  if (entry.isFile()) return 'file';
  if (!entry.isSymbolicLink()) return undefined;
  const stat = fs.statSync(path.join(dir, entry.name), { throwIfNoEntry: false });
  return stat?.isDirectory() ? 'dir' : stat?.isFile() ? 'file' : undefined;
}

/**
 * The image files under a class folder in `make_dataset`'s order: `sorted(os.walk(dir, followlinks=True))` (by folder
 * path), then each folder's file names sorted. A folder reached twice through links is walked once.
 */
function walkImages(root: string, classDir: string): string[] {
  const found: { dir: string; name: string }[] = [];
  const seen = new Set<string>();
  const visit = (dir: string): void => {
    const real = fs.realpathSync(dir);
    if (seen.has(real)) return;
    seen.add(real);
    for (const entry of readDir(dir)) {
      const k = kind(dir, entry);
      if (k === 'dir') visit(path.join(dir, entry.name));
      else if (k === 'file' && hasImageExtension(entry.name)) found.push({ dir, name: entry.name });
    }
  };
  visit(classDir);
  found.sort((a, b) => byCodePoint(a.dir, b.dir) || byCodePoint(a.name, b.name));
  return found.map((f) => path.relative(root, path.join(f.dir, f.name)).split(path.sep).join('/'));
}

/**
 * Lists a folder as torchvision's ImageFolder does: each subfolder is a class (index = position in sorted order) and
 * its images (by extension, searched recursively) are the samples; a class folder without images is an error. A
 * folder with images and no subfolders is flat: predictions only.
 */
export function listImageFolder(root: string): ImageFolderListing {
  const entries = readDir(root);
  const classes = entries
    .filter((e) => kind(root, e) === 'dir')
    .map((e) => e.name)
    .sort(byCodePoint);
  if (classes.length === 0) {
    const files = entries
      .filter((e) => kind(root, e) === 'file' && hasImageExtension(e.name))
      .map((e) => e.name)
      .sort(byCodePoint);
    if (files.length === 0) {
      throw new InputError(
        `${root} has no class folders and no images (${IMG_EXTENSIONS.join(' ')}); give an ImageFolder (one subfolder of images per class) or a folder of images`,
      );
    }
    return { root, classes: [], samples: files.map((f) => ({ path: f, label: null })) };
  }
  const samples: FolderSample[] = [];
  const empty: string[] = [];
  classes.forEach((name, label) => {
    const files = walkImages(root, path.join(root, name));
    if (files.length === 0) empty.push(name);
    for (const f of files) samples.push({ path: f, label });
  });
  if (empty.length > 0) {
    throw new InputError(
      `found no images for the class${empty.length > 1 ? 'es' : ''} ${empty.join(', ')} in ${root} (as torchvision's ImageFolder, every class folder needs at least one ` +
        `file with an image extension: ${IMG_EXTENSIONS.join(' ')}); remove the folder or add images`,
    );
  }
  return { root, classes, samples };
}

export interface ImageOutcome {
  readonly index: number;
  /** Best-first class indices and their probabilities (K of them). */
  readonly top?: readonly number[];
  readonly probs?: readonly number[];
  /** Why the file could not be classified. */
  readonly error?: string;
  /** Read, decode, preprocess and forward, ms. */
  readonly ms: number;
  /** With `thumbnailPx`: a small PNG of the image (re-encoded, never the file's own bytes). */
  readonly thumbnail?: Uint8Array;
}

export interface EvaluateImageOptions {
  /** Overrides of the network's own preprocessing (`preprocessingWith`, the same as classification's). */
  readonly resizePx?: number;
  readonly cropPx?: number;
  readonly interpolation?: 'bilinear' | 'bicubic';
  /** torchvision's resize for these weights (their recipe's), for networks without a preprocessing of their own. */
  readonly torchvisionResizePx?: number;
  readonly topK: number;
  /** Also make a thumbnail whose longer side is at most this many pixels (for a viewer). */
  readonly thumbnailPx?: number;
}

/** The image scaled (never up) so that its longer side is at most `maxPx`, as PNG bytes. */
export function thumbnailPng(bytes: Uint8Array, source: string, maxPx: number): Uint8Array {
  const image = decodeImage(bytes, source);
  const scale = Math.min(1, maxPx / Math.max(image.widthPx, image.heightPx));
  const w = Math.max(1, Math.round(image.widthPx * scale));
  const h = Math.max(1, Math.round(image.heightPx * scale));
  return encodePng(scale === 1 ? image : resampleBilinear(image, w, h));
}

/** One image through the one classification path; a file that cannot be read or decoded is an outcome, not a throw. */
export async function evaluateImage(
  classifier: Classifier,
  root: string,
  sample: FolderSample,
  index: number,
  options: EvaluateImageOptions,
): Promise<ImageOutcome> {
  return (await evaluateBatch(classifier, root, [{ sample, index }], options))[0]!;
}

/** Why a file failed, without its name (the report shows it next to the reason). */
function failure(sample: FolderSample, error: unknown): string {
  // Decoder messages start with the file's name, which the report already shows next to the reason.
  const prefix = `${sample.path}: `;
  const message = isInputError(error) ? (error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message) : undefined;
  return message ?? `internal error (${error instanceof Error ? error.message : String(error)})`;
}

/**
 * Images read, decoded and preprocessed one by one, then classified as one batch (the ones that decoded). Each
 * file's ms is its own read/decode/preprocess plus its share of the batch's forward.
 */
export async function evaluateBatch(
  classifier: Classifier,
  root: string,
  items: readonly { readonly sample: FolderSample; readonly index: number }[],
  options: EvaluateImageOptions,
): Promise<ImageOutcome[]> {
  const pre = preprocessingWith(classifier.config, options.torchvisionResizePx, options);
  const classifyOptions = { ...pre, topK: options.topK, labels: classifier.labels };
  const outcomes: (ImageOutcome | undefined)[] = items.map(() => undefined);
  const ready: { at: number; prepared: PreparedImage; bytes: Uint8Array; ms: number }[] = [];
  items.forEach(({ sample, index }, at) => {
    const started = performance.now();
    try {
      const bytes = readImageFile(path.join(root, ...sample.path.split('/')));
      ready.push({ at, prepared: prepareImage(bytes, sample.path, classifyOptions), bytes, ms: performance.now() - started });
    } catch (error) {
      outcomes[at] = { index, error: failure(sample, error), ms: performance.now() - started };
    }
  });
  if (ready.length > 0) {
    const started = performance.now();
    let results: ImageClassification[];
    try {
      results = await classifyBatch(
        classifier.engine,
        ready.map((r) => r.prepared),
        classifyOptions,
      );
    } catch (error) {
      for (const r of ready) outcomes[r.at] = { index: items[r.at]!.index, error: failure(items[r.at]!.sample, error), ms: r.ms };
      return outcomes.map((o) => o!);
    }
    const share = (performance.now() - started) / ready.length;
    ready.forEach((r, i) => {
      const { sample, index } = items[r.at]!;
      const top = results[i]!.top;
      let thumbnail: Uint8Array | undefined;
      try {
        thumbnail = options.thumbnailPx === undefined ? undefined : thumbnailPng(r.bytes, sample.path, options.thumbnailPx);
      } catch {
        thumbnail = undefined;
      }
      outcomes[r.at] = { index, top: top.map((t) => t.index), probs: top.map((t) => t.probability), ms: r.ms + share, ...(thumbnail && { thumbnail }) };
    });
  }
  return outcomes.map((o) => o!);
}

export type { PerClass } from '../shared/data';
/** The evaluate@1 JSON: its type is inferred from the schema in src/shared/data.ts (one source). */
export type EvaluationJson = EvaluateJson;
export type FileResult = EvaluationJson['files'][number];

/** The report, with what the JSON leaves out (per-file timings, the model, the class names of the network). */
export interface Evaluation {
  readonly json: EvaluationJson;
  readonly model: string;
  readonly weights: string;
  readonly root: string;
  /** The network's class names (predictions are indices into these). */
  readonly labels: readonly string[];
  /** Per classified file, ms, aligned with json.files. */
  readonly fileMs: readonly number[];
  /** Per classified file, the thumbnail PNG when asked for, aligned with json.files. */
  readonly thumbnails: readonly (Uint8Array | undefined)[];
  readonly workers: number;
  readonly elapsedMs: number;
}

export interface EvaluationContext {
  readonly listing: ImageFolderListing;
  readonly model: string;
  readonly weights: string;
  readonly labels: readonly string[];
  /** What ran the weights. */
  readonly engine: EngineInfo;
  readonly workers: number;
  readonly elapsedMs: number;
  /** From the first loaded network to the last result: what images/s is measured over. */
  readonly classifyMs: number;
}

/** Builds the report from every sample's outcome (in any order: sorted back into the listing's order here). */
export function buildEvaluation(context: EvaluationContext, outcomes: readonly ImageOutcome[]): Evaluation {
  const { listing } = context;
  const ordered = [...outcomes].sort((a, b) => a.index - b.index);
  if (ordered.length !== listing.samples.length || ordered.some((o, i) => o.index !== i)) throw new Error('evaluation outcomes do not match the listing');
  const C = listing.classes.length;
  const files: FileResult[] = [];
  const fileMs: number[] = [];
  const thumbnails: (Uint8Array | undefined)[] = [];
  const failed: { path: string; reason: string }[] = [];
  const confusion = Array.from({ length: C }, () => new Array<number>(C).fill(0));
  const count = new Array<number>(C).fill(0);
  const correct1 = new Array<number>(C).fill(0);
  const correct5 = new Array<number>(C).fill(0);
  for (const o of ordered) {
    const sample = listing.samples[o.index]!;
    if (o.error !== undefined || !o.top || !o.probs) {
      failed.push({ path: sample.path, reason: o.error ?? 'no result' });
      continue;
    }
    files.push({ path: sample.path, label: sample.label, top5: o.top, probs: o.probs });
    fileMs.push(o.ms);
    thumbnails.push(o.thumbnail);
    if (sample.label === null) continue;
    const predicted = o.top[0]!;
    count[sample.label]!++;
    if (predicted === sample.label) correct1[sample.label]!++;
    if (o.top.slice(0, 5).includes(sample.label)) correct5[sample.label]!++;
    if (predicted < C) confusion[sample.label]![predicted]!++;
  }
  const labelled = count.reduce((a, b) => a + b, 0);
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  const json: EvaluationJson = {
    schema: EVALUATE_SCHEMA,
    engine: context.engine,
    count: files.length,
    top1: C > 0 && labelled > 0 ? sum(correct1) / labelled : null,
    top5: C > 0 && labelled > 0 ? sum(correct5) / labelled : null,
    classes: listing.classes,
    perClass: listing.classes.map((name, i) => ({
      class: name,
      index: i,
      count: count[i]!,
      correct: correct1[i]!,
      accuracy: count[i]! > 0 ? correct1[i]! / count[i]! : null,
      top5: count[i]! > 0 ? correct5[i]! / count[i]! : null,
    })),
    confusion,
    files,
    failed,
    imagesPerSecond: context.classifyMs > 0 ? Math.round((10 * ordered.length * 1000) / context.classifyMs) / 10 : 0,
  };
  return {
    json,
    model: context.model,
    weights: context.weights,
    root: listing.root,
    labels: context.labels,
    fileMs,
    thumbnails,
    workers: context.workers,
    elapsedMs: context.elapsedMs,
  };
}

/** The slowest classified files, slowest first. */
export function slowestFiles(e: Evaluation, n = 5): { path: string; ms: number }[] {
  return e.json.files
    .map((f, i) => ({ path: f.path, ms: e.fileMs[i]! }))
    .sort((a, b) => b.ms - a.ms || byCodePoint(a.path, b.path))
    .slice(0, n);
}

const pct = (x: number | null): string => (x === null ? '—' : `${(100 * x).toFixed(2)}%`);

export function evaluationTable(e: Evaluation): string {
  const j = e.json;
  const lines = [
    `${e.model}, weights ${e.weights}`,
    `${e.root}: ${j.count} images classified, ${j.failed.length} failed; ${e.workers} worker${e.workers === 1 ? '' : 's'}, ${(e.elapsedMs / 1000).toFixed(1)} s, ${j.imagesPerSecond} images/s`,
  ];
  if (j.classes.length === 0) {
    lines.push('A flat folder (no class subfolders): predictions only, no accuracy.', '');
    const width = Math.max(4, ...j.files.map((f) => f.path.length));
    lines.push(`${'File'.padEnd(width)}  Top-1`);
    for (const f of j.files) lines.push(`${f.path.padEnd(width)}  ${e.labels[f.top5[0]!] ?? `class ${f.top5[0]}`} (${pct(f.probs[0]!)})`);
  } else {
    lines.push(`top-1 ${pct(j.top1)}   top-5 ${pct(j.top5)}`, '');
    const nameWidth = Math.max(5, ...j.perClass.map((c) => c.class.length));
    lines.push(`${'#'.padStart(4)}  ${'Class'.padEnd(nameWidth)}  ${'Images'.padStart(6)}  ${'Top-1'.padStart(8)}  ${'Top-5'.padStart(8)}`);
    for (const c of j.perClass) {
      lines.push(
        `${String(c.index).padStart(4)}  ${c.class.padEnd(nameWidth)}  ${String(c.count).padStart(6)}  ${pct(c.accuracy).padStart(8)}  ${pct(c.top5).padStart(8)}`,
      );
    }
    if (j.classes.length <= 20) {
      lines.push('', 'Confusion matrix (rows: true class, columns: predicted class index)');
      const w = Math.max(3, ...j.confusion.flat().map((n) => String(n).length));
      lines.push(`${''.padEnd(nameWidth)}  ${j.classes.map((_, i) => String(i).padStart(w)).join(' ')}`);
      j.confusion.forEach((row, i) => lines.push(`${j.classes[i]!.padEnd(nameWidth)}  ${row.map((n) => String(n).padStart(w)).join(' ')}`));
    }
  }
  const slow = slowestFiles(e);
  if (slow.length > 0) {
    lines.push('', 'Slowest files');
    for (const s of slow) lines.push(`  ${s.ms.toFixed(0).padStart(6)} ms  ${s.path}`);
  }
  if (j.failed.length > 0) {
    lines.push('', `Failed (${j.failed.length})`);
    for (const f of j.failed) lines.push(`  ${f.path}: ${f.reason}`);
  }
  return lines.join('\n') + '\n';
}

/** RFC 4180 field: quoted when it holds a comma, quote or line break; a leading =+-@ is prefixed to defuse spreadsheet formulas. */
function csvField(value: string | number | null): string {
  let text = value === null ? '' : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
const csvLine = (fields: readonly (string | number | null)[]): string => fields.map(csvField).join(',');

/** The per-class report as CSV, with an "all" row. */
export function evaluationCsv(e: Evaluation): string {
  const j = e.json;
  const rows = [csvLine(['index', 'class', 'images', 'correct', 'top1', 'top5'])];
  for (const c of j.perClass) rows.push(csvLine([c.index, c.class, c.count, c.correct, c.accuracy, c.top5]));
  const labelled = j.perClass.reduce((a, c) => a + c.count, 0);
  rows.push(csvLine(['', 'all', labelled, j.perClass.reduce((a, c) => a + c.correct, 0), j.top1, j.top5]));
  return rows.join('\n') + '\n';
}

/** Every file's prediction as CSV: path, true class, predicted class and probability, the top-K indices, ms. */
export function predictionsCsv(e: Evaluation): string {
  const j = e.json;
  const rows = [csvLine(['path', 'label', 'label_name', 'predicted', 'predicted_name', 'probability', 'correct', 'top_k', 'ms', 'error'])];
  j.files.forEach((f, i) => {
    const predicted = f.top5[0]!;
    rows.push(
      csvLine([
        f.path,
        f.label,
        f.label === null ? null : j.classes[f.label]!,
        predicted,
        e.labels[predicted] ?? `class ${predicted}`,
        f.probs[0]!,
        f.label === null ? null : predicted === f.label ? 1 : 0,
        f.top5.join(' '),
        Math.round(e.fileMs[i]!),
        null,
      ]),
    );
  });
  for (const f of j.failed) rows.push(csvLine([f.path, null, null, null, null, null, null, null, null, f.reason]));
  return rows.join('\n') + '\n';
}
