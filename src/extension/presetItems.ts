/** The preset quick pick's items (vscode-free so it is unit-tested): counts from the static catalog, no TF.js. */
import type { PresetEntry } from '../model/catalog';
import { formatPercent, saving } from '../shared/format';
import { variantWords } from '../shared/names';

export interface PresetPickItem {
  readonly label: string;
  /** The preset's family (catalog.ts); undefined for "Custom configuration…". */
  readonly family?: string;
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

function variantText(p: PresetEntry): string {
  const parts = variantWords(p.config, [p.config.inputHeightPx, p.config.inputWidthPx]);
  // The first name elsewhere that is not the preset's own (timm's pretrained tag, torch.hub's entry).
  const alias = [...(p.aliases.timm ?? []), p.aliases.hub].find((a) => a !== undefined && a !== p.name);
  return parts.map((x) => ` · ${x}`).join('') + (alias !== undefined ? ` · ${alias}` : '');
}

/** A row of the grouped quick pick: a preset (or the custom entry), or a separator naming the group below it. */
export type GroupedPickEntry = PresetPickItem | { readonly separator: string };

/**
 * The quick pick grouped by family (catalog order), each group under a separator; the default preset first under
 * "Default", the custom entry last. Without `includeCustom`, only presets (pickers that need a preset).
 */
export function groupedPresetPickItems(catalog: readonly PresetEntry[], defaultPreset: string, includeCustom = true): GroupedPickEntry[] {
  const items = presetPickItems(catalog, defaultPreset);
  const out: GroupedPickEntry[] = [];
  const preset = items.filter((i) => i.preset !== undefined);
  const first = preset.find((i) => i.preset === defaultPreset);
  if (first) out.push({ separator: 'Default' }, first);
  let family: string | undefined;
  for (const item of [...preset].sort((a, b) => catalog.findIndex((p) => p.name === a.preset) - catalog.findIndex((p) => p.name === b.preset))) {
    if (item === first) continue;
    if (item.family !== family) {
      family = item.family;
      out.push({ separator: family ?? '' });
    }
    out.push(item);
  }
  if (includeCustom) out.push({ separator: 'Custom' }, ...items.filter((i) => i.preset === undefined));
  return out;
}

/** Presets in catalog order with the default first, then the custom entry. */
export function presetPickItems(catalog: readonly PresetEntry[], defaultPreset: string): PresetPickItem[] {
  const sorted = [...catalog].sort((a, b) => Number(b.name === defaultPreset) - Number(a.name === defaultPreset));
  const items: PresetPickItem[] = sorted.map((p) => ({
    label: p.name,
    family: p.family,
    description: `${compactCount(p.totals.params)} params · ${compactCount(p.totals.macs)} MACs${p.name === defaultPreset ? ' · default' : ''}`,
    detail:
      `${p.family} · layers ${p.config.layers.join(',')} · groups ${p.config.groups} · width per group ${p.config.widthPerGroup}` +
      variantText(p) +
      (p.totals.denseParams > p.totals.params ? ` · grouped conv: −${formatPercent(saving(p.totals.params, p.totals.denseParams), 0)} params` : ''),
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
