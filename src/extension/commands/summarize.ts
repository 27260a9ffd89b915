/**
 * "ResNeXt: Summarize": pick a preset (params and MACs from the static catalog, no TF.js) or enter a custom
 * configuration, trace it in the worker, show the summary panel. With an argument it skips the pickers (tests and
 * automation): `executeCommand('resnext.summarize', 'resnext50_32x4d')` or `{ preset?, config?, show? }`.
 * Returns the summary (plain JSON) or undefined when the user cancelled.
 */
import * as vscode from 'vscode';
import { presetCatalog } from '../../model/catalog';
import { presetConfig, type NetworkConfig, type PresetName } from '../../model/config';
import type { SummaryData } from '../../shared/protocol';
import {
  CHOICE_STEPS,
  CUSTOM_FIELDS,
  applyChoice,
  applyField,
  reconcileOptions,
  resolveCustom,
  validateField,
  type ChoiceItem,
  type ChoiceStep,
  type Resolved,
} from '../customConfig';
import { showError, UserInputError } from '../errors';
import { presetQuickPickItems } from '../presetQuickPick';
import { runWithProgress, type Services } from '../services';
import { readSettings } from '../settings';
import { SummaryPanel } from '../summaryPanel';

export interface SummarizeArgs {
  /** A preset name (the base of `config` when both are given). */
  readonly preset?: string;
  /** Overrides of the preset's values, validated as the custom flow does. */
  readonly config?: Partial<NetworkConfig>;
  /** Open the panel (default true). */
  readonly show?: boolean;
}

export function parseArgs(arg: unknown): SummarizeArgs | undefined {
  if (typeof arg === 'string') return { preset: arg };
  if (typeof arg !== 'object' || arg === null || arg instanceof vscode.Uri) return undefined;
  const a = arg as Record<string, unknown>;
  return {
    ...(typeof a.preset === 'string' && { preset: a.preset }),
    ...(typeof a.config === 'object' && a.config !== null && { config: a.config as Partial<NetworkConfig> }),
    ...(typeof a.show === 'boolean' && { show: a.show }),
  };
}

export async function summarizeCommand(services: Services, arg?: unknown): Promise<SummaryData | undefined> {
  const settings = readSettings();
  const args = parseArgs(arg);
  let resolved: Resolved | undefined;
  if (args) {
    const outcome = resolvePreset(args.preset ?? settings.defaultPreset, args.config);
    if ('error' in outcome) {
      void showError(new UserInputError(outcome.error), 'ResNeXt: Summarize', services);
      return undefined;
    }
    resolved = outcome;
  } else {
    resolved = await pickConfiguration(settings.defaultPreset);
    if (!resolved) return undefined;
  }
  return summarizeResolved(services, resolved, args?.show ?? true);
}

/** A preset with optional overrides, validated by the core (unknown presets get the closest name). */
export function resolvePreset(preset: string, overrides: Partial<NetworkConfig> = {}): Resolved | { error: string } {
  if (overrides.layers !== undefined && !Array.isArray(overrides.layers)) return { error: 'config.layers must be an array of 4 whole numbers' };
  return resolveCustom(preset, overrides);
}

export async function summarizeResolved(services: Services, resolved: Resolved, show: boolean): Promise<SummaryData | undefined> {
  try {
    const result = await runWithProgress(services, `Summarizing ${resolved.model}`, { type: 'summarize', model: resolved.model, config: resolved.config });
    const s = result.summary;
    services.log.info(
      `${s.model}: ${s.totals.params.toLocaleString('en-US')} params, ${s.totals.macs.toLocaleString('en-US')} MACs (build ${s.timingsMs.build} ms, forward ${s.timingsMs.forward} ms)`,
    );
    if (show) SummaryPanel.createOrShow(services, s);
    return s;
  } catch (error) {
    void showError(error, `Summarizing ${resolved.model}`, services);
    return undefined;
  }
}

