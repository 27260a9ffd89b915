/** What each counting rule reproduces, in a few words (the CLI's `--count all` table, the summary panel, the CodeLens). */
import { COUNT_RULES, type ClassSummary, type CountEntry, type CountRule, type Summary } from './data';
import { formatSi } from './format';

export const COUNT_RULE_SOURCES: Readonly<Record<CountRule, string>> = {
  torchvision: 'torchvision _ops: conv + Linear MACs',
  fvcore: 'fvcore FlopCountAnalysis, eval (timm infer_gmacs)',
  ptflops: 'ptflops 0.7.5, backend pytorch',
  'ptflops-aten': 'ptflops 0.7.5, backend aten',
  thop: 'thop 0.1.1 profile',
  torchinfo: 'torchinfo 1.8.0 "Total mult-adds"',
  mmcv: 'mmcv 1.7.2 get_model_complexity_info (OpenMMLab metafiles)',
};

/** "+2 × BatchNorm inputs (eval mode, affine): +28.80 M" for each op kind a rule counts beyond torchvision's. */
export function beyondLines(entry: CountEntry, scale = 1): string[] {
  return entry.beyond.map((b) => `${b.macs >= 0 ? '+' : '−'}${formatSi(scale * Math.abs(b.macs))}: ${b.what} (${b.calls} × ${b.op})`);
}

export const isCountRule = (x: string): x is CountRule => (COUNT_RULES as readonly string[]).includes(x);

/** The summary as `rule` counts it: totals, stage and layer MACs from its counts entry (unchanged without one). */
export function countedSummary(summary: Summary, rule: CountRule | undefined): Summary;
export function countedSummary(summary: Summary | ClassSummary, rule: CountRule | undefined): Summary | ClassSummary;
export function countedSummary(summary: Summary | ClassSummary, rule: CountRule | undefined): Summary | ClassSummary {
  const entry = summary.counts?.find((c) => c.rule === rule);
  if (!entry || rule === undefined || rule === 'torchvision' || !entry.layers || !entry.stages) return summary;
  const layers = summary.layers.map((l, i) => ({ ...l, macs: entry.layers![i] ?? l.macs }));
  const stages = summary.stages.map((s, i) => ({ ...s, macs: entry.stages![i] ?? s.macs }));
  return { ...summary, layers, stages, totals: { ...summary.totals, macs: entry.macs, countRule: rule } };
}
