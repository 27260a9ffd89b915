/**
 * `resnext check FILE ARCH` and the extension's Check Against Architecture… (schema `resnext-inspector/check@1`): what
 * `model.load_state_dict(state_dict)` would report for that architecture, on the chosen state dict as stored (no
 * prefix stripped), from the headers and the pickle alone — no tensor data is read.
 *
 * As torch reports them: `missing` (the model's keys the file lacks; BatchNorm's num_batches_tracked is never
 * missing, torch fills it in), `unexpected` (the file's keys the model lacks), `mismatched` (keys in both with other
 * shapes: torch raises a size-mismatch error for these even with strict=False, and lists them apart). Then hints
 * that name the fix: a prefix to strip, another num_classes, a configuration that fits the file (the inference every
 * reader does), and what strict=False would skip.
 */
import { checkedArchitecture, stateDictSpec } from '../architecture';
import { configName, sameArchitecture, type NetworkConfig } from '../config';
import { isInputError } from '../errors';
import { CHECK_SCHEMA, type Check, type CheckHint } from '../../shared/data';
import { inferConfig } from './infer';
import { openWeightsLazily, type LazyWeights, type TensorInfo } from './lazy';
import type { ReadWeightsOptions } from './load';

export { CHECK_SCHEMA, type Check, type CheckHint } from '../../shared/data';

const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((n, i) => n === b[i]);
const fmt = (shape: readonly number[]): string => `[${shape.join(', ')}]`;
const isNumBatchesTracked = (key: string): boolean => key.endsWith('.num_batches_tracked') || key === 'num_batches_tracked';

/** missing / unexpected / mismatched of `keys` against `config`, as load_state_dict reports them. */
export function loadReport(
  keys: ReadonlyMap<string, { readonly shape: readonly number[] }>,
  config: NetworkConfig,
): Pick<Check, 'missing' | 'unexpected' | 'mismatched'> {
  const spec = stateDictSpec(checkedArchitecture(config));
  const expected = new Map(spec.map((e) => [e.key, e.shape]));
  const missing = spec.filter((e) => !keys.has(e.key) && !isNumBatchesTracked(e.key)).map((e) => e.key);
  const unexpected = [...keys.keys()].filter((k) => !expected.has(k));
  const mismatched = [...keys]
    .filter(([key, t]) => expected.has(key) && !sameShape(expected.get(key)!, t.shape))
    .map(([key, t]) => ({ key, expected: expected.get(key)!, got: t.shape }));
  return { missing: missing.sort(), unexpected: unexpected.sort(), mismatched: mismatched.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)) };
}

const architectureOf = (config: NetworkConfig): Check['architecture'] => {
  const { inputHeightPx: _h, inputWidthPx: _w, ...rest } = config;
  return { model: configName(config), config: rest };
};

const listed = (keys: readonly string[], max = 6): string => `${keys.slice(0, max).join(', ')}${keys.length > max ? `, … ${keys.length - max} more` : ''}`;

/** The hints for a report, from the state dict as stored and under torchvision's names. */
function hintsFor(weights: LazyWeights, config: NetworkConfig, report: Pick<Check, 'missing' | 'unexpected' | 'mismatched'>): CheckHint[] {
  const hints: CheckHint[] = [];
  if (report.missing.length + report.unexpected.length + report.mismatched.length === 0) return hints;
  const { strippedPrefix } = weights.choice;
  // Under torchvision's names (the prefix stripped), what would still be wrong.
  const stripped = strippedPrefix !== undefined ? loadReport(weights.tensors, config) : report;
  if (strippedPrefix !== undefined) {
    const fixes = stripped.missing.length + stripped.unexpected.length + stripped.mismatched.length === 0;
    hints.push({
      kind: 'strip-prefix',
      prefix: strippedPrefix,
      text:
        `every key starts with '${strippedPrefix}' (${strippedPrefix === 'module.' ? 'saved from DataParallel/DistributedDataParallel' : 'a wrapper module'}): ` +
        `strip it — {k.removeprefix('${strippedPrefix}'): v for k, v in state_dict.items()}, or save model.module.state_dict()` +
        (fixes ? '; then it loads' : ''),
    });
  }
  const fc = weights.tensors.get('fc.weight') ?? weights.tensors.get('classifier.weight');
  const inferred = tryInfer(weights.tensors, weights.file);
  const classifierOnly =
    stripped.missing.length === 0 && stripped.unexpected.length === 0 && stripped.mismatched.every((m) => /^(fc|classifier)\./.test(m.key));
  if (fc !== undefined && fc.shape.length === 2 && fc.shape[0] !== config.numClasses && classifierOnly && stripped.mismatched.length > 0) {
    const n = fc.shape[0]!;
    hints.push({
      kind: 'num-classes',
      numClasses: n,
      text:
        `the classifier has ${n} outputs, the architecture ${config.numClasses}: build the model with num_classes=${n} (--num-classes ${n})` +
        `, or drop ${stripped.mismatched.map((m) => m.key).join(' and ')} from the state dict and load with strict=False to train a new head`,
    });
  }
  if (inferred !== undefined && !classifierOnly) {
    const fits = loadReport(weights.tensors, inferred);
    if (!sameArchitecture(inferred, config) && fits.missing.length + fits.unexpected.length + fits.mismatched.length === 0) {
      const model = configName(inferred);
      hints.push({
        kind: 'preset',
        model,
        config: architectureOf(inferred).config,
        text: `the file's shapes are those of ${model}, not ${configName(config)}: check it against ${model}`,
      });
    }
  }
  if (report.mismatched.length === 0) {
    const skipped = [...report.missing, ...report.unexpected];
    hints.push({
      kind: 'strict-false',
      skipped,
      text: `load_state_dict(state_dict, strict=False) would load the rest and skip ${skipped.length} keys (${listed(skipped)}); the missing ones keep their initial values`,
    });
  } else {
    const skipped = [...report.missing, ...report.unexpected, ...report.mismatched.map((m) => m.key)];
    hints.push({
      kind: 'strict-false',
      skipped,
      text:
        `strict=False does not skip size mismatches (${listed(
          report.mismatched.map((m) => `${m.key} ${fmt(m.got)} vs ${fmt(m.expected)}`),
          3,
        )}): ` + `delete those keys from the state dict first; then strict=False would skip ${skipped.length} keys`,
    });
  }
  return hints;
}

function tryInfer(tensors: ReadonlyMap<string, TensorInfo>, file: string): NetworkConfig | undefined {
  try {
    return inferConfig(tensors, file);
  } catch (error) {
    if (isInputError(error)) return undefined;
    throw error;
  }
}

/** The report for an open checkpoint against `config`. */
export function checkWeights(weights: LazyWeights, config: NetworkConfig): Check {
  const report = loadReport(weights.stored, config);
  return {
    schema: CHECK_SCHEMA,
    file: weights.file,
    stateDict: weights.choice.chosen.key,
    architecture: architectureOf(config),
    ...report,
    loads: report.missing.length + report.unexpected.length + report.mismatched.length === 0,
    hints: hintsFor(weights, config, report),
  };
}

/** Opens `file` (headers and pickle only) and checks it against `config`. */
export function checkCheckpoint(file: string, config: NetworkConfig, options: ReadWeightsOptions = {}): Check {
  const weights = openWeightsLazily(file, options);
  try {
    return checkWeights(weights, config);
  } finally {
    weights.close();
  }
}