export async function pickConfiguration(
  defaultPreset: PresetName,
  title = 'ResNeXt: Summarize (MACs = multiply-adds; FLOPs ≈ 2 × MACs)',
): Promise<Resolved | undefined> {
  const quickPickItems = presetQuickPickItems(presetCatalog(), defaultPreset);
  const picked = await vscode.window.showQuickPick(quickPickItems, {
    title,
    placeHolder: 'Pick a preset (grouped by family) or a custom configuration',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!picked?.entry) return undefined;
  if (picked.entry.preset !== undefined) {
    const outcome = resolvePreset(picked.entry.preset);
    return 'error' in outcome ? undefined : outcome;
  }
  return customFlow(defaultPreset);
}

/** The block, the stem and the options from VS Code's pick lists, then one input box per field, each validated as you
 * type against everything entered so far. */
async function customFlow(base: PresetName): Promise<Resolved | undefined> {
  let config = presetConfig(base);
  const total = (c: NetworkConfig): number => CHOICE_STEPS.length + CUSTOM_FIELDS.filter((f) => f.applies?.(c) ?? true).length;
  let index = 0;
  for (const step of CHOICE_STEPS) {
    const ids = await pickChoice(step, config, `Custom configuration (${++index}/${total(config)}): ${step.title}`);
    if (ids === undefined) return undefined;
    const applied = applyChoice(config, step.key, ids);
    if ('error' in applied) {
      void vscode.window.showErrorMessage(applied.error);
      return undefined;
    }
    config = applied.config;
  }
  for (const field of CUSTOM_FIELDS) {
    if (field.applies && !field.applies(config)) continue;
    const draft = config;
    const text = await vscode.window.showInputBox({
      title: `Custom configuration (${++index}/${total(draft)}): ${field.title}`,
      prompt: field.prompt,
      value: field.format(draft),
      ignoreFocusOut: true,
      validateInput: (value) => validateField(base, draft, field.key, value),
    });
    if (text === undefined) return undefined;
    const applied = applyField(draft, field.key, text);
    if ('error' in applied) return undefined;
    config = applied.config;
  }
  const resolved = resolveCustom(base, config);
  if ('error' in resolved) {
    void vscode.window.showErrorMessage(resolved.error);
    return undefined;
  }
  return resolved;
}

type ChoicePickItem = vscode.QuickPickItem & { readonly id: string };

/** One pick step in VS Code's QuickPick: the current choice active (single) or checked (many); undefined if dismissed. */
function pickChoice(step: ChoiceStep, config: NetworkConfig, title: string): Promise<string[] | undefined> {
  const toItem = (i: ChoiceItem): ChoicePickItem => ({
    id: i.id,
    label: i.label,
    description: i.description,
    ...(i.detail !== undefined && { detail: i.detail }),
  });
  const items = step.items(config).map(toItem);
  const current = step.picked(config);
  const pick = vscode.window.createQuickPick<ChoicePickItem>();
  pick.title = title;
  pick.placeholder = step.placeholder;
  pick.canSelectMany = step.many;
  pick.ignoreFocusOut = true;
  pick.matchOnDescription = true;
  pick.items = items;
  if (step.many) pick.selectedItems = items.filter((i) => current.includes(i.id));
  else pick.activeItems = items.filter((i) => current.includes(i.id));
  return new Promise((resolve) => {
    let done = false;
    let before = pick.selectedItems.map((i) => i.id);
    const finish = (ids: string[] | undefined): void => {
      if (done) return;
      done = true;
      resolve(ids);
      pick.dispose();
    };
    pick.onDidChangeSelection((selected) => {
      if (!step.many) return;
      const after = selected.map((i) => i.id);
      const kept = reconcileOptions(config, before, after);
      before = kept;
      if (kept.length !== after.length) pick.selectedItems = items.filter((i) => kept.includes(i.id));
    });
    pick.onDidAccept(() => finish(step.many ? pick.selectedItems.map((i) => i.id) : pick.activeItems.slice(0, 1).map((i) => i.id)));
    pick.onDidHide(() => finish(undefined));
    pick.show();
  });
}
