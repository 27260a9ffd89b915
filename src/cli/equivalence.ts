/**
 * `resnext equivalence [<preset|preset:key=value,…>] [custom flags] [--block layer1.0] [--seed N]
 *                      [--format table|markdown|json] [--out FILE]`
 * Runs one block in the three forms of Xie et al. 2017, Fig. 3 (src/model/equivalence.ts) and reports their
 * differences and op counts. Exit code 1 when the forms disagree: that is a bug in the core, not bad input.
 */
import { checkEquivalence, DEFAULT_BLOCK } from '../model/equivalence';
import { PRESET_NAMES } from '../model/config';
import { EQUIVALENCE_FORMATS, formatEquivalence } from '../model/report/equivalence';
import { CONFIG_OPTIONS, configOverrides, hasConfigFlags, parse, parseWholeNumber, UsageError, OUTPUT_OPTIONS } from './args';
import { resolveSpec, SPEC_EXAMPLE } from './configSpec';
import { formatAndOut, emit } from './output';
import { configForWeights } from '../model/weights/resolve';
import { describeWeights, readWeightsFile } from '../model/weights/load';
import { engineChoice } from '../model/engines';

/** The synopsis lines, for the command's --help and the usage text of src/cli/main.ts. */
export const EQUIVALENCE_SYNOPSIS = `  resnext equivalence [<preset|preset:key=value,…>] [--block ${DEFAULT_BLOCK}] [--seed N]
                      [--layers …] [--groups N] [--width-per-group N] [--base-width N] [--num-classes N] [--input HxW]
                      [--format table|markdown|json] [--out FILE] [--weights FILE [--state-dict KEY]]
`;

export const EQUIVALENCE_USAGE = `Usage:
${EQUIVALENCE_SYNOPSIS}
Computes one Bottleneck block (default ${DEFAULT_BLOCK}) three ways on the same weights and the same random input
(Xie et al. 2017, Fig. 3): (a) C parallel paths 1x1→3x3→1x1 summed, (b) C paths 1x1→3x3 concatenated then one 1x1,
(c) the grouped convolution the network runs; reports the max and mean abs differences of (a) and (b) against (c),
and the convolution ops and multiply-adds each form executed. Weights are random, seeded by --seed (default 0),
which also seeds the input, or a checkpoint's (--weights FILE: its architecture unless a configuration is named;
the block then also runs on the engine of --engine auto|onnxruntime|wasm, and the output says which engine ran what). Presets: ${PRESET_NAMES.join(', ')}; without one, resnext50_32x4d. A configuration may
also be written as ${SPEC_EXAMPLE}.
`;

const SEED_RANGE = { min: 0, max: 0xffffffff };

const OPTIONS = {
  ...CONFIG_OPTIONS,
  block: { type: 'string' },
  seed: { type: 'string' },
  weights: { type: 'string' },
  'state-dict': { type: 'string' },
  ...OUTPUT_OPTIONS,
} as const;

export async function equivalenceCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse('equivalence', args, OPTIONS);
  if (values.help) return void process.stdout.write(EQUIVALENCE_USAGE);
  if (positionals.length > 1) throw new UsageError(`equivalence takes one configuration, got ${positionals.length}: ${positionals.join(' ')}`);
  const { format, out } = formatAndOut(values, EQUIVALENCE_FORMATS);
  let seed = 0;
  if (typeof values.seed === 'string') {
    seed = parseWholeNumber('seed', values.seed, SEED_RANGE);
    if (seed > SEED_RANGE.max) throw new UsageError(`--seed must be a whole number from ${SEED_RANGE.min} to ${SEED_RANGE.max}, got '${values.seed}'`);
  }
  const block = values.block as string | undefined; // the core's default: the first block
  // Here --block names the block to compute (its kind is always a bottleneck), not the configuration's block kind.
  const flags = { ...values, block: undefined };
  const weightsPath = values.weights as string | undefined;
  let result;
  if (weightsPath === undefined) {
    const { model, config } = resolveSpec(positionals[0] ?? 'resnext50_32x4d', configOverrides(flags));
    result = await checkEquivalence(config, { model, block, seed });
  } else {
    // The checkpoint's own weights; its architecture unless a preset or flags name one (then checked against it).
    const weights = readWeightsFile(weightsPath, { stateDictKey: values['state-dict'] as string | undefined });
    const { stateDict } = weights;
    const resolved =
      positionals[0] !== undefined
        ? resolveSpec(positionals[0], configOverrides(flags))
        : configForWeights(stateDict, weightsPath, undefined, configOverrides(flags), hasConfigFlags(flags), weights.choice);
    // With weights, the block also runs on the chosen engine (--engine; the forms stay on TF.js).
    result = await checkEquivalence(resolved.config, {
      model: resolved.model,
      block,
      seed,
      stateDict,
      weightsSource: describeWeights(weightsPath, weights),
      engine: engineChoice(),
      onLog: (_level, message) => process.stderr.write(`equivalence: ${message}\n`),
    });
  }
  emit(formatEquivalence(result, format), out);
  if (!result.equivalent) {
    throw new Error(
      `the three forms of ${result.block} disagree (max abs difference ${Math.max(result.maxAbsDiff.aVsC, result.maxAbsDiff.bVsC)} > ${result.tolerance})`,
    );
  }
}
