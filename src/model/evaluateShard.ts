/**
 * `resnext evaluate DIR --shard K/N` and `resnext evaluate --merge a.json b.json …`: one evaluation split over machines
 * (a Kubernetes Indexed Job, a Slurm array: the scheduler is the user's) and put back together exactly.
 *
 * The slice rule is contiguous over the folder's listing in ImageFolder order (classes sorted, then each class's
 * images as `make_dataset` sorts them; the order of a whole run's `files`): shard K of N holds samples
 * floor((K−1)·T/N) … floor(K·T/N)−1 of T. Every shard lists the whole folder, so class indices, the class list and the
 * confusion matrix's size are the whole folder's in every shard. The merge concatenates the shards' files and failed
 * files in shard order (which is the listing's order) and recomputes the report with evaluate.ts's `buildEvaluation`,
 * the code a whole run uses, so top-1, top-5, the per-class table, the confusion matrix and the per-file list equal
 * one run's; only `imagesPerSecond` differs (a timing).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import * as v from 'valibot';
import { EvaluateSchema, type EvaluateShard } from '../shared/data';
import { InputError, unreadableReason } from './errors';
import { buildEvaluation, listImageFolder, type EvaluationJson, type FolderSample, type ImageFolderListing, type ImageOutcome } from './evaluate';
import { evaluateFolder, type EvaluateFolderOptions } from './evaluatePool';

export interface ShardSpec {
  /** K, from 1. */
  readonly index: number;
  /** N. */
  readonly count: number;
}

/** `K/N` with 1 ≤ K ≤ N (e.g. `--shard $((JOB_COMPLETION_INDEX + 1))/4`). */
export function parseShard(text: string): ShardSpec {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!match || !Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1 || index < 1 || index > count) {
    throw new InputError(
      `--shard must be K/N with 1 ≤ K ≤ N (the K-th of N slices, counted from 1; e.g. 1/4 … 4/4), got '${text}'` +
        (match && Number(match[1]) === 0 ? `; a 0-based index (JOB_COMPLETION_INDEX) needs +1: --shard $((JOB_COMPLETION_INDEX + 1))/${match[2]}` : ''),
    );
  }
  return { index, count };
}

/** Samples [start, end) of shard K of N over T samples. */
export function shardRange(shard: ShardSpec, total: number): { start: number; end: number } {
  return { start: Math.floor(((shard.index - 1) * total) / shard.count), end: Math.floor((shard.index * total) / shard.count) };
}

/** sha256 of the listing (classes, then every sample's path and label): shards of one folder agree on it. */
export function listingSha256(listing: ImageFolderListing): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(listing.classes));
  for (const s of listing.samples) hash.update(`\n${JSON.stringify([s.path, s.label])}`);
  return hash.digest('hex');
}

/** The shard's samples, with the whole folder's classes (so class indices agree between shards). */
export function shardListing(listing: ImageFolderListing, shard: ShardSpec): ImageFolderListing {
  const total = listing.samples.length;
  if (shard.count > total) {
    throw new InputError(
      `--shard ${shard.index}/${shard.count}: ${listing.root} has ${total} image${total === 1 ? '' : 's'}, fewer than ${shard.count} shards; use at most ${total} shards`,
    );
  }
  const { start, end } = shardRange(shard, total);
  return { root: listing.root, classes: listing.classes, samples: listing.samples.slice(start, end) };
}

