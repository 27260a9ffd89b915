/**
 * The layer filter (pure, unit-tested): whitespace-separated terms that must all match.
 *   name:conv2   the layer's name contains "conv2"
 *   type:Conv2d  the layer's type contains "Conv2d"
 *   conv2        names first: matches names if any layer's name contains it, else types
 * Matching ignores case. A term with another prefix ("foo:bar") is plain text.
 */
import type { LayerRowData } from '../src/shared/protocol';

export type FilterField = 'name' | 'type';

export interface FilterTerm {
  readonly field: FilterField | 'text';
  readonly value: string;
}

export function parseFilter(text: string): FilterTerm[] {
  return text
    .trim()
    .split(/\s+/)
    .filter((t) => t !== '')
    .map((t) => {
      const m = /^(name|type):(.*)$/i.exec(t);
      return m ? { field: m[1]!.toLowerCase() as FilterField, value: m[2]!.toLowerCase() } : { field: 'text' as const, value: t.toLowerCase() };
    })
    .filter((t) => t.value !== '');
}

export interface LayerFilter {
  /** Whether the filter restricts anything. */
  readonly active: boolean;
  readonly matches: (row: LayerRowData) => boolean;
  /** Matching layers and all layers. */
  readonly count: number;
  readonly total: number;
  /** How each plain-text term was read, e.g. `"conv2" in names`. */
  readonly readings: readonly string[];
}

/** Builds the filter over `layers`: plain text is read as a name when some layer's name contains it, else as a type. */
export function layerFilter(text: string, layers: readonly LayerRowData[]): LayerFilter {
  const terms = parseFilter(text);
  const resolved = terms.map((t): { field: FilterField; value: string; plain: boolean } => {
    if (t.field !== 'text') return { field: t.field, value: t.value, plain: false };
    const inNames = layers.some((r) => r.name.toLowerCase().includes(t.value));
    return { field: inNames ? 'name' : 'type', value: t.value, plain: true };
  });
  const matches = (row: LayerRowData): boolean => resolved.every((t) => (t.field === 'name' ? row.name : row.type).toLowerCase().includes(t.value));
  return {
    active: terms.length > 0,
    matches,
    count: terms.length > 0 ? layers.filter(matches).length : layers.length,
    total: layers.length,
    readings: resolved.filter((t) => t.plain).map((t) => `“${t.value}” in ${t.field === 'name' ? 'names' : 'types'}`),
  };
}
