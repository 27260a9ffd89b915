/**
 * Comparing configurations side by side. Every figure comes from `summarize()` (the traced summary: its `totals`
 * and its `stages`), so a comparison can never disagree with `resnext summarize`. Differences against the first
 * configuration are left to the formatters (src/model/report/compare.ts): the JSON carries only measured values.
 *
 * Stage rows: all six of the summary, `stem` (conv1, bn1, relu, maxpool), `layer1` … `layer4` and `head`
 * (avgpool, fc), so that the rows add up to the totals.
 */
import { resolveConfig, checkedArchitecture } from './architecture';
import type { NetworkConfig } from './config';
import { ConfigError } from './errors';
import { summarize } from './summarize';
import { profile, type Profile } from './profile';
import type { EngineChoice } from './engines';

export { COMPARE_SCHEMA, type ComparedModel, type Comparison } from '../shared/data';
import { COMPARE_SCHEMA, type ComparedModel, type Comparison } from '../shared/data';

export interface CompareEntry {
  /** Display name, e.g. `resnext50_32x4d` or `resnext50_8x14d`. */
  readonly model: string;
  readonly config: NetworkConfig;
}

/**
 * Summarizes each configuration in turn (one network alive at a time) and keeps its totals and stage rows.
 * Every configuration is validated before the first is built, so a bad one fails fast; the error names it.
 */
export async function compare(entries: readonly CompareEntry[]): Promise<Comparison> {
  if (entries.length === 0) throw new ConfigError('a comparison needs at least one configuration');
  for (const entry of entries) {
    try {
      checkedArchitecture(entry.config);
    } catch (error) {
      if (error instanceof ConfigError) throw new ConfigError(`${entry.model}: ${error.template}`);
      throw error;
    }
  }
  const models: ComparedModel[] = [];
  for (const entry of entries) {
    const summary = await summarize(entry.config, { model: entry.model });
    models.push({ model: summary.model, config: summary.config, totals: summary.totals, stages: summary.stages });
  }
  return { schema: COMPARE_SCHEMA, models };
}

/**
 * The compare view's "Measure time" (and `resnext compare --measure`): each configuration profiled (profile.ts, seeded
 * random weights: the time does not depend on the values) on each engine asked for, one after another.
 */
export async function measureComparison(
  entries: readonly CompareEntry[],
  engines: readonly EngineChoice[],
  options: { readonly runs: number; readonly onProgress?: (message: string) => void; readonly onLog?: (level: 'info' | 'warn', message: string) => void },
): Promise<{ readonly engine: EngineChoice; readonly times: readonly Profile[] }[]> {
  const measured: { engine: EngineChoice; times: Profile[] }[] = [];
  for (const engine of engines) {
    const times: Profile[] = [];
    for (const entry of entries) {
      options.onProgress?.(`timing ${entry.model} on ${engine}`);
      times.push(await profile(entry.config, { model: entry.model, runs: options.runs, engine, ...(options.onLog && { onLog: options.onLog }) }));
    }
    measured.push({ engine, times });
  }
  return measured;
}

export interface ComparisonPreset {
  /** Heading of the report. */
  readonly title: string;
  /** One sentence for the quick pick and the report: what the comparison shows. */
  readonly description: string;
  readonly entries: () => CompareEntry[];
}

/**
 * ResNeXt-50 at (roughly) the complexity of ResNet-50 for growing cardinality: Xie et al. 2017, Table 2 (C x d with
 * d the width of one path in layer1, chosen so params and MACs stay ~constant). (1, 64) is ResNet-50 itself.
 */
const CARDINALITY_SWEEP: readonly (readonly [number, number])[] = [
  [1, 64],
  [2, 40],
  [4, 24],
  [8, 14],
  [32, 4],
];

/** Built-in comparisons, keyed by the id the CLI (`--sweep`, `--resnet-vs-resnext`) and the extension use. */
export const COMPARISON_PRESETS = {
  'cardinality-sweep': {
    title: 'Cardinality sweep: ResNeXt-50 (C x d) at ResNet-50 complexity',
    description: 'ResNeXt-50 with (groups, width per group) = (1, 64), (2, 40), (4, 24), (8, 14), (32, 4), Xie et al. 2017 Table 2',
    entries: () =>
      CARDINALITY_SWEEP.map(([groups, widthPerGroup]) => ({
        model: `resnext50_${groups}x${widthPerGroup}d`,
        config: resolveConfig(undefined, { groups, widthPerGroup }).config,
      })),
  },
  'resnets-vs-resnext50': {
    title: 'ResNet-18/34/50 vs ResNeXt-50 32x4d',
    description:
      'Two-layer BasicBlocks (ResNet-18, -34) beside bottlenecks (ResNet-50) and grouped bottlenecks (ResNeXt-50): ResNeXt changes only the bottleneck, so ResNet-18/34 have no ResNeXt form',
    entries: () => ['resnet18', 'resnet34', 'resnet50', 'resnext50_32x4d'].map((preset) => ({ model: preset, config: resolveConfig(preset).config })),
  },
  'resnet50-vs-resnext50': {
    title: 'ResNet-50 vs ResNeXt-50 32x4d',
    description: 'The same depth and stage widths; the 3x3 convolutions split into 32 groups of width 4',
    entries: () => ['resnet50', 'resnext50_32x4d'].map((preset) => ({ model: preset, config: resolveConfig(preset).config })),
  },
} as const satisfies Record<string, ComparisonPreset>;

export type ComparisonPresetId = keyof typeof COMPARISON_PRESETS;
export const COMPARISON_PRESET_IDS = Object.keys(COMPARISON_PRESETS) as readonly ComparisonPresetId[];
