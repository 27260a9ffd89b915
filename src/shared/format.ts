/**
 * Number, shape and difference formatting, shared by the core's report formats (CLI), the extension's static views
 * and the summary webview. Pure: no TF.js, no Node, no DOM, so every bundle may include it.
 */

export const formatInt = (n: number): string => n.toLocaleString('en-US');
export const formatShape = (shape: readonly number[]): string => `[${shape.join(', ')}]`;
/** torchsummary prints its memory lines with "%0.2f". */
export const formatMiB = (mib: number): string => mib.toFixed(2);

/** 4230479872 → "4.23 G". */
export function formatSi(n: number): string {
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [scale, unit] of units) if (Math.abs(n) >= scale) return `${(n / scale).toFixed(2)} ${unit}`;
  return String(n);
}

/** 0.637 → "63.7%": every percentage shown (lens, hover, panels, CLI, reports) in this one style. */
export const formatPercent = (fraction: number, digits = 1): string => `${(100 * fraction).toFixed(digits)}%`;

/** 1 − actual / dense: the share of the dense equivalent that grouped convolution saves (0 when it saves nothing). */
export const saving = (actual: number, dense: number): number => (dense > actual && dense > 0 ? 1 - actual / dense : 0);

/** What grouped convolution saves against its dense equivalent: "96.9%" (1 − actual / dense), "" when nothing. */
export function formatSaving(actual: number, dense: number): string {
  if (dense <= actual || dense === 0) return '';
  return formatPercent(saving(actual, dense));
}

/** Shown in place of a difference on the reference (first) row of a comparison. */
export const REFERENCE_MARK = '—';

/** "+528,128", "-528,128", "0". */
export function formatDelta(value: number, reference: number): string {
  const d = value - reference;
  return d === 0 ? '0' : `${d > 0 ? '+' : '-'}${formatInt(Math.abs(d))}`;
}

/** 100 · (value − reference) / reference, as a number (undefined when the reference is 0 and the value is not). */
export function deltaPercent(value: number, reference: number): number | undefined {
  if (reference === 0) return value === 0 ? 0 : undefined;
  return (100 * (value - reference)) / reference;
}

/** "+2.07%", "-2.07%", "0.00%", "n/a" (reference 0). */
export function formatDeltaPercent(value: number, reference: number): string {
  const p = deltaPercent(value, reference);
  if (p === undefined) return 'n/a';
  const text = Math.abs(p).toFixed(2);
  return Number(text) === 0 ? '0.00%' : `${p > 0 ? '+' : '-'}${text}%`;
}

/** 9.5367e-7 → "9.54e-7"; exact zero stays "0". */
export const formatAbsDiff = (x: number): string => (x === 0 ? '0' : x.toExponential(2));

/** 0.371 → "37%" (a share of a whole, rounded to a whole percent; "<1%" for a small non-zero share). */
export function formatShare(x: number): string {
  if (x > 0 && x < 0.005) return '<1%';
  return formatPercent(x, 0);
}

/** A time in ms: "1,636 ms" from 1 s, "378.4 ms", "0.42 ms". */
export function formatMs(ms: number): string {
  if (ms >= 1000) return `${formatInt(Math.round(ms))} ms`;
  return `${ms >= 10 ? ms.toFixed(1) : ms.toFixed(2)} ms`;
}

/** A rate or an intensity: 3 significant digits ("123", "12.3", "1.23", "0.123"), "" for 0 (nothing measured). */
export function formatRate(x: number): string {
  if (x === 0) return '';
  if (x >= 100) return formatInt(Math.round(x));
  return x.toPrecision(3);
}

/** What the convolutions of one kind cost, as `resnext profile` and the summary view word it. */
export interface ConvShareData {
  readonly count: number;
  readonly ms: number;
  readonly timeShare: number;
  readonly macsShare: number;
}

/**
 * The review question's answer in one line: "grouped convs: 37 % of MACs, 52 % of time (190.2 ms in 16 layers);
 * dense convs: 63 % of MACs, 41 % of time (150.1 ms in 37 layers)". Without grouped convs, says so.
 */
export function formatConvShares(convs: { readonly grouped: ConvShareData; readonly dense: ConvShareData }): string {
  const part = (kind: string, c: ConvShareData): string =>
    `${kind} convs: ${formatShare(c.macsShare)} of MACs, ${formatShare(c.timeShare)} of time (${formatMs(c.ms)} in ${c.count} layer${c.count === 1 ? '' : 's'})`;
  if (convs.grouped.count === 0) return `no grouped convolution; ${part('dense', convs.dense)}`;
  return `${part('grouped', convs.grouped)}; ${part('dense', convs.dense)}`;
}
