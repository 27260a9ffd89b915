/**
 * `resnext compare <preset|spec>… [--sweep] [--resnet-vs-resnext] [custom flags] [--equivalence BLOCK]
 *                  [--format table|markdown|csv|json] [--out FILE]`
 * Figures come from `summarize` (src/model/compare.ts); the spec syntax is in configSpec.ts.
 */
import { compare, COMPARISON_PRESETS, measureComparison, type CompareEntry, type Comparison, type ComparisonPresetId } from '../model/compare';
import { engineChoice } from '../model/engines';
import type { Profile } from '../model/profile';
import { SIDE_BY_SIDE_ENGINES } from '../shared/measuredTimes';
import { VIEW_PROFILE_RUNS } from '../shared/profile';
import { checkedArchitecture } from '../model/architecture';
import { checkEquivalence, findBlock, type Equivalence } from '../model/equivalence';
import { PRESET_NAMES } from '../model/config';
import { COMPARE_FORMATS, formatComparison, withMeasuredTimes, type CompareReportOptions } from '../model/report/compare';
import { CONFIG_OPTIONS, configOverrides, parse, parseChoice, UsageError, OUTPUT_OPTIONS } from './args';
import { resolveSpec, SPEC_EXAMPLE } from './configSpec';
import { checkWritable, emit } from './output';
import { COUNT_OPTIONS, COUNT_SYNOPSIS, countOptions } from './count';
import { countComparedModel, countsTable } from '../model/countReport';

/** The synopsis lines, for the command's --help and the usage text of src/cli/main.ts. */
export const COMPARE_SYNOPSIS = `  resnext compare <preset|preset:key=value,…>… [--sweep] [--resnet-vs-resnext] [--resnets-vs-resnext]
                  [--equivalence BLOCK] [--layers …] [--groups N] [--width-per-group N] [--base-width N] [--num-classes N] [--input HxW]
                  [--format table|markdown|csv|json] [--out FILE] [--count RULE|all] [--flops] [--measure [--both-engines]]
`;

export const COMPARE_USAGE = `Usage:
${COMPARE_SYNOPSIS}
Compares configurations side by side: params, MACs and grouped-conv savings per stage and in total, with the
differences against the first one. A configuration is a preset (${PRESET_NAMES.join(', ')}), a preset
with overrides (${SPEC_EXAMPLE}; keys: layers, groups, width_per_group, base_width, num_classes, input), or
overrides alone (groups=8,width_per_group=14: starts from resnext50_32x4d). layers takes four numbers:
resnet50:layers=3,4,23,3. The --layers/--groups/… flags apply to every configuration, the spec's keys on top.
  --sweep               ResNeXt-50 with (groups, width/group) = (1,64), (2,40), (4,24), (8,14), (32,4)
  --resnet-vs-resnext   resnet50 and resnext50_32x4d
  --resnets-vs-resnext  resnet18, resnet34, resnet50 and resnext50_32x4d
  --equivalence BLOCK   also check the split-transform-merge equivalence of BLOCK (e.g. layer1.0) in each one
  --measure             also time each configuration's forward pass on this machine (the engine of --engine; median
                        of ${VIEW_PROFILE_RUNS} warm passes, as the compare view's Measure time)
  --both-engines        time on onnxruntime and on wasm, side by side (implies --measure)
${COUNT_SYNOPSIS}`;

const OPTIONS = {
  ...CONFIG_OPTIONS,
  sweep: { type: 'boolean' },
  'resnet-vs-resnext': { type: 'boolean' },
  'resnets-vs-resnext': { type: 'boolean' },
  equivalence: { type: 'string' },
  measure: { type: 'boolean' },
  'both-engines': { type: 'boolean' },
  ...OUTPUT_OPTIONS,
  ...COUNT_OPTIONS,
} as const;

