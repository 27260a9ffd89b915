/** Markdown for a pull request: the configuration, totals (torchsummary's lines included), stages, then every layer. */
import type { StageRow } from '../accounting';
import type { Summary } from '../summarize';
import type { ClassSummary } from '../../shared/data';
import { readFromLine } from '../../shared/names';
import { formatInt, formatMiB, formatSaving, formatShape, formatSi } from './format';

/** Escapes the characters that would break a GitHub table cell. */
const cell = (text: string): string => text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
const row = (cells: readonly string[]): string => `| ${cells.map(cell).join(' | ')} |`;

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], rightAligned: ReadonlySet<number>): string {
  return [row(header), `|${header.map((_, i) => (rightAligned.has(i) ? ' ---: ' : ' --- ')).join('|')}|`, ...rows.map(row)].join('\n');
}

/**
 * The per-stage table: output shape, params, MACs, dense equivalents (unless `dense` is false, as in the narrow Python
 * hover) and what grouped convolution saves.
 */
export function stagesMarkdownTable(stages: readonly StageRow[], options: { readonly dense?: boolean } = {}): string {
  const dense = options.dense ?? true;
  const saving = (s: StageRow): string => (s.denseParams > s.params ? `${formatSaving(s.params, s.denseParams)} / ${formatSaving(s.macs, s.denseMacs)}` : '');
  return markdownTable(
    ['Stage', 'Output shape', 'Params', 'MACs', ...(dense ? ['Dense params', 'Dense MACs'] : []), 'Saving (params / MACs)'],
    stages.map((s) => [
      s.name,
      formatShape(s.outputShape),
      formatInt(s.params),
      formatInt(s.macs),
      ...(dense ? [formatInt(s.denseParams), formatInt(s.denseMacs)] : []),
      saving(s),
    ]),
    new Set(dense ? [2, 3, 4, 5, 6] : [2, 3, 4]),
  );
}

/**
 * The per-stage table of the Python hover, which must fit VS Code's hover (about 250 px high, no cell padding) beside
 * the explorer at 1280×800: compact units, the output shape without the batch, and every number right-aligned so
 * neighbouring headers never run together. The full table is one click away (Summarize).
 */
export function compactStagesMarkdownTable(stages: readonly StageRow[]): string {
  const saved = (s: StageRow): string => (s.denseParams > s.params ? `${formatSaving(s.params, s.denseParams)} / ${formatSaving(s.macs, s.denseMacs)}` : '—');
  return markdownTable(
    // 'Saved' is narrower than its cells ("67.6% / 67.9%"), so right-aligned it stands clear of 'MACs'; the totals
    // line above says what the two numbers are.
    ['Stage', 'Output (C×H×W)', 'Params', 'MACs', 'Saved'],
    stages.map((s) => [s.name, s.outputShape.slice(1).join('×'), formatSi(s.params), formatSi(s.macs), saved(s)]),
    new Set([2, 3, 4]),
  );
}

export function summaryMarkdown(summary: Summary | ClassSummary): string {
  const c = 'config' in summary ? summary.config : undefined;
  const t = summary.totals;
  return [
    `## ${cell(summary.model)}`,
    '',
    c
      ? `Layers ${c.layers.join(', ')} · groups ${c.groups} · width per group ${c.widthPerGroup} · base width ${c.baseWidth} · ${c.numClasses} classes · input ${formatShape(c.inputShape)}`
      : cell(readFromLine((summary as ClassSummary).readFrom)),
    '',
    markdownTable(
      ['Total', 'Value'],
      [
        ['Params', formatInt(t.params)],
        ['Trainable params', formatInt(t.trainableParams)],
        ['MACs (multiply-adds; FLOPs ≈ 2 × MACs)', `${formatInt(t.macs)} (${formatSi(t.macs)})`],
        ['Dense-equivalent params', formatInt(t.denseParams)],
        ['Dense-equivalent MACs', formatInt(t.denseMacs)],
        [
          'Grouped-conv saving (params / MACs)',
          t.denseParams > t.params ? `${formatSaving(t.params, t.denseParams)} / ${formatSaving(t.macs, t.denseMacs)}` : 'none',
        ],
        ['Input size (MiB)', formatMiB(t.inputSizeMiB)],
        ['Forward/backward pass size (MiB)', formatMiB(t.forwardBackwardSizeMiB)],
        ['Params size (MiB)', formatMiB(t.paramsSizeMiB)],
        ['Estimated total size (MiB)', formatMiB(t.estimatedTotalSizeMiB)],
      ],
      new Set([1]),
    ),
    '',
    '### Stages',
    '',
    stagesMarkdownTable(summary.stages),
    '',
    '### Layers',
    '',
    markdownTable(
      ['Layer', 'Type', 'Output shape', 'Params', 'MACs', 'Groups', 'Dense params', 'Dense MACs', 'Saving'],
      summary.layers.map((r) => [
        r.name,
        r.type,
        formatShape(r.outputShape),
        formatInt(r.params),
        formatInt(r.macs),
        r.groups === undefined ? '' : String(r.groups),
        formatInt(r.denseParams),
        formatInt(r.denseMacs),
        formatSaving(r.params, r.denseParams),
      ]),
      new Set([3, 4, 5, 6, 7, 8]),
    ),
    '',
  ].join('\n');
}
