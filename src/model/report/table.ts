/**
 * The console table, in the spirit of torchsummary's printout (same memory lines, "MB" meaning MiB as there) with
 * the columns it lacks: layer name, MACs, groups, the dense equivalent and what grouped convolution saves.
 */
import type { Summary } from '../summarize';
import type { ClassSummary } from '../../shared/data';
import { formatInt, formatMiB, formatSaving, formatShape, formatSi } from './format';
import { modelTitle, readFromLine, titledModel } from '../../shared/names';

interface Column {
  readonly title: string;
  readonly align: 'left' | 'right';
}

export function renderColumns(columns: readonly Column[], rows: readonly (readonly string[])[]): { header: string; lines: string[]; width: number } {
  const widths = columns.map((c, i) => Math.max(c.title.length, ...rows.map((r) => r[i]!.length)));
  const cell = (text: string, i: number): string => (columns[i]!.align === 'left' ? text.padEnd(widths[i]!) : text.padStart(widths[i]!));
  const line = (cells: readonly string[]): string => cells.map(cell).join('  ').trimEnd();
  const width = widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
  return { header: line(columns.map((c) => c.title)), lines: rows.map(line), width };
}

/** A column with the cell it shows for each row. */
export interface TableColumn<T> extends Column {
  readonly cell: (row: T) => string;
}

export const leftColumn = <T>(title: string, cell: (row: T) => string): TableColumn<T> => ({ title, align: 'left', cell });
export const rightColumn = <T>(title: string, cell: (row: T) => string): TableColumn<T> => ({ title, align: 'right', cell });

/** Layers, Groups, Width/group: a configuration's shape (`resnext presets`, `resnext scan`). */
export function shapeColumns<T>(
  config: (row: T) => { readonly layers: readonly number[]; readonly groups: number; readonly widthPerGroup: number },
): TableColumn<T>[] {
  return [
    leftColumn('Layers', (row) => config(row).layers.join(',')),
    rightColumn('Groups', (row) => String(config(row).groups)),
    rightColumn('Width/group', (row) => String(config(row).widthPerGroup)),
  ];
}

/** Params and MACs, the MACs with their SI figure (`resnext presets`, `resnext scan`). */
export function sizeColumns<T>(size: (row: T) => { readonly params: number; readonly macs: number }): TableColumn<T>[] {
  return [
    rightColumn('Params', (row) => formatInt(size(row).params)),
    rightColumn('MACs', (row) => `${formatInt(size(row).macs)} (${formatSi(size(row).macs)})`),
  ];
}

/** renderColumns over rows of any kind, each column giving its own cell. */
export function renderTable<T>(columns: readonly TableColumn<T>[], rows: readonly T[]): { header: string; lines: string[]; width: number } {
  return renderColumns(
    columns,
    rows.map((row) => columns.map((c) => c.cell(row))),
  );
}

/** A plain console table: the header, a `-` rule as wide as the table, a line per row. */
export function ruledTable<T>(columns: readonly TableColumn<T>[], rows: readonly T[]): string {
  const t = renderTable(columns, rows);
  return [t.header, '-'.repeat(t.width), ...t.lines].join('\n') + '\n';
}

