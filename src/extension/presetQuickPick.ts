/** The grouped preset quick pick's items as VS Code items: family separators, then the presets (presetItems.ts). */
import * as vscode from 'vscode';
import type { PresetEntry } from '../model/catalog';
import { groupedPresetPickItems, type PresetPickItem } from './presetItems';

export type PresetQuickPickItem = vscode.QuickPickItem & { entry?: PresetPickItem };

export function presetQuickPickItems(catalog: readonly PresetEntry[], defaultPreset: string, includeCustom = true): PresetQuickPickItem[] {
  return groupedPresetPickItems(catalog, defaultPreset, includeCustom).map((e) =>
    'separator' in e
      ? { label: e.separator, kind: vscode.QuickPickItemKind.Separator }
      : { label: e.label, description: e.description, detail: e.detail, entry: e },
  );
}
