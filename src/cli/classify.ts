/**
 * `resnext classify <image>… (--weights FILE|URL | --pretrained <preset>[:V1|V2]) [<preset> | custom flags]
 *  [--resize N] [--crop N] [--labels FILE] [--top K] [--format table|json]`
 */
import * as fs from 'node:fs';
import { isPresetName, LIMITS } from '../model/config';
import { preprocessingFor } from '../model/catalog';
import { camOverlayPng, classifyFiles, loadClassifier, readImageFile, type Classification } from '../model/classify';
import { InputError } from '../model/errors';
import { defaultCacheDir, describeProgress } from '../model/weights/download';
import { parseWeightsSpec, resolveWeights, type ResolvedWeights, type WeightsSpec } from '../model/weights/resolve';
import { DEFAULT_WEIGHTS_BASE_URL } from '../model/weights/official';
import { CONFIG_OPTIONS, configOverrides, hasConfigFlags, parse, parseChoice, parseWholeNumber, UsageError, OUTPUT_OPTIONS } from './args';
import { checkWritable, formatAndOut, emit, writeAtomically } from './output';
import { titledModel } from '../shared/names';

export const CLASSIFY_USAGE = `  resnext classify <image>... (--weights FILE|URL | --pretrained <preset>[:V1|V2]) [<preset> | custom flags]
                   [--resize N] [--crop N] [--interpolation bilinear|bicubic] [--labels FILE] [--top K]
                   [--format table|json] [--out FILE] [--cam] [--cam-out FILE.png]
                   [--cache-dir DIR] [--weights-base-url URL] [--state-dict KEY]
`;