export function summaryTable(summary: Summary | ClassSummary): string {
  // A class whose forward() was not followed: no shapes, no MACs (shown as —, never as 0).
  const unknown = 'readFrom' in summary && !summary.readFrom.macsKnown;
  const table = renderTable<Summary['layers'][number]>(
    [
      leftColumn('Layer', (r) => r.name),
      leftColumn('Type', (r) => r.type),
      leftColumn('Output Shape', (r) => (unknown ? '—' : formatShape(r.outputShape))),
      rightColumn('Param #', (r) => formatInt(r.params)),
      rightColumn('MACs', (r) => (unknown ? '—' : r.macs === 0 ? '0' : formatInt(r.macs))),
      rightColumn('Groups', (r) => (r.groups === undefined ? '' : String(r.groups))),
      rightColumn('Dense Param #', (r) => formatInt(r.denseParams)),
      rightColumn('Dense MACs', (r) => (unknown ? '—' : r.denseMacs === 0 ? '0' : formatInt(r.denseMacs))),
      rightColumn('Saving', (r) => formatSaving(r.params, r.denseParams)),
    ],
    summary.layers,
  );
  const rule = (ch: string): string => ch.repeat(table.width);
  const t = summary.totals;
  const stageTable = renderTable<Summary['stages'][number]>(
    [
      leftColumn('Stage', (s) => s.name),
      leftColumn('Output Shape', (s) => formatShape(s.outputShape)),
      rightColumn('Param #', (s) => formatInt(s.params)),
      rightColumn('MACs', (s) => formatInt(s.macs)),
      rightColumn('Dense Param #', (s) => formatInt(s.denseParams)),
      rightColumn('Dense MACs', (s) => formatInt(s.denseMacs)),
      rightColumn('Saving (params / MACs)', (s) =>
        s.denseParams > s.params ? `${formatSaving(s.params, s.denseParams)} / ${formatSaving(s.macs, s.denseMacs)}` : '',
      ),
    ],
    summary.stages,
  );
  const c = 'config' in summary ? summary.config : undefined;
  return (
    [
      c
        ? `${titledModel(modelTitle(summary.model, c), summary.model)}: layers ${c.layers.join(',')}, groups ${c.groups}, width per group ${c.widthPerGroup}, base width ${c.baseWidth}, ${c.numClasses} classes, input ${formatShape(c.inputShape)}`
        : `${summary.title ?? summary.model} — ${readFromLine((summary as ClassSummary).readFrom)}`,
      rule('-'),
      table.header,
      rule('='),
      ...table.lines,
      rule('='),
      `Total params: ${formatInt(t.params)}`,
      `Trainable params: ${formatInt(t.trainableParams)}`,
      `Non-trainable params: ${formatInt(t.params - t.trainableParams)}`,
      unknown
        ? 'Total MACs: not known (forward() was not followed; see above)'
        : `Total MACs (multiply-adds${t.countRule && t.countRule !== 'torchvision' ? `, counted as ${t.countRule}` : ''}): ${formatInt(t.macs)} (${formatSi(t.macs)}; FLOPs ≈ 2 × MACs)` +
          (t.flops === undefined ? '' : `\nTotal FLOPs (2 × MACs): ${formatInt(t.flops)} (${formatSi(t.flops)})`),
      `Dense-equivalent params: ${formatInt(t.denseParams)}; MACs: ${formatInt(t.denseMacs)}` +
        (t.denseParams > t.params
          ? ` (grouped convolution saves ${formatInt(t.denseParams - t.params)} params, ${formatSaving(t.params, t.denseParams)}, and ${formatInt(t.denseMacs - t.macs)} MACs, ${formatSaving(t.macs, t.denseMacs)})`
          : ' (no grouped convolution)'),
      rule('-'),
      `Input size (MB): ${formatMiB(t.inputSizeMiB)}`,
      `Forward/backward pass size (MB): ${formatMiB(t.forwardBackwardSizeMiB)}`,
      `Params size (MB): ${formatMiB(t.paramsSizeMiB)}`,
      `Estimated Total Size (MB): ${formatMiB(t.estimatedTotalSizeMiB)}`,
      rule('-'),
      stageTable.header,
      '-'.repeat(stageTable.width),
      ...stageTable.lines,
      '-'.repeat(stageTable.width),
      !c
        ? '(MB = MiB, as in torchsummary. Read from your code by the static interpreter: nothing was run.)'
        : summary.tracedBy === 'arithmetic'
          ? `(MB = MiB, as in torchsummary. Shapes traced by arithmetic, without weights, in ${summary.timingsMs.forward.toFixed(0)} ms.)`
          : `(MB = MiB, as in torchsummary. Traced on TensorFlow.js in ${summary.timingsMs.build.toFixed(0)} ms build + ${summary.timingsMs.forward.toFixed(0)} ms forward.)`,
    ].join('\n') + '\n'
  );
}
