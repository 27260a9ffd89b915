/**
 * A comparison (src/model/compare.ts) as a console table, a markdown review report, CSV and JSON. The differences
 * against the first configuration are computed here, from the summary figures the comparison carries:
 * Δ = value − reference, Δ% = 100 · (value − reference) / reference.
 */
import type { Comparison, ComparedModel } from '../compare';
import { bottleneckWidth } from '../config';
import type { Equivalence } from '../equivalence';
import { csvField } from './csv';
import {
  deltaPercent,
  formatAbsDiff,
  formatDelta,
  formatDeltaPercent,
  formatInt,
  formatMiB,
  formatSaving,
  formatShape,
  formatSi,
  REFERENCE_MARK,
} from '../../shared/format';
import { markdownTable } from './markdown';
import {
  MEASURED_TIME_HEADER,
  measuredTimeNote,
  measuredTimeRows,
  SIDE_BY_SIDE_HEADER,
  sideBySideNote,
  sideBySideRows,
  type EngineTimes,
} from '../../shared/measuredTimes';
import type { Profile } from '../../shared/data';
import { architectureGraph } from '../graph';
import { collapseGraph } from '../graph/depth';
import { graphToMermaid } from '../graph/formats';
import { networkConfigOf } from '../summaryConfig';
import { renderColumns } from './table';

export { deltaPercent, formatDelta, formatDeltaPercent, REFERENCE_MARK } from '../../shared/format';

export const COMPARE_FORMATS = ['table', 'markdown', 'csv', 'json'] as const;
export type CompareFormat = (typeof COMPARE_FORMATS)[number];

export interface CompareReportOptions {
  /** Heading (e.g. a built-in comparison's title); default "Architecture comparison". */
  readonly title?: string;
  /** One sentence under the heading. */
  readonly description?: string;
  /** Equivalence results to append (table and markdown; JSON adds them under `equivalence`; not in CSV). */
  readonly equivalence?: readonly Equivalence[];
}

/** "+528,128 (+2.07%)", or the reference mark on the first row. */
function deltaCell(isReference: boolean, value: number, reference: number): string {
  return isReference ? REFERENCE_MARK : `${formatDelta(value, reference)} (${formatDeltaPercent(value, reference)})`;
}

/** Channels of the (grouped) 3x3 in layer1..layer4: int(planes · widthPerGroup / 64) · groups, planes = baseWidth · 2^i;
 * a BasicBlock's 3x3s have planes channels. */
function bottleneckWidths(m: ComparedModel): number[] {
  return [0, 1, 2, 3].map((i) => {
    const planes = m.config.baseWidth * 2 ** i;
    return m.config.block === 'basic' ? planes : bottleneckWidth(planes, m.config.widthPerGroup, m.config.groups);
  });
}

const savingCell = (actual: number, dense: number): string => (dense > actual ? `${formatSaving(actual, dense)}` : '');

interface Section {
  readonly title: string;
  readonly header: readonly string[];
  /** Column indices aligned right. */
  readonly right: ReadonlySet<number>;
  readonly rows: readonly (readonly string[])[];
  readonly note?: string;
}

