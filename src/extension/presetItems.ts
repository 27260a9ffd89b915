/** The preset quick pick's items (vscode-free so it is unit-tested): counts from the static catalog, no TF.js. */
import type { PresetEntry } from '../model/catalog';

export interface PresetPickItem {
  readonly label: string;
  readonly description: string;
  readonly detail: string;
  /** The preset, or undefined for "Custom configuration…". */
  readonly preset: string | undefined;
}

/** 25028904 → "25.0 M"; 4230479872 → "4.23 G". */
export function compactCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}

export const CUSTOM_LABEL = 'Custom configuration…';

/** Presets in catalog order with the default first, then the custom entry. */
export function presetPickItems(catalog: readonly PresetEntry[], defaultPreset: string): PresetPickItem[] {
  const sorted = [...catalog].sort((a, b) => Number(b.name === defaultPreset) - Number(a.name === defaultPreset));
  const items: PresetPickItem[] = sorted.map((p) => ({
    label: p.name,
    description: `${compactCount(p.totals.params)} params · ${compactCount(p.totals.macs)} MACs${p.name === defaultPreset ? ' · default' : ''}`,
    detail: `layers ${p.config.layers.join(',')} · groups ${p.config.groups} · width per group ${p.config.widthPerGroup}` +
      (p.totals.denseParams > p.totals.params ? ` · grouped conv: −${(100 * (1 - p.totals.params / p.totals.denseParams)).toFixed(0)}% params` : ''),
    preset: p.name,
  }));
  items.push({
    label: CUSTOM_LABEL,
    description: 'layers, groups, width per group, base width, classes, input size',
    detail: `Starts from ${defaultPreset}; every value is checked as you type`,
    preset: undefined,
  });
  return items;
}