/** A download with progress on stderr; Ctrl-C aborts it and leaves no partial file (exit 130). */
async function fetchWithProgress(spec: WeightsSpec, cacheDir: string, baseUrl: string): Promise<ResolvedWeights> {
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.on('SIGINT', onSigint); // also swallows a second Ctrl-C while the partial file is removed
  try {
    const resolved = await resolveWeights(spec, {
      cacheDir,
      baseUrl,
      signal: controller.signal,
      onProgress: (fileName, p) => process.stderr.write(`\rdownloading ${fileName}: ${describeProgress(p)}   `),
    });
    if (resolved.downloaded) process.stderr.write(`\nsaved ${resolved.path}\n`);
    return resolved;
  } catch (error) {
    if (controller.signal.aborted) process.exitCode = 130;
    throw error;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

/** The flags that choose the weights and the preprocessing, shared by classify and evaluate. */
export const WEIGHTS_OPTIONS = {
  weights: { type: 'string' },
  pretrained: { type: 'string' },
  resize: { type: 'string' },
  crop: { type: 'string' },
  interpolation: { type: 'string' },
  'cache-dir': { type: 'string' },
  'weights-base-url': { type: 'string' },
  'state-dict': { type: 'string' },
} as const;

/**
 * Exactly one of --weights / --pretrained, resolved (downloaded if need be), and the --resize / --crop /
 * --interpolation overrides (checked before anything is downloaded); without them the network's own preprocessing
 * applies (`preprocessingFor`, with `weights.resizePx` as torchvision's resize).
 */
export async function weightsFromFlags(
  command: string,
  values: Record<string, string | boolean | undefined>,
): Promise<{ weights: ResolvedWeights; resizeFlag?: number; cropFlag?: number; interpolationFlag?: 'bilinear' | 'bicubic' }> {
  const weightsArg = values.weights as string | undefined;
  const pretrained = values.pretrained as string | undefined;
  if ((weightsArg === undefined) === (pretrained === undefined)) {
    throw new UsageError(`${command} needs exactly one of --weights FILE|URL or --pretrained <preset>[:V1|V2] (e.g. --pretrained resnext50_32x4d)`);
  }
  const cacheDir = (values['cache-dir'] as string | undefined) ?? defaultCacheDir();
  const baseUrl = (values['weights-base-url'] as string | undefined) ?? process.env.RESNEXT_WEIGHTS_BASE_URL ?? DEFAULT_WEIGHTS_BASE_URL;
  const resizeFlag = values.resize === undefined ? undefined : parseWholeNumber('resize', values.resize as string, { min: 1, max: 4096 });
  const cropFlag = values.crop === undefined ? undefined : parseWholeNumber('crop', values.crop as string, { min: 1, max: LIMITS.inputSizePx.max });
  const interpolationFlag =
    values.interpolation === undefined ? undefined : parseChoice('interpolation', values.interpolation as string, ['bilinear', 'bicubic'] as const, 'bilinear');
  const weights = await fetchWithProgress(
    pretrained !== undefined ? { kind: 'pretrained', spec: pretrained } : parseWeightsSpec(weightsArg!),
    cacheDir,
    baseUrl,
  );
  return {
    weights,
    ...(resizeFlag !== undefined && { resizeFlag }),
    ...(cropFlag !== undefined && { cropFlag }),
    ...(interpolationFlag !== undefined && { interpolationFlag }),
  };
}

export async function classifyCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse('classify', args, {
    ...CONFIG_OPTIONS,
    ...WEIGHTS_OPTIONS,
    labels: { type: 'string' },
    top: { type: 'string' },
    ...OUTPUT_OPTIONS,
    cam: { type: 'boolean' },
    'cam-out': { type: 'string' },
  });
  if (values.help) return void process.stdout.write(CLASSIFY_USAGE);
  const { format, out } = formatAndOut(values, ['table', 'json'] as const);
  // A positional that names a preset (and is not a file) is the architecture; the others are images.
  const presetArgs = positionals.filter((p) => isPresetName(p) && !fs.existsSync(p));
  const images = positionals.filter((p) => !presetArgs.includes(p));
  if (presetArgs.length > 1) throw new UsageError(`classify takes at most one preset, got ${presetArgs.join(', ')}`);
  if (images.length === 0) throw new UsageError('classify needs at least one image file (JPEG, PNG, BMP or GIF)');
  const camOut = values['cam-out'] as string | undefined;
  if (camOut !== undefined) {
    if (images.length > 1)
      throw new UsageError(`--cam-out writes one overlay, but ${images.length} images were given; classify one image at a time with --cam-out`);
    checkWritable(camOut, '--cam-out');
  }
  const cam = values.cam === true || camOut !== undefined;
  const { weights, resizeFlag, cropFlag, interpolationFlag } = await weightsFromFlags('classify', values);
  const weightsPath = weights.path;
  const resizeDefault = weights.resizePx;
  const presetFromWeights = weights.preset;
  const topK = values.top === undefined ? 5 : parseWholeNumber('top', values.top as string, { min: 1, max: LIMITS.numClasses.max });

  const labelsPath = values.labels as string | undefined;
  let labelsFile: { text: string; source: string } | undefined;
  if (labelsPath !== undefined) {
    try {
      labelsFile = { text: fs.readFileSync(labelsPath, 'utf8'), source: labelsPath };
    } catch (error) {
      throw new InputError(`cannot read --labels ${labelsPath}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
  const classifier = await loadClassifier(weightsPath, {
    preset: presetArgs[0] ?? presetFromWeights,
    overrides: configOverrides(values),
    architectureFlagsGiven: hasConfigFlags(values),
    labelsFile,
    stateDictKey: values['state-dict'] as string | undefined,
  });
  try {
    if (topK > classifier.config.numClasses) throw new UsageError(`--top ${topK} is more than the network's ${classifier.config.numClasses} classes`);
    // The network's own preprocessing (timm's pretrained configuration, the CIFAR port's), else torchvision's.
    const pre = preprocessingFor(classifier.config, resizeDefault);
    const interpolation = interpolationFlag ?? pre.interpolation;
    const { mean, std } = pre;
    const resizePx = resizeFlag ?? pre.resizePx;
    const cropPx = cropFlag ?? pre.cropPx;
    const classification = await classifyFiles(classifier, images, { resizePx, cropPx, topK, interpolation, mean, std, ...(cam && { cam: 'top1' as const }) });
    const camResult = classification.results[0]?.cam;
    if (camOut !== undefined && camResult) {
      const png = camOverlayPng(readImageFile(images[0]!), images[0]!, camResult, { resizePx, cropPx, interpolation });
      writeAtomically(camOut, png, '--cam-out');
      process.stderr.write(`wrote ${camOut} (CAM of class ${camResult.class} over the ${cropPx}x${cropPx} center crop)\n`);
    }
    emit(format === 'json' ? JSON.stringify(classification, null, 2) + '\n' : classificationTable(classification), out);
  } finally {
    classifier.dispose();
  }
}

export function classificationTable(c: Classification): string {
  const lines = [
    `${titledModel(c.title, c.model)}, weights ${c.weights}; resize ${c.preprocessing.resizePx} (${c.preprocessing.interpolation}), center crop ${c.preprocessing.cropPx}`,
  ];
  for (const r of c.results) {
    lines.push(
      '',
      `${r.image} (${r.widthPx}x${r.heightPx} ${r.mode}; decode ${r.timingsMs.decode.toFixed(0)} ms, preprocess ${r.timingsMs.preprocess.toFixed(0)} ms, forward ${r.timingsMs.forward.toFixed(0)} ms)`,
    );
    const width = Math.max(...r.top.map((t) => t.label.length));
    r.top.forEach((t, i) =>
      lines.push(`  ${String(i + 1).padStart(2)}. ${t.label.padEnd(width)}  ${(100 * t.probability).toFixed(2).padStart(6)}%  (class ${t.index})`),
    );
    if (r.cam) {
      const g = r.cam.grid;
      lines.push(
        `  CAM of class ${r.cam.class} on the ${g.length}x${g[0]?.length ?? 0} grid: min ${r.cam.min.toPrecision(4)}, max ${r.cam.max.toPrecision(4)}`,
      );
      for (const row of g) lines.push('    ' + row.map((v) => v.toFixed(3).padStart(9)).join(''));
    }
  }
  return lines.join('\n') + '\n';
}