export async function compareCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse('compare', args, OPTIONS);
  if (values.help) return void process.stdout.write(COMPARE_USAGE);
  const format = parseChoice('format', values.format as string | undefined, COMPARE_FORMATS, 'table');
  const out = values.out as string | undefined;
  const block = values.equivalence as string | undefined;
  if (block !== undefined && format === 'csv') {
    throw new UsageError('--equivalence does not fit the CSV rows; use --format table, markdown or json (or resnext equivalence … --format json)');
  }
  const engines = values['both-engines'] ? SIDE_BY_SIDE_ENGINES : values.measure ? [engineChoice()] : [];
  if (engines.length > 0 && format === 'csv') throw new UsageError('--measure does not fit the CSV rows; use --format table, markdown or json');
  if (out !== undefined) checkWritable(out);

  const builtIn: ComparisonPresetId[] = [];
  if (values.sweep) builtIn.push('cardinality-sweep');
  if (values['resnet-vs-resnext']) builtIn.push('resnet50-vs-resnext50');
  if (values['resnets-vs-resnext']) builtIn.push('resnets-vs-resnext50');
  const common = configOverrides(values);
  const hasCommon = Object.values(common).some((v) => v !== undefined);
  if (builtIn.length > 0 && hasCommon) {
    throw new UsageError(
      `--sweep and --resnet-vs-resnext are fixed configurations; drop the --layers/--groups/… flags, or write the configurations out (e.g. ${SPEC_EXAMPLE})`,
    );
  }
  const entries: CompareEntry[] = [...builtIn.flatMap((id) => COMPARISON_PRESETS[id].entries()), ...positionals.map((spec) => resolveSpec(spec, common))];
  if (entries.length === 0) {
    throw new UsageError(
      `compare needs configurations: presets (e.g. resnet50 resnext50_32x4d), presets with overrides (e.g. ${SPEC_EXAMPLE}), --sweep or --resnet-vs-resnext`,
    );
  }
  const options: { -readonly [K in keyof CompareReportOptions]: CompareReportOptions[K] } = {};
  if (builtIn.length === 1 && positionals.length === 0) {
    options.title = COMPARISON_PRESETS[builtIn[0]!].title;
    options.description = COMPARISON_PRESETS[builtIn[0]!].description;
  }
  // Fail on a block name before the (slow) summaries; the message lists the valid blocks.
  if (block !== undefined) for (const entry of entries) findBlock(checkedArchitecture(entry.config), block, entry.model);
  const counting = countOptions(values);
  const compared = await compare(entries);
  const comparison = { ...compared, models: compared.models.map((m) => countComparedModel(m, counting)) };
  if (block !== undefined) {
    const results: Equivalence[] = [];
    for (const entry of entries) results.push(await checkEquivalence(entry.config, { model: entry.model, block }));
    options.equivalence = results;
  }
  const all =
    format === 'table' || format === 'markdown'
      ? comparison.models.map((m) => (m.counts ? `\n${m.model}: ${countsTable(m.counts, counting.flops)}` : '')).join('')
      : '';
  const note = counting.count && counting.count !== 'all' && format === 'table' ? `(MACs counted as ${counting.count} counts them: docs/COUNTING.md.)\n` : '';
  const text = formatComparison(comparison, format, options) + note + all;
  if (engines.length === 0) return emit(text, out);
  const measured = await measureComparison(entries, engines, {
    runs: VIEW_PROFILE_RUNS,
    onProgress: (message) => process.stderr.write(`compare: ${message}\n`),
    onLog: (_level, message) => process.stderr.write(`compare: ${message}\n`),
  });
  if (format === 'json') {
    const json: Comparison = {
      ...comparison,
      measured: measured.map((m) => ({
        engine: m.times[0]!.engine!,
        models: m.times.map((t) => ({ model: t.model, totalMs: t.totalMs, threads: t.threads, runs: t.runs })),
      })),
    };
    return emit(formatComparison(json, format, options), out);
  }
  // The same sections as the compare view's and its review report (src/shared/measuredTimes.ts).
  const timesOf = (name: string): readonly Profile[] => measured.find((m) => m.times[0]?.engine?.name === name)?.times ?? [];
  const engineTimes = measured.length > 1 ? { onnxruntime: timesOf('onnxruntime'), wasm: timesOf('wasm') } : undefined;
  emit(withMeasuredTimes(text, comparison.models, measured[0]!.times, engineTimes), out);
}