function fileSha256(file: string): string {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(1 << 20);
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    throw new InputError(`cannot read the weights ${file}: ${unreadableReason(error, 'file')}`);
  }
  try {
    for (let n = fs.readSync(fd, buffer, 0, buffer.length, null); n > 0; n = fs.readSync(fd, buffer, 0, buffer.length, null))
      hash.update(buffer.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/** Evaluates shard K of N of `root`; the result's JSON carries `shard`, what `mergeEvaluations` checks. */
export async function evaluateFolderShard(root: string, shard: ShardSpec, options: EvaluateFolderOptions) {
  const listing = listImageFolder(root);
  const slice = shardListing(listing, shard);
  const weightsSha256 = fileSha256(options.weightsPath);
  const evaluation = await evaluateFolder(root, { ...options, listing: slice });
  const record: EvaluateShard = {
    index: shard.index,
    count: shard.count,
    rule: 'contiguous',
    folderImages: listing.samples.length,
    folderSha256: listingSha256(listing),
    model: evaluation.model,
    weights: { name: path.basename(options.weightsPath), sha256: weightsSha256, stateDict: options.stateDictKey ?? null },
    preprocessing: {
      resizePx: options.resizePx ?? null,
      cropPx: options.cropPx ?? null,
      interpolation: options.interpolation ?? null,
      torchvisionResizePx: options.torchvisionResizePx ?? null,
    },
    topK: options.topK,
  };
  return { ...evaluation, json: { ...evaluation.json, shard: record } };
}

/** The fields a merge computes; every other field of the shards (the class list, the engine, …) must be equal in all. */
const MERGED_FIELDS = new Set(['count', 'top1', 'top5', 'perClass', 'confusion', 'files', 'failed', 'imagesPerSecond', 'shard']);
/** What the shards must have been run with, in words for the refusal. */
const SAME_RUN: readonly [keyof EvaluateShard, string][] = [
  ['count', 'the number of shards N'],
  ['folderImages', 'the folder (a different number of images)'],
  ['folderSha256', 'the folder (its listing: class folders or image paths differ)'],
  ['model', 'the model'],
  ['weights', 'the weights (file contents or state dict)'],
  ['preprocessing', 'the preprocessing (--resize, --crop, --interpolation)'],
  ['topK', 'the --top K'],
];

/**
 * evaluate.ts's report (the code a whole run uses) over these samples and outcomes, without `engine`: what ran the
 * weights is the shards' own field, carried over by the merge (an evaluation from before the engines has none).
 */
function report(classes: readonly string[], samples: readonly FolderSample[], outcomes: readonly ImageOutcome[], classifyMs: number): EvaluationJson {
  const context = { listing: { root: '', classes, samples }, model: '', title: '', weights: '', labels: [], workers: 1, elapsedMs: 0, classifyMs };
  const { engine: _notComputed, ...json } = buildEvaluation({ ...context, engine: { name: 'wasm', version: '' } }, outcomes).json;
  return json;
}

export interface ShardInput {
  /** The file's name, for messages. */
  readonly source: string;
  readonly text: string;
}

function parseShardJson(input: ShardInput): { json: EvaluationJson & { shard: EvaluateShard }; order: string[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(input.text);
  } catch (error) {
    throw new InputError(
      `${input.source} is not JSON (${error instanceof Error ? error.message : String(error)}); give the output of resnext evaluate --shard K/N --format json`,
    );
  }
  const parsed = v.safeParse(EvaluateSchema, raw);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const where = issue.path?.map((p) => String(p.key)).join('.') ?? '';
    throw new InputError(
      `${input.source} is not a resnext evaluate@1 result (${where ? `${where}: ` : ''}${issue.message}); give the output of resnext evaluate --shard K/N --format json`,
    );
  }
  const json = parsed.output;
  if (json.shard === undefined) {
    throw new InputError(
      `${input.source} is the evaluation of a whole folder, not a shard (it has no "shard" field); merge the outputs of resnext evaluate DIR --shard K/N --format json`,
    );
  }
  return { json: json as EvaluationJson & { shard: EvaluateShard }, order: typeof raw === 'object' && raw !== null ? Object.keys(raw) : [] };
}

const describe = (value: unknown): string => {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
};

/**
 * Merges the evaluate@1 results of shards 1/N … N/N of one run into the result one run over the whole folder gives
 * (timing aside). Refuses, saying which files and what differs: results that are not shards, shards of different
 * runs (N, folder, model, weights, preprocessing, top-K, class list, engine, …), a shard given twice, a missing
 * shard, or a shard whose report does not match its own files.
 */
export function mergeEvaluations(inputs: readonly ShardInput[]): EvaluationJson {
  if (inputs.length === 0) throw new InputError('--merge needs the shards’ JSON files (the outputs of resnext evaluate DIR --shard K/N --format json)');
  const shards = inputs.map((input) => ({ source: input.source, ...parseShardJson(input) }));
  const first = shards[0]!;
  for (const other of shards.slice(1)) {
    for (const [key, words] of SAME_RUN) {
      if (!isDeepStrictEqual(first.json.shard[key], other.json.shard[key])) {
        throw new InputError(
          `${first.source} and ${other.source} are not shards of one run: they differ in ${words} (${describe(first.json.shard[key])} and ${describe(other.json.shard[key])}); ` +
            'merge only the shards of one evaluation',
        );
      }
    }
    const keys = new Set([...Object.keys(first.json), ...Object.keys(other.json)].filter((k) => !MERGED_FIELDS.has(k)));
    for (const key of keys) {
      const a = (first.json as Record<string, unknown>)[key];
      const b = (other.json as Record<string, unknown>)[key];
      if (!isDeepStrictEqual(a, b)) {
        throw new InputError(
          `${first.source} and ${other.source} are not shards of one run: their "${key}" differs (${describe(a)} and ${describe(b)}); merge only the shards of one evaluation`,
        );
      }
    }
  }
  const n = first.json.shard.count;
  const byIndex = new Map<number, (typeof shards)[number]>();
  for (const s of shards) {
    const k = s.json.shard.index;
    if (k > n) throw new InputError(`${s.source} says it is shard ${k}/${n}, which cannot be (K must be at most N)`);
    const twice = byIndex.get(k);
    if (twice) throw new InputError(`shard ${k}/${n} is given twice (${twice.source} and ${s.source}); give each shard once`);
    byIndex.set(k, s);
  }
  const missing = Array.from({ length: n }, (_, i) => i + 1).filter((k) => !byIndex.has(k));
  if (missing.length > 0) {
    throw new InputError(
      `shard${missing.length > 1 ? 's' : ''} ${missing.map((k) => `${k}/${n}`).join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing (given: ${[
        ...byIndex.keys(),
      ]
        .sort((a, b) => a - b)
        .map((k) => `${k}/${n}`)
        .join(', ')}); merge all ${n} shards`,
    );
  }
  const total = first.json.shard.folderImages;
  const classes = first.json.classes;
  const samples: { path: string; label: number | null }[] = [];
  const outcomes: ImageOutcome[] = [];
  const seen = new Map<string, string>();
  let classifyMs = 0;
  let rated = true;
  for (let k = 1; k <= n; k++) {
    const s = byIndex.get(k)!;
    const { start, end } = shardRange({ index: k, count: n }, total);
    const size = s.json.files.length + s.json.failed.length;
    if (size !== end - start) {
      throw new InputError(
        `${s.source} (shard ${k}/${n} of ${total} images) holds ${size} files, but that shard has ${end - start}; it is not a complete shard of this folder`,
      );
    }
    const own: ImageOutcome[] = [];
    const ownSamples: { path: string; label: number | null }[] = [];
    const add = (sample: { path: string; label: number | null }, outcome: Omit<ImageOutcome, 'index'>): void => {
      const other = seen.get(sample.path);
      if (other !== undefined)
        throw new InputError(`${sample.path} is in both ${other} and ${s.source}: the shards overlap; merge the shards of one run, each once`);
      seen.set(sample.path, s.source);
      if (sample.label !== null && sample.label >= classes.length)
        throw new InputError(`${s.source}: ${sample.path} has class index ${sample.label}, but there are ${classes.length} classes`);
      ownSamples.push(sample);
      own.push({ ...outcome, index: ownSamples.length - 1 });
    };
    for (const f of s.json.files) add({ path: f.path, label: f.label }, { top: f.top5, probs: f.probs, ms: 0 });
    for (const f of s.json.failed) add({ path: f.path, label: null }, { error: f.reason, ms: 0 });
    // The shard's own report must be what its files give (a hand-edited file would otherwise merge silently).
    const check = report(classes, ownSamples, own, 0);
    for (const key of ['count', 'top1', 'top5', 'perClass', 'confusion'] as const) {
      if (!isDeepStrictEqual(check[key], s.json[key]))
        throw new InputError(`${s.source}: its "${key}" does not match its files (was it edited?); evaluate shard ${k}/${n} again`);
    }
    for (const o of own) outcomes.push({ ...o, index: samples.length + o.index });
    samples.push(...ownSamples);
    if (s.json.imagesPerSecond > 0) classifyMs += (1000 * size) / s.json.imagesPerSecond;
    else rated = false;
  }
  const merged = report(classes, samples, outcomes, rated ? classifyMs : 0);
  // Fields the merge does not compute (equal in every shard, checked above) are the shards': the engine, the classes…
  // In the order of the shard's own file, which is a whole run's with `shard` added.
  const fields = first.order.filter((key) => key !== 'shard' && key in first.json);
  const entries = fields.map((key) => [key, MERGED_FIELDS.has(key) ? merged[key as keyof EvaluationJson] : first.json[key as keyof EvaluationJson]]);
  const result = Object.fromEntries(entries) as EvaluationJson;
  v.parse(EvaluateSchema, result); // a valid evaluate@1 (the parsed copy would list the keys in the schema's order)
  return result;
}
