/** The table (and JSON) forms of `resnext diff` and `resnext check` (diff.ts, check.ts). */
import { formatShape } from '../../shared/format';
import type { Check, Diff } from '../../shared/data';

export const DIFF_FORMATS = ['table', 'json'] as const;
export type DiffFormat = (typeof DIFF_FORMATS)[number];

const BAR_WIDTH = 30;

/** A relative change as text: 0, 3.2e-5, 0.0123, 1.25. */
export function formatRelative(x: number | null): string {
  if (x === null) return '—';
  if (x === 0) return '0';
  return x < 1e-3 ? x.toExponential(1) : x.toPrecision(3);
}

/** A bar of `x / max` on a log scale from max/1e6 (so 1e-4 changes still show next to 1e-1 ones). */
export function relativeBar(x: number | null, max: number): string {
  if (x === null || x <= 0 || max <= 0) return '';
  const fraction = Math.max(0, Math.min(1, 1 + Math.log10(x / max) / 6));
  return '█'.repeat(Math.max(1, Math.round(fraction * BAR_WIDTH)));
}

export function formatDiff(diff: Diff, format: DiffFormat): string {
  if (format === 'json') return JSON.stringify(diff, null, 2) + '\n';
  const side = (s: Diff['a']): string => `${s.file}${s.stateDict !== '' ? ` ['${s.stateDict}']` : ''}`;
  const lines = [`A: ${side(diff.a)}`, `B: ${side(diff.b)}`, ''];
  const max = Math.max(0, ...diff.modules.map((m) => m.relativeChange ?? 0));
  const nameWidth = Math.max(6, ...diff.modules.map((m) => m.name.length));
  lines.push(`${'Module'.padEnd(nameWidth)}  ${'Status'.padEnd(8)}  ${'‖B−A‖/‖A‖'.padStart(9)}  (bar: log scale, 6 decades)`);
  for (const m of diff.modules) {
    const mark = m.status === 'same' ? 'same' : m.status;
    lines.push(`${m.name.padEnd(nameWidth)}  ${mark.padEnd(8)}  ${formatRelative(m.relativeChange).padStart(9)}  ${relativeBar(m.relativeChange, max)}`);
  }
  const others = diff.tensors.filter((t) => t.status === 'added' || t.status === 'removed' || t.status === 'reshaped');
  if (others.length > 0) {
    lines.push('', 'Keys not compared:');
    for (const t of others) {
      const detail =
        t.status === 'added'
          ? `only in B ${formatShape(t.shapeB!)}`
          : t.status === 'removed'
            ? `only in A ${formatShape(t.shapeA!)}`
            : `${formatShape(t.shapeA!)} → ${formatShape(t.shapeB!)}`;
      lines.push(`  ${t.status.padEnd(8)}  ${t.key}  ${detail}`);
    }
  }
  const dtypes = new Set(diff.tensors.filter((t) => t.dtypeA !== null && t.dtypeB !== null && t.dtypeA !== t.dtypeB).map((t) => `${t.dtypeA} → ${t.dtypeB}`));
  if (dtypes.size > 0) lines.push('', `Dtypes differ: ${[...dtypes].join(', ')} (compared in float64)`);
  const s = diff.summary;
  lines.push('', `Tensors: ${s.same} same, ${s.changed} changed, ${s.added} added, ${s.removed} removed, ${s.reshaped} reshaped`);
  return lines.join('\n') + '\n';
}

export function formatCheck(check: Check, format: DiffFormat): string {
  if (format === 'json') return JSON.stringify(check, null, 2) + '\n';
  const lines = [
    `${check.file}${check.stateDict !== '' ? ` ['${check.stateDict}']` : ''} against ${check.architecture.model}:`,
    check.loads ? '  load_state_dict(strict=True) would succeed' : '  load_state_dict(strict=True) would fail',
  ];
  const list = (label: string, items: readonly string[]): void => {
    if (items.length === 0) return;
    lines.push('', `${label} (${items.length}):`, ...items.slice(0, 40).map((k) => `  ${k}`));
    if (items.length > 40) lines.push(`  … ${items.length - 40} more (--format json lists all)`);
  };
  list('Missing keys', check.missing);
  list('Unexpected keys', check.unexpected);
  list(
    'Size mismatches',
    check.mismatched.map((m) => `${m.key}: file ${formatShape(m.got)}, model ${formatShape(m.expected)}`),
  );
  if (check.hints.length > 0) lines.push('', 'Hints:', ...check.hints.map((h) => `  - ${h.text}`));
  return lines.join('\n') + '\n';
}

const csvField = (x: string | number | null): string =>
  x === null ? '' : typeof x === 'number' ? String(x) : /[",\n]/.test(x) ? `"${x.replace(/"/g, '""')}"` : x;

/** One row per key (the Compare Checkpoints view's CSV export). */
export function diffCsv(diff: Diff): string {
  const header = ['key', 'status', 'shapeA', 'shapeB', 'dtypeA', 'dtypeB', 'l2Diff', 'relativeChange', 'maxAbsDiff', 'cosine'];
  const rows = diff.tensors.map((t) =>
    [
      t.key,
      t.status,
      t.shapeA ? t.shapeA.join('x') : null,
      t.shapeB ? t.shapeB.join('x') : null,
      t.dtypeA,
      t.dtypeB,
      t.l2Diff,
      t.relativeChange,
      t.maxAbsDiff,
      t.cosine,
    ]
      .map(csvField)
      .join(','),
  );
  return [header.join(','), ...rows].join('\n') + '\n';
}
