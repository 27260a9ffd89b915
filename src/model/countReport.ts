/**
 * A summary, comparison or scan re-counted under a rule (`--count RULE`), or with every rule's totals
 * (`--count all`), and `--flops` (2 × MACs). The counts themselves are counting.ts; the CLI and the extension call these.
 */
import { checkedArchitecture, type Architecture } from './architecture';
import { countAll, recount, COUNT_RULES, type CountEntry, type CountRule } from './counting';
import { layerRows, stageRows } from './accounting';
import { staticTrace } from './shapes';
import { networkConfigOf } from './summaryConfig';
import { formatInt, formatSi } from '../shared/format';
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

const RULE_SOURCE: Record<CountRule, string> = {
  torchvision: 'torchvision _ops (conv + Linear MACs)',
  fvcore: 'fvcore FlopCountAnalysis, eval (timm infer_gmacs)',
  ptflops: 'ptflops 0.7.5, backend pytorch',
  'ptflops-aten': 'ptflops 0.7.5, backend aten',
  thop: 'thop 0.1.1 profile',
  torchinfo: 'torchinfo 1.8.0 Total mult-adds',
  mmcv: 'mmcv 1.7.2 get_model_complexity_info',
};

/** "Why do the numbers differ?" as text: every rule's total, and what it counts beyond torchvision's. */
export function countsTable(counts: readonly CountEntry[], flops = false): string {
  const unit = flops ? 'FLOPs' : 'MACs';
  const k = flops ? 2 : 1;
  const lines = [`Counted as each tool counts (${unit}${flops ? ' = 2 × MACs' : ''}):`];
  const width = Math.max(...counts.map((c) => c.rule.length));
  for (const c of counts) {
    const acts = c.activations === undefined ? '' : `; activations ${formatInt(c.activations)} (${formatSi(c.activations)})`;
    lines.push(`  ${c.rule.padEnd(width)}  ${formatInt(k * c.macs).padStart(16)} (${formatSi(k * c.macs)})  ${RULE_SOURCE[c.rule]}${acts}`);
    for (const b of c.beyond) {
      const sign = b.macs >= 0 ? '+' : '−';
      lines.push(`  ${''.padEnd(width)}    ${sign}${formatSi(k * Math.abs(b.macs))}: ${b.what} (${b.calls} × ${b.op})`);
    }
  }
  return lines.join('\n') + '\n';
}
