/**
 * A summary, comparison or scan re-counted under a rule (`--count RULE`), or with every rule's totals
 * (`--count all`), and `--flops` (2 × MACs). The counts themselves are counting.ts; the CLI and the extension call these.
 */
import { architecture, checkedArchitecture, type Architecture } from './architecture';
import type { NetworkConfig } from './config';
import { countAll, recount, COUNT_RULES, type CountEntry, type CountRule } from './counting';
import { layerRows, stageRows } from './accounting';
import { staticTrace } from './shapes';
import { networkConfigOf } from './summaryConfig';
import { formatInt, formatSi } from '../shared/format';
import { beyondLines, COUNT_RULE_SOURCES } from '../shared/countRules';
import type { ComparedModel, Summary, SummaryConfig, Totals } from '../shared/data';

export const COUNT_CHOICES = [...COUNT_RULES, 'all'] as const;
export type CountChoice = (typeof COUNT_CHOICES)[number];

export interface CountOptions {
  /** The rule of `totals.macs` and of every row; 'all': torchvision's, plus `counts` with every rule. */
  readonly count?: CountChoice;
  readonly flops?: boolean;
}

const archOf = (config: SummaryConfig): Architecture => checkedArchitecture(networkConfigOf(config));

function countedTotals(totals: Totals, rule: CountRule, macs: number, options: CountOptions): Totals {
  return { ...totals, macs, countRule: rule, ...(options.flops ? { flops: 2 * macs } : {}) };
}

/** The summary with its rows, stages and totals counted as `options.count` says (unchanged without options). */
export function countSummary(summary: Summary, options: CountOptions): Summary {
  if (options.count === undefined && !options.flops) return summary;
  const arch = archOf(summary.config);
  const rule: CountRule = options.count === undefined || options.count === 'all' ? 'torchvision' : options.count;
  const r = recount(arch, rule, summary.layers, summary.stages);
  return {
    ...summary,
    layers: r.layers,
    stages: r.stages,
    totals: { ...countedTotals(summary.totals, rule, r.macs, options), denseMacs: r.layers.reduce((a, l) => a + l.denseMacs, 0) },
    ...(options.count === 'all' ? { counts: countAll(arch) } : {}),
  };
}

/** A comparison's column (stages and totals) counted under the rule. */
export function countComparedModel(model: ComparedModel, options: CountOptions): ComparedModel {
  if (options.count === undefined && !options.flops) return model;
  const arch = archOf(model.config);
  const rule: CountRule = options.count === undefined || options.count === 'all' ? 'torchvision' : options.count;
  const rows = layerRows(arch, staticTrace(arch));
  const r = recount(arch, rule, rows, stageRows(rows));
  return {
    ...model,
    stages: r.stages,
    totals: { ...countedTotals(model.totals, rule, r.macs, options), denseMacs: r.layers.reduce((a, l) => a + l.denseMacs, 0) },
    ...(options.count === 'all' ? { counts: countAll(arch) } : {}),
  };
}

/** The MACs of one configuration under a rule (scan). */
export function ruleTotal(config: SummaryConfig, rule: CountRule): number {
  return countAll(archOf(config)).find((c) => c.rule === rule)!.macs;
}

/** "Why do the numbers differ?" as text: every rule's total, and what it counts beyond torchvision's. */
export function countsTable(counts: readonly CountEntry[], flops = false): string {
  const unit = flops ? 'FLOPs' : 'MACs';
  const k = flops ? 2 : 1;
  const lines = [`Counted as each tool counts (${unit}${flops ? ' = 2 × MACs' : ''}):`];
  const width = Math.max(...counts.map((c) => c.rule.length));
  for (const c of counts) {
    const acts = c.activations === undefined ? '' : `; activations ${formatInt(c.activations)} (${formatSi(c.activations)})`;
    lines.push(`  ${c.rule.padEnd(width)}  ${formatInt(k * c.macs).padStart(16)} (${formatSi(k * c.macs)})  ${COUNT_RULE_SOURCES[c.rule]}${acts}`);
    for (const line of beyondLines(c, k)) lines.push(`  ${''.padEnd(width)}    ${line}`);
  }
  return lines.join('\n') + '\n';
}

/** The summary with every rule's totals and each rule's MACs per row and per stage (the summary panel's "Count as"
 * selector only swaps these in: the webview computes nothing). */
export function withRuleRows(summary: Summary): Summary {
  const arch = archOf(summary.config);
  const counts = countAll(arch).map((c) => {
    const r = recount(arch, c.rule, summary.layers, summary.stages);
    return { ...c, layers: r.layers.map((l) => l.macs), stages: r.stages.map((s) => s.macs) };
  });
  return { ...summary, counts };
}

/** The CodeLens tooltip's lines: each rule's MACs, and what it counts beyond torchvision's. */
export function countTooltip(config: NetworkConfig): string {
  const lines = ['MACs as each tool counts them (docs/COUNTING.md):'];
  for (const c of countAll(architecture(config))) {
    lines.push(`${c.rule}: ${formatSi(c.macs)}${c.activations === undefined ? '' : `, activations ${formatSi(c.activations)}`}`);
    for (const line of beyondLines(c)) lines.push(`    ${line}`);
  }
  return lines.join('\n');
}