function sections(comparison: Comparison, options: CompareReportOptions): Section[] {
  const models = comparison.models;
  const ref = models[0]!;
  const out: Section[] = [
    {
      title: 'Configurations',
      header: ['#', 'Model', 'Layers', 'Groups', 'Width/group', '3x3 width (layer1..4)', 'Base width', 'Classes', 'Input'],
      right: new Set([0, 3, 4, 6, 7]),
      rows: models.map((m, i) => [
        String(i + 1),
        m.model,
        m.config.layers.join(','),
        String(m.config.groups),
        String(m.config.widthPerGroup),
        bottleneckWidths(m).join(', '),
        String(m.config.baseWidth),
        String(m.config.numClasses),
        formatShape(m.config.inputShape),
      ]),
    },
    {
      title: 'Totals',
      header: ['Model', 'Params', 'Δ params', 'MACs', 'Δ MACs', 'MACs (SI)', 'Est. total size (MiB)'],
      right: new Set([1, 2, 3, 4, 5, 6]),
      rows: models.map((m, i) => [
        m.model,
        formatInt(m.totals.params),
        deltaCell(i === 0, m.totals.params, ref.totals.params),
        formatInt(m.totals.macs),
        deltaCell(i === 0, m.totals.macs, ref.totals.macs),
        formatSi(m.totals.macs),
        formatMiB(m.totals.estimatedTotalSizeMiB),
      ]),
      note: "Est. total size: torchsummary's estimate (input + forward/backward activations + params, float32).",
    },
    {
      title: 'Per stage',
      header: ['Stage', 'Model', 'Output shape', 'Params', 'Δ params', 'MACs', 'Δ MACs', 'Grouped-conv saving (params / MACs)'],
      right: new Set([3, 4, 5, 6, 7]),
      rows: ref.stages.flatMap((stage) =>
        models.map((m, i) => {
          const s = m.stages.find((row) => row.name === stage.name)!;
          const r = ref.stages.find((row) => row.name === stage.name)!;
          return [
            s.name,
            m.model,
            formatShape(s.outputShape),
            formatInt(s.params),
            deltaCell(i === 0, s.params, r.params),
            formatInt(s.macs),
            deltaCell(i === 0, s.macs, r.macs),
            s.denseParams > s.params ? `${savingCell(s.params, s.denseParams)} / ${savingCell(s.macs, s.denseMacs)}` : '',
          ];
        }),
      ),
      note: 'stem = conv1, bn1, relu, maxpool; head = avgpool, fc. The stage rows add up to the totals.',
    },
    {
      title: 'Grouped-convolution savings',
      header: ['Model', 'Params', 'Dense-equivalent params', 'Params saved', 'MACs', 'Dense-equivalent MACs', 'MACs saved'],
      right: new Set([1, 2, 3, 4, 5, 6]),
      rows: models.map((m) => {
        const t = m.totals;
        const saved = (actual: number, dense: number): string => (dense > actual ? `${formatInt(dense - actual)} (${formatSaving(actual, dense)})` : '0');
        return [
          m.model,
          formatInt(t.params),
          formatInt(t.denseParams),
          saved(t.params, t.denseParams),
          formatInt(t.macs),
          formatInt(t.denseMacs),
          saved(t.macs, t.denseMacs),
        ];
      }),
      note: 'Dense equivalent: every grouped convolution replaced by one with groups = 1 and the same Cin, Cout and kernel (params × G, MACs × G).',
    },
  ];
  const eq = options.equivalence ?? [];
  if (eq.length > 0) {
    out.push({
      title: 'Split-transform-merge equivalence (Xie et al. 2017, Fig. 3)',
      header: ['Model', 'Block', 'C x d', 'Output shape', 'Conv ops (a / b / c)', 'MACs (each form)', 'Max |Δ| (a) vs (c)', 'Max |Δ| (b) vs (c)', 'Result'],
      right: new Set([4, 5, 6, 7]),
      rows: eq.map((e) => [
        e.model,
        e.block,
        `${e.cardinality} x ${e.pathWidth}`,
        formatShape(e.outputShape),
        `${e.ops.a.convOps} / ${e.ops.b.convOps} / ${e.ops.c.convOps}`,
        e.ops.a.macs === e.ops.c.macs && e.ops.b.macs === e.ops.c.macs
          ? formatInt(e.ops.c.macs)
          : `${formatInt(e.ops.a.macs)} / ${formatInt(e.ops.b.macs)} / ${formatInt(e.ops.c.macs)}`,
        formatAbsDiff(e.maxAbsDiff.aVsC),
        formatAbsDiff(e.maxAbsDiff.bVsC),
        e.equivalent ? `equivalent (≤ ${e.tolerance.toExponential(0)})` : `DIFFERENT (> ${e.tolerance.toExponential(0)})`,
      ]),
      note:
        'The whole block, ReLU(F(x) + shortcut(x)), computed three ways on the same weights and the same seeded input: (a) C paths 1x1→3x3→1x1 summed, ' +
        "(b) C paths 1x1→3x3 concatenated then one 1x1, (c) the grouped 3x3 the network runs. BatchNorm folded (eval mode); BN3's scale goes into every path of (a), its shift is added once after the sum. " +
        'Conv ops and MACs are measured from the TF.js kernels executed (downsample included).',
    });
  }
  return out;
}

const intro = (comparison: Comparison): string =>
  `Δ is against the first configuration, ${comparison.models[0]!.model}. MACs are multiply-adds (FLOPs ≈ 2 × MACs); params are trainable parameters ` +
  '(BatchNorm running statistics are buffers, not counted). Figures are those of `resnext summarize` (torchvision-exact, from a traced forward pass).';

export function compareTable(comparison: Comparison, options: CompareReportOptions = {}): string {
  const lines: string[] = [options.title ?? 'Architecture comparison'];
  if (options.description) lines.push(options.description);
  lines.push(intro(comparison));
  for (const s of sections(comparison, options)) {
    const table = renderColumns(
      s.header.map((title, i) => ({ title, align: s.right.has(i) ? 'right' : 'left' })),
      s.rows,
    );
    lines.push('', s.title, table.header, '-'.repeat(table.width), ...table.lines);
    if (s.note) lines.push(`(${s.note})`);
  }
  return lines.join('\n') + '\n';
}

