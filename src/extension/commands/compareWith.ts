/**
 * "Compare…" of a Python CodeLens: the configuration the code builds, compared with presets the user picks (the
 * code's configuration is the reference, first). Runs `resnext.compareArchitectures` with the configurations.
 * Automation: `executeCommand('resnext.compareWith', { model, config, presets?: [...] })` skips the picker.
 */
import * as vscode from 'vscode';
import { presetCatalog } from '../../model/catalog';
import type { NetworkConfig } from '../../model/config';
import type { ComparisonData } from '../../shared/protocol';
import { Command } from '../commands';
import { presetPickItems } from '../presetItems';
import { readSettings } from '../settings';

interface CompareWithArgs {
  readonly model: string;
  readonly config: Partial<NetworkConfig>;
  readonly presets?: readonly string[];
}

function parseArgs(arg: unknown): CompareWithArgs | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const a = arg as Record<string, unknown>;
  if (typeof a.model !== 'string' || typeof a.config !== 'object' || a.config === null) return undefined;
  return {
    model: a.model,
    config: a.config as Partial<NetworkConfig>,
    ...(Array.isArray(a.presets) && a.presets.every((p) => typeof p === 'string') && { presets: a.presets as string[] }),
  };
}

export async function compareWithCommand(arg?: unknown): Promise<ComparisonData | undefined> {
  const args = parseArgs(arg);
  if (!args) {
    void vscode.window.showInformationMessage('Compare… compares a model found in Python code: use the CodeLens above the call that builds it.');
    return undefined;
  }
  let presets = args.presets;
  if (presets === undefined) {
    const items = presetPickItems(presetCatalog(), readSettings().defaultPreset).filter((i) => i.preset !== undefined && i.preset !== args.model);
    const picked = await vscode.window.showQuickPick(
      items.map((i) => ({ label: i.label, description: i.description, detail: i.detail })),
      { title: `Compare ${args.model} with…`, canPickMany: true, placeHolder: 'Pick one or more presets (your model is the reference)' },
    );
    if (!picked || picked.length === 0) return undefined;
    presets = picked.map((p) => p.label);
  }
  const catalog = new Map(presetCatalog().map((p) => [p.name as string, p.config]));
  const entries = [{ model: args.model, config: args.config }, ...presets.map((p) => ({ model: p, config: catalog.get(p) ?? {} }))];
  return vscode.commands.executeCommand<ComparisonData | undefined>(Command.CompareArchitectures, { entries });
}
