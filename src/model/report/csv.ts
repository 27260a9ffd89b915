/** CSV (RFC 4180): one row per layer call, plain integers, so spreadsheets and pandas read it as numbers. */
import type { Summary } from '../summarize';
import type { ClassSummary } from '../../shared/data';

/** Quotes a field when it holds a comma, quote or line break; a leading =, +, - or @ is prefixed with ' so a
 * spreadsheet does not evaluate it as a formula (layer names come from checkpoints, i.e. from outside). */
export function csvField(value: string | number): string {
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const CSV_COLUMNS = [
  'name',
  'type',
  'output_shape',
  'params',
  'macs',
  'groups',
  'kernel',
  'stride',
  'dense_params',
  'dense_macs',
  'params_saved',
  'macs_saved',
] as const;

export function summaryCsv(summary: Summary | ClassSummary): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of summary.layers) {
    lines.push(
      [
        r.name,
        r.type,
        r.outputShape.join('x'),
        r.params,
        r.macs,
        r.groups ?? '',
        r.kernel ? r.kernel.join('x') : '',
        r.stride ? r.stride.join('x') : '',
        r.denseParams,
        r.denseMacs,
        r.denseParams - r.params,
        r.denseMacs - r.macs,
      ]
        .map(csvField)
        .join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}
