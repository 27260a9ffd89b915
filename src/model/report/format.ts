/** Number and shape formatting shared by the report formats. */

export const formatInt = (n: number): string => n.toLocaleString('en-US');
export const formatShape = (shape: readonly number[]): string => `[${shape.join(', ')}]`;
/** torchsummary prints its memory lines with "%0.2f". */
export const formatMiB = (mib: number): string => mib.toFixed(2);

/** 4230479872 → "4.23 G". */
export function formatSi(n: number): string {
  const units: [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [scale, unit] of units) if (Math.abs(n) >= scale) return `${(n / scale).toFixed(2)} ${unit}`;
  return String(n);
}

/** What grouped convolution saves against its dense equivalent: "96.9%" (1 − actual / dense), "" when nothing. */
export function formatSaving(actual: number, dense: number): string {
  if (dense <= actual || dense === 0) return '';
  return `${(100 * (1 - actual / dense)).toFixed(1)}%`;
}