/** A self-contained review report: paste it into a pull request. */
export function compareMarkdown(comparison: Comparison, options: CompareReportOptions = {}): string {
  const lines: string[] = [`## ${options.title ?? 'Architecture comparison'}`, ''];
  if (options.description) lines.push(options.description, '');
  lines.push(intro(comparison), '');
  for (const s of sections(comparison, options)) {
    lines.push(`### ${s.title}`, '', markdownTable(s.header, s.rows, s.right), '');
    if (s.note) lines.push(`_${s.note}_`, '');
  }
  lines.push(...architectureDiagrams(comparison));
  return lines.join('\n');
}

/**
 * The review report with the compare view's measured forward times appended as their own section, when any were
 * measured (the same cells as the view: src/shared/measuredTimes.ts); else the report unchanged.
 */
export function withMeasuredTimes(
  markdown: string,
  models: readonly ComparedModel[],
  times: readonly (Profile | undefined)[] | undefined,
  engineTimes?: EngineTimes,
): string {
  if (!times?.some((t) => t !== undefined)) return markdown;
  const both = engineTimes
    ? `\n### Both engines\n\n${markdownTable(SIDE_BY_SIDE_HEADER, sideBySideRows(models, engineTimes), new Set([1, 2, 3, 4, 5, 6]))}\n\n_${sideBySideNote(engineTimes)}_\n`
    : '';
  const rows = measuredTimeRows(models, times).map((r) => {
    const m = r.measured;
    return [
      r.model,
      r.macs,
      m?.forward ?? 'not measured',
      m?.delta ?? '',
      m?.rate ?? '',
      m?.grouped ?? '',
      m ? `${m.threads}${m.engine ? ` (${m.engine.name})` : ''}` : '',
    ];
  });
  const table = markdownTable(MEASURED_TIME_HEADER, rows, new Set([1, 2, 3, 4, 5, 6]));
  return `${markdown.trimEnd()}\n\n### Measured forward time\n\n${table}\n\n_${measuredTimeNote(models, times)}_\n${both}`;
}

/** One block-level Mermaid diagram per configuration (src/model/graph; GitHub renders ```mermaid blocks). */
function architectureDiagrams(comparison: Comparison): string[] {
  const lines = ['### Architecture', ''];
  for (const m of comparison.models) {
    const graph = collapseGraph(architectureGraph(networkConfigOf(m.config), m.model), 'block');
    lines.push(`<details><summary>${m.model} (block level)</summary>`, '', '```mermaid', graphToMermaid(graph).trimEnd(), '```', '', '</details>', '');
  }
  return lines;
}

export const COMPARE_CSV_COLUMNS = [
  'model',
  'stage',
  'layers',
  'groups',
  'width_per_group',
  'base_width',
  'num_classes',
  'input',
  'output_shape',
  'params',
  'macs',
  'dense_params',
  'dense_macs',
  'delta_params',
  'delta_params_pct',
  'delta_macs',
  'delta_macs_pct',
] as const;

/** One row per model and stage, then one `total` row per model; plain numbers, Δ against the first model. */
export function compareCsv(comparison: Comparison): string {
  const ref = comparison.models[0]!;
  // A number, not a string: csvField guards strings that start with '-' against formula evaluation.
  const pct = (value: number, reference: number): number | '' => {
    const p = deltaPercent(value, reference);
    return p === undefined ? '' : Math.round(p * 1e4) / 1e4;
  };
  const lines = [COMPARE_CSV_COLUMNS.join(',')];
  for (const m of comparison.models) {
    const c = m.config;
    const rows = [
      ...m.stages.map((s) => ({ row: s, reference: ref.stages.find((r) => r.name === s.name), shape: s.outputShape.join('x') })),
      { row: { name: 'total', ...m.totals }, reference: { ...ref.totals }, shape: '' },
    ];
    for (const { row, reference, shape } of rows) {
      lines.push(
        [
          m.model,
          row.name,
          c.layers.join(','),
          c.groups,
          c.widthPerGroup,
          c.baseWidth,
          c.numClasses,
          `${c.inputShape[2]}x${c.inputShape[3]}`,
          shape,
          row.params,
          row.macs,
          row.denseParams,
          row.denseMacs,
          reference ? row.params - reference.params : '',
          reference ? pct(row.params, reference.params) : '',
          reference ? row.macs - reference.macs : '',
          reference ? pct(row.macs, reference.macs) : '',
        ]
          .map(csvField)
          .join(','),
      );
    }
  }
  return lines.join('\r\n') + '\r\n';
}

export function formatComparison(comparison: Comparison, format: CompareFormat, options: CompareReportOptions = {}): string {
  switch (format) {
    case 'table':
      return compareTable(comparison, options);
    case 'markdown':
      return compareMarkdown(comparison, options);
    case 'csv':
      return compareCsv(comparison);
    case 'json':
      return (
        JSON.stringify(options.equivalence && options.equivalence.length > 0 ? { ...comparison, equivalence: options.equivalence } : comparison, null, 2) + '\n'
      );
  }
}
