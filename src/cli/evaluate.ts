/**
 * `resnext evaluate DIR (--weights FILE|URL | --pretrained <preset>[:V1|V2]) [--workers N] [--top K]
 *  [--format table|json|csv] [--out FILE] [--predictions FILE.csv]`: accuracy on an ImageFolder, on worker threads.
 * Progress on stderr; Ctrl-C stops the workers and writes nothing (exit 130).
 */
import { isPresetName } from '../model/config';
import { evaluationCsv, evaluationTable, predictionsCsv } from '../model/evaluate';
import { EvaluationCancelledError, evaluateFolder, type EvaluationProgress } from '../model/evaluatePool';
import { parse, parseWholeNumber, UsageError, OUTPUT_OPTIONS } from './args';
import { weightsFromFlags, WEIGHTS_OPTIONS } from './classify';
import { checkWritable, formatAndOut, writeAtomically } from './output';
import { evaluateFolderShard, parseShard } from '../model/evaluateShard';
import { evaluateMergeCommand, EVALUATE_MERGE_USAGE } from './evaluateMerge';

export const EVALUATE_USAGE = `  resnext evaluate <folder> (--weights FILE|URL | --pretrained <preset>[:V1|V2]) [<preset>] [--workers N] [--batch N] [--top K]
                   [--resize N] [--crop N] [--interpolation bilinear|bicubic] [--state-dict KEY]
                   [--format table|json|csv] [--out FILE] [--predictions FILE.csv]
                   (the folder as torchvision's ImageFolder: one subfolder of images per class; a flat folder gives predictions only)
                   [--shard K/N]  (only the K-th of N contiguous slices of the folder's images, for --merge)
${EVALUATE_MERGE_USAGE}`;

const formatEta = (s: number | undefined): string =>
  s === undefined ? '…' : s < 90 ? `${Math.ceil(s)} s` : `${Math.floor(s / 60)} min ${Math.ceil(s % 60)} s`;

export function describeEvaluationProgress(p: EvaluationProgress): string {
  return `${p.done}/${p.total} images, ${p.imagesPerSecond.toFixed(1)} images/s, ETA ${formatEta(p.etaSeconds)}`;
}

export async function evaluateCommand(args: string[]): Promise<void> {
  if (args.includes('--merge')) return evaluateMergeCommand(args);
  const { values, positionals } = parse('evaluate', args, {
    ...WEIGHTS_OPTIONS,
    workers: { type: 'string' },
    batch: { type: 'string' },
    top: { type: 'string' },
    ...OUTPUT_OPTIONS,
    predictions: { type: 'string' },
    shard: { type: 'string' },
  });
  if (values.help) return void process.stdout.write(EVALUATE_USAGE);
  const presets = positionals.filter((p) => isPresetName(p));
  const folders = positionals.filter((p) => !isPresetName(p));
  if (folders.length !== 1)
    throw new UsageError(`evaluate takes one folder, got ${folders.length === 0 ? 'none' : `${folders.length}: ${folders.join(', ')}`}`);
  if (presets.length > 1) throw new UsageError(`evaluate takes at most one preset, got ${presets.join(', ')}`);
  const { format, out } = formatAndOut(values, ['table', 'json', 'csv'] as const);
  const predictions = values.predictions as string | undefined;
  if (predictions !== undefined) checkWritable(predictions, '--predictions');
  const workers = values.workers === undefined ? undefined : parseWholeNumber('workers', values.workers as string, { min: 1, max: 256 });
  const batch = values.batch === undefined ? undefined : parseWholeNumber('batch', values.batch as string, { min: 1, max: 256 });
  const topK = values.top === undefined ? 5 : parseWholeNumber('top', values.top as string, { min: 1, max: 1000 });
  const shard = values.shard === undefined ? undefined : parseShard(values.shard as string);
  const { weights, resizeFlag, cropFlag, interpolationFlag } = await weightsFromFlags('evaluate', values);
  const evaluate: typeof evaluateFolder = (root, options) => (shard ? evaluateFolderShard(root, shard, options) : evaluateFolder(root, options));

  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.on('SIGINT', onSigint);
  const progressShown = process.stderr.isTTY ? 250 : 2000;
  let lastShown = 0;
  try {
    const evaluation = await evaluate(folders[0]!, {
      weightsPath: weights.path,
      ...((presets[0] ?? weights.preset) !== undefined && { preset: presets[0] ?? weights.preset }),
      ...(values['state-dict'] !== undefined && { stateDictKey: values['state-dict'] as string }),
      // The network's own preprocessing, as classify uses it, unless overridden.
      torchvisionResizePx: weights.resizePx,
      ...(resizeFlag !== undefined && { resizePx: resizeFlag }),
      ...(cropFlag !== undefined && { cropPx: cropFlag }),
      ...(interpolationFlag !== undefined && { interpolation: interpolationFlag }),
      topK,
      ...(workers !== undefined && { workers }),
      ...(batch !== undefined && { batch }),
      onLog: (_level, message) => process.stderr.write(`evaluate: ${message}\n`),
      signal: controller.signal,
      onLoaded: ({ model, loadMs }) => process.stderr.write(`evaluate: ${model} loaded in ${loadMs.toFixed(0)} ms\n`),
      onProgress: (p) => {
        const now = performance.now();
        if (p.done === p.total || now - lastShown >= progressShown) {
          lastShown = now;
          process.stderr.write(process.stderr.isTTY ? `\revaluate: ${describeEvaluationProgress(p)}   ` : `evaluate: ${describeEvaluationProgress(p)}\n`);
        }
      },
    });
    if (process.stderr.isTTY) process.stderr.write('\n');
    const text =
      format === 'json' ? JSON.stringify(evaluation.json, null, 2) + '\n' : format === 'csv' ? evaluationCsv(evaluation) : evaluationTable(evaluation);
    if (predictions !== undefined) {
      writeAtomically(predictions, predictionsCsv(evaluation), '--predictions');
      process.stderr.write(`wrote ${predictions} (${evaluation.json.files.length + evaluation.json.failed.length} rows)\n`);
    }
    if (out === undefined) process.stdout.write(text);
    else {
      writeAtomically(out, text);
      process.stderr.write(`wrote ${out} (${Buffer.byteLength(text)} bytes)\n`);
    }
  } catch (error) {
    if (error instanceof EvaluationCancelledError) {
      process.exitCode = 130;
      if (process.stderr.isTTY) process.stderr.write('\n');
    }
    throw error;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
