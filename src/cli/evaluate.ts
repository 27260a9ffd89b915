/**
 * `resnext evaluate DIR (--weights FILE|URL | --pretrained <preset>[:V1|V2]) [--workers N] [--top K]
 *  [--format table|json|csv] [--out FILE] [--predictions FILE.csv]`: accuracy on an ImageFolder, on worker threads.
 * Progress on stderr; Ctrl-C stops the workers and writes nothing (exit 130).
 */
import { isPresetName } from '../model/config';
import { evaluationCsv, evaluationTable, predictionsCsv } from '../model/evaluate';
import { EvaluationCancelledError, evaluateFolder, type EvaluationProgress } from '../model/evaluatePool';
import { defaultCacheDir } from '../model/weights/download';
import { DEFAULT_WEIGHTS_BASE_URL } from '../model/weights/official';
import { parseWeightsSpec } from '../model/weights/resolve';
import { parse, parseChoice, parseWholeNumber, UsageError } from './args';
import { fetchWithProgress } from './classify';
import { checkWritable, writeAtomically } from './output';

export const EVALUATE_USAGE = `  resnext evaluate <folder> (--weights FILE|URL | --pretrained <preset>[:V1|V2]) [<preset>] [--workers N] [--top K]
                   [--resize N] [--crop N] [--format table|json|csv] [--out FILE] [--predictions FILE.csv]
                   (the folder as torchvision's ImageFolder: one subfolder of images per class; a flat folder gives predictions only)
`;

const formatEta = (s: number | undefined): string => (s === undefined ? '…' : s < 90 ? `${Math.ceil(s)} s` : `${Math.floor(s / 60)} min ${Math.ceil(s % 60)} s`);

export function describeEvaluationProgress(p: EvaluationProgress): string {
  return `${p.done}/${p.total} images, ${p.imagesPerSecond.toFixed(1)} images/s, ETA ${formatEta(p.etaSeconds)}`;
}

export async function evaluateCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse('evaluate', args, {
    weights: { type: 'string' },
    pretrained: { type: 'string' },
    workers: { type: 'string' },
    top: { type: 'string' },
    resize: { type: 'string' },
    crop: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
    predictions: { type: 'string' },
    'cache-dir': { type: 'string' },
    'weights-base-url': { type: 'string' },
  });
  if (values.help) return void process.stdout.write(EVALUATE_USAGE);
  const presets = positionals.filter((p) => isPresetName(p));
  const folders = positionals.filter((p) => !isPresetName(p));
  if (folders.length !== 1) throw new UsageError(`evaluate takes one folder, got ${folders.length === 0 ? 'none' : `${folders.length}: ${folders.join(', ')}`}`);
  if (presets.length > 1) throw new UsageError(`evaluate takes at most one preset, got ${presets.join(', ')}`);
  const format = parseChoice('format', values.format as string | undefined, ['table', 'json', 'csv'] as const, 'table');
  const out = values.out as string | undefined;
  if (out !== undefined) checkWritable(out);
  const predictions = values.predictions as string | undefined;
  if (predictions !== undefined) checkWritable(predictions, '--predictions');
  const workers = values.workers === undefined ? undefined : parseWholeNumber('workers', values.workers as string, { min: 1, max: 256 });
  const topK = values.top === undefined ? 5 : parseWholeNumber('top', values.top as string, { min: 1, max: 1000 });
  const weightsArg = values.weights as string | undefined;
  const pretrained = values.pretrained as string | undefined;
  if ((weightsArg === undefined) === (pretrained === undefined)) {
    throw new UsageError('evaluate needs exactly one of --weights FILE|URL or --pretrained <preset>[:V1|V2] (e.g. --pretrained resnext50_32x4d)');
  }
  const cacheDir = (values['cache-dir'] as string | undefined) ?? defaultCacheDir();
  const baseUrl = (values['weights-base-url'] as string | undefined) ?? process.env.RESNEXT_WEIGHTS_BASE_URL ?? DEFAULT_WEIGHTS_BASE_URL;
  const weights = await fetchWithProgress(pretrained !== undefined ? { kind: 'pretrained', spec: pretrained } : parseWeightsSpec(weightsArg!), cacheDir, baseUrl);
  const resizePx = values.resize === undefined ? weights.resizePx : parseWholeNumber('resize', values.resize as string, { min: 1, max: 4096 });
  const cropPx = values.crop === undefined ? 224 : parseWholeNumber('crop', values.crop as string, { min: 1, max: 4096 });

  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.on('SIGINT', onSigint);
  const progressShown = process.stderr.isTTY ? 250 : 2000;
  let lastShown = 0;
  try {
    const evaluation = await evaluateFolder(folders[0]!, {
      weightsPath: weights.path,
      ...((presets[0] ?? weights.preset) !== undefined && { preset: presets[0] ?? weights.preset }),
      resizePx,
      cropPx,
      topK,
      ...(workers !== undefined && { workers }),
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
    const text = format === 'json' ? JSON.stringify(evaluation.json, null, 2) + '\n' : format === 'csv' ? evaluationCsv(evaluation) : evaluationTable(evaluation);
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
