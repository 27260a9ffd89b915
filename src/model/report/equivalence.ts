/** The split-transform-merge equivalence (src/model/equivalence.ts) as a console table, markdown and JSON. */
import type { Equivalence } from '../equivalence';
import { FORMS, type Form } from '../forms';
import { formatAbsDiff, formatInt, formatShape } from '../../shared/format';
import { jsonText } from './json';
import { markdownTable } from './markdown';
import { renderColumns } from './table';

export const EQUIVALENCE_FORMATS = ['table', 'markdown', 'json'] as const;
export type EquivalenceFormat = (typeof EQUIVALENCE_FORMATS)[number];

export { formatAbsDiff } from '../../shared/format';

/**
 * A form's name. (a) and (b) are named by their paths; (c) as `grouped` words it: by default as the console and the
 * review report say it, the extension's diagram says it its own way.
 */
export function formName(
  e: Pick<Equivalence, 'cardinality'>,
  form: Form,
  grouped: (c: number) => string = (c) => `(c) grouped 3x3 (groups=${c}), as the network runs it`,
): string {
  const c = e.cardinality;
  const paths = `${c} path${c === 1 ? '' : 's'}`;
  switch (form) {
    case 'a':
      return `(a) ${paths} 1x1→3x3→1x1, summed`;
    case 'b':
      return `(b) ${paths} 1x1→3x3, concatenated, one 1x1`;
    case 'c':
      return grouped(c);
  }
}

function formRows(e: Equivalence): string[][] {
  const diff = (form: Form, kind: 'max' | 'mean'): string => {
    if (form === 'c') return '(reference)';
    const key = form === 'a' ? 'aVsC' : 'bVsC';
    return formatAbsDiff(kind === 'max' ? e.maxAbsDiff[key] : e.meanAbsDiff[key]);
  };
  return FORMS.map((form) => [
    formName(e, form),
    String(e.ops[form].convOps),
    formatInt(e.ops[form].macs),
    String(e.ops[form].kernels),
    diff(form, 'max'),
    diff(form, 'mean'),
  ]);
}

const FORM_HEADER = ['Form', 'Conv ops', 'MACs (multiply-adds)', 'TF.js kernels', 'Max |Δ| vs (c)', 'Mean |Δ| vs (c)'];

function describe(e: Equivalence): string[] {
  return [
    `Input ${formatShape(e.inputShape)} → output ${formatShape(e.outputShape)}; cardinality C = ${e.cardinality}, path width d = ${e.pathWidth}; ` +
      `shortcut: ${e.shortcut === 'downsample' ? 'downsample (1x1 conv + BN)' : 'identity'}.`,
    `Weights: ${e.weights}; input uniform in [-1, 1), seed ${e.seed}. Computed: the whole block, ReLU(F(x) + shortcut(x)), BatchNorm folded (eval mode).`,
    ...(e.engine ? [engineLine(e.engine, e.cardinality)] : []),
  ];
}

/** Which engine ran what (the JSON's `engine`). */
function engineLine(engine: NonNullable<Equivalence['engine']>, c: number): string {
  const forms = 'Engines: forms (a), (b), (c) on TensorFlow.js wasm (their kernels counted there)';
  if (engine.maxAbsDiffVsC === undefined) return `${forms}; the chosen engine is wasm (${engine.version}), and (c) is its own grouped convolution.`;
  return (
    `${forms}; the block also on ${engine.name} (${engine.version}), its part of the network's ONNX graph with the grouped 3x3 as one Conv (group=${c}): ` +
    `max |Δ| vs (c) ${formatAbsDiff(engine.maxAbsDiffVsC)}, mean ${formatAbsDiff(engine.meanAbsDiffVsC ?? 0)}.`
  );
}

/** The equivalence's one-line verdict (the CLI's table, the review report and the extension's view print the same). */
export function verdict(e: Pick<Equivalence, 'maxAbsDiff' | 'ops' | 'equivalent' | 'tolerance' | 'maxAbsOutput' | 'engine'>): string {
  const worst = Math.max(e.maxAbsDiff.aVsC, e.maxAbsDiff.bVsC, e.engine?.maxAbsDiffVsC ?? 0);
  const sameMacs = e.ops.a.macs === e.ops.c.macs && e.ops.b.macs === e.ops.c.macs;
  return (
    (e.equivalent
      ? `Equivalent: max |Δ| ${formatAbsDiff(worst)} ≤ ${e.tolerance.toExponential(0)} (largest |output| ${e.maxAbsOutput.toFixed(2)}).`
      : `NOT equivalent: max |Δ| ${formatAbsDiff(worst)} > ${e.tolerance.toExponential(0)} (largest |output| ${e.maxAbsOutput.toFixed(2)}).`) +
    (sameMacs ? ' Multiply-adds are equal in all three forms; only the number of ops differs.' : ' The multiply-adds differ between forms.')
  );
}

export function equivalenceTable(e: Equivalence): string {
  const table = renderColumns(
    FORM_HEADER.map((title, i) => ({ title, align: i === 0 ? 'left' : 'right' })),
    formRows(e),
  );
  return (
    [
      `Split-transform-merge equivalence (Xie et al. 2017, Fig. 3): ${e.model} ${e.block}`,
      ...describe(e),
      '',
      table.header,
      '-'.repeat(table.width),
      ...table.lines,
      '-'.repeat(table.width),
      verdict(e),
    ].join('\n') + '\n'
  );
}

/** A markdown section (heading level 3 so it nests in a comparison report). */
export function equivalenceMarkdown(e: Equivalence): string {
  return [
    `### Split-transform-merge equivalence: ${e.model} \`${e.block}\``,
    '',
    ...describe(e).map((line) => `${line}  `),
    '',
    markdownTable(FORM_HEADER, formRows(e), new Set([1, 2, 3, 4, 5])),
    '',
    `**${verdict(e)}**`,
    '',
  ].join('\n');
}

const EQUIVALENCE_FORMATTERS: Record<EquivalenceFormat, (e: Equivalence) => string> = {
  table: equivalenceTable,
  markdown: equivalenceMarkdown,
  json: jsonText,
};

export function formatEquivalence(e: Equivalence, format: EquivalenceFormat): string {
  return EQUIVALENCE_FORMATTERS[format](e);
}
