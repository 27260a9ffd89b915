/**
 * "ResNeXt: Compare Checkpoints" (two files selected in the explorer, or one and a file picked next) and "Check
 * Against Architecture…" (explorer menu, Checkpoint Inspector title bar): the core's diffCheckpoints and
 * checkCheckpoint (the same as `resnext diff` / `resnext check`) run in the worker; the results are static pages
 * (diffHtml.ts). The check page's hints are `command:` links to resnext.applyCheckHint: write a safetensors file with
 * the prefix stripped or the classifier dropped (the core's atomic convert), or check again against the class count
 * or the configuration the file fits.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as v from 'valibot';
import * as vscode from 'vscode';
import { presetCatalog } from '../../model/catalog';
import { presetConfig, requirePreset, type NetworkConfig } from '../../model/config';
import type { Check, CheckHint, Diff } from '../../shared/data';
import { NetworkConfigSchema } from '../../shared/data';
import { checkHtml, diffHtml } from '../diffHtml';
import { checkpointArg, fileName, pickCheckpoint, showCheckpointError, stateDictKeySetting } from '../checkpointFiles';
import { Disposable } from '../disposable';
import { presetQuickPickItems } from '../presetQuickPick';
import { readSettings } from '../settings';
import { runWithProgress, type Services } from '../services';
import { ReusablePanel } from '../staticPanel';
import { makeNonce } from '../webviewHtml';
import { isEvaluationViewMessage } from '../../shared/protocol';
import { inspectedUri } from './inspectCheckpoint';

export const DIFF_VIEW_TYPE = 'resnext.diff';
export const CHECK_VIEW_TYPE = 'resnext.check';
export const APPLY_CHECK_HINT_COMMAND = 'resnext.applyCheckHint';

const styles = (services: Pick<Services, 'context'>, webview: vscode.Webview): string[] =>
  ['evaluation.css', 'diff.css'].map((f) => webview.asWebviewUri(vscode.Uri.joinPath(services.context.extensionUri, 'dist', f)).toString());

/** The diff panel and the diff it shows; its page asks only for exports of that diff. */
class DiffView extends Disposable {
  private readonly panel: ReusablePanel;
  private shown: { readonly diff: Diff; readonly csv: string } | undefined;
  private listener: vscode.Disposable | undefined;
  private listening: vscode.WebviewPanel | undefined;

  constructor(private readonly services: Pick<Services, 'context' | 'log'>) {
    super();
    this.panel = this._register(new ReusablePanel(services.context, DIFF_VIEW_TYPE));
    this._register({ dispose: () => this.listener?.dispose() });
  }

  show(diff: Diff, csv: string): vscode.WebviewPanel {
    const panel = this.panel.show(`Diff: ${path.basename(diff.a.file)} ↔ ${path.basename(diff.b.file)}`);
    this.shown = { diff, csv };
    if (this.listening !== panel) {
      this.listener?.dispose();
      this.listening = panel;
      this.listener = panel.webview.onDidReceiveMessage((message: unknown) => {
        this.export(message).catch(
          (error: unknown) => void vscode.window.showErrorMessage(`Could not export: ${error instanceof Error ? error.message : String(error)}`),
        );
      });
    }
    panel.webview.html = diffHtml({
      cspSource: panel.webview.cspSource,
      styleUris: styles(this.services, panel.webview),
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(this.services.context.extensionUri, 'dist', 'evaluationView.js')).toString(),
      nonce: makeNonce(),
      diff,
    });
    return panel;
  }

  private async export(message: unknown): Promise<void> {
    if (!this.shown || !isEvaluationViewMessage(message) || message.type !== 'export' || message.format === 'predictions') return;
    const { diff, csv } = this.shown;
    const ext = message.format;
    const name = `${path.basename(diff.a.file).replace(/\.[^.]+$/, '')}-vs-${path.basename(diff.b.file).replace(/\.[^.]+$/, '')}.diff.${ext}`;
    const uri = await vscode.window.showSaveDialog({
      title: `Export the diff as ${ext.toUpperCase()}`,
      saveLabel: 'Export',
      filters: { [ext.toUpperCase()]: [ext] },
      defaultUri: vscode.Uri.file(path.join(path.dirname(diff.b.file), name)),
    });
    if (!uri) return;
    const text = ext === 'json' ? JSON.stringify(diff, null, 2) + '\n' : csv;
    if (uri.scheme === 'file') await fs.writeFile(uri.fsPath, text, 'utf8');
    else await vscode.workspace.fs.writeFile(uri, Buffer.from(text, 'utf8'));
    void vscode.window.showInformationMessage(`Saved ${uri.fsPath}`);
  }
}

const DiffArgsSchema = v.object({ a: v.string(), b: v.string() });

/** (uri, uris[]) from the explorer with two files selected; one file: the second is asked for; `{ a, b }` from automation. */
export async function compareCheckpointsCommand(services: Services, arg?: unknown, selection?: unknown): Promise<Diff | undefined> {
  let files: vscode.Uri[] = [];
  if (v.is(DiffArgsSchema, arg)) files = [vscode.Uri.file(arg.a), vscode.Uri.file(arg.b)];
  else if (Array.isArray(selection) && selection.length >= 2 && selection.every((u) => u instanceof vscode.Uri)) files = selection as vscode.Uri[];
  if (files.length > 2) {
    void vscode.window.showErrorMessage(`Compare Checkpoints compares two files; ${files.length} are selected. Select two.`);
    return undefined;
  }
  if (files.length < 2) {
    const first = await checkpointArg(arg, 'Compare checkpoints: the first (A)', 'Choose A');
    if (!first) return undefined;
    const second = await pickCheckpoint(`Compare ${fileName(first)} (A) with… (B)`, 'Compare');
    if (!second) return undefined;
    files = [first, second];
  }
  const [a, b] = files as [vscode.Uri, vscode.Uri];
  try {
    const reply = await runWithProgress(services, `Comparing ${fileName(a)} and ${fileName(b)}`, {
      type: 'diffCheckpoints',
      a: a.fsPath,
      b: b.fsPath,
      ...stateDictKeySetting(),
    });
    services.views.get(DIFF_VIEW_TYPE, () => new DiffView(services)).show(reply.diff, reply.csv);
    return reply.diff;
  } catch (error) {
    void showCheckpointError(services, error, `Comparing ${fileName(a)} and ${fileName(b)}`, b, 'resnext.compareCheckpoints');
    return undefined;
  }
}

type ArchConfig = Check['architecture']['config'];
const withInput = (config: ArchConfig): NetworkConfig => ({ ...config, inputHeightPx: config.cifar ? 32 : 224, inputWidthPx: config.cifar ? 32 : 224 });

/** The actions of a hint, as command URIs the page may run (only resnext.applyCheckHint is enabled). */
function hintActions(check: Check, hint: CheckHint): { uri: string; label: string }[] {
  const link = (action: string, label: string, extra: Record<string, unknown> = {}): { uri: string; label: string } => ({
    uri: `command:${APPLY_CHECK_HINT_COMMAND}?${encodeURIComponent(JSON.stringify([{ action, file: check.file, stateDict: check.stateDict, config: check.architecture.config, ...extra }]))}`,
    label,
  });
  switch (hint.kind) {
    case 'strip-prefix':
      return [link('convert', `Write a safetensors copy without '${hint.prefix ?? ''}'…`)];
    case 'num-classes':
      return [
        link('recheck', `Check against num_classes=${hint.numClasses}`, { config: { ...check.architecture.config, numClasses: hint.numClasses } }),
        link('dropClassifier', 'Write a safetensors copy without the classifier…'),
      ];
    case 'preset':
      return hint.config ? [link('recheck', `Check against ${hint.model}`, { config: hint.config })] : [];
    case 'strict-false':
      return (hint.skipped?.length ?? 0) > 0 ? [link('copySkipped', 'Copy the skipped keys')] : [];
  }
}

const HintArgsSchema = v.object({
  action: v.picklist(['convert', 'dropClassifier', 'recheck', 'copySkipped']),
  file: v.pipe(v.string(), v.minLength(1)),
  stateDict: v.string(),
  config: v.looseObject({}),
});

let lastCheck: Check | undefined;

function showCheck(services: Services, check: Check): void {
  lastCheck = check;
  const panel = services.views
    .get(CHECK_VIEW_TYPE, () => new ReusablePanel(services.context, CHECK_VIEW_TYPE, { commands: [APPLY_CHECK_HINT_COMMAND] }))
    .show(`Check: ${path.basename(check.file)}`);
  panel.webview.html = checkHtml({
    cspSource: panel.webview.cspSource,
    styleUris: styles(services, panel.webview),
    check,
    action: (h) => hintActions(check, h),
  });
}

async function runCheck(services: Services, uri: vscode.Uri, config: NetworkConfig, stateDict?: string): Promise<Check | undefined> {
  try {
    const key = stateDict !== undefined ? (stateDict === '' ? '(the file itself)' : stateDict) : undefined;
    const { check } = await runWithProgress(services, `Checking ${fileName(uri)}`, {
      type: 'checkCheckpoint',
      path: uri.fsPath,
      config,
      ...(key !== undefined ? { stateDictKey: key } : stateDictKeySetting()),
    });
    showCheck(services, check);
    return check;
  } catch (error) {
    void showCheckpointError(services, error, `Checking ${fileName(uri)}`, uri, 'resnext.checkCheckpoint');
    return undefined;
  }
}

const CheckArgsSchema = v.object({ file: v.string(), preset: v.optional(v.string()), config: v.optional(NetworkConfigSchema) });

/** Explorer URI, the Checkpoint Inspector's file, or `{ file, preset?, config? }` from automation; asks for the preset. */
export async function checkCheckpointCommand(services: Services, arg?: unknown): Promise<Check | undefined> {
  const automated = v.is(CheckArgsSchema, arg) ? arg : undefined;
  const uri = automated ? vscode.Uri.file(automated.file) : await checkpointArg(arg ?? inspectedUri(), 'Check a checkpoint against an architecture', 'Check');
  if (!uri) return undefined;
  let config = automated?.config ?? (automated?.preset !== undefined ? presetConfig(requirePreset(automated.preset)) : undefined);
  if (!config) {
    const picked = await vscode.window.showQuickPick(presetQuickPickItems(presetCatalog(), readSettings().defaultPreset, false), {
      title: `Check ${fileName(uri)} against…`,
      placeHolder: 'The architecture model.load_state_dict would load it into',
      matchOnDescription: true,
      matchOnDetail: true,
    });
    if (picked?.entry?.preset === undefined) return undefined;
    config = presetConfig(requirePreset(picked.entry.preset));
  }
  return runCheck(services, uri, config);
}

/** A hint's action from the check page (arguments checked: the page is not trusted). */
export async function applyCheckHintCommand(services: Services, arg?: unknown): Promise<void> {
  if (!v.is(HintArgsSchema, arg) || !lastCheck || arg.file !== lastCheck.file) return;
  const uri = vscode.Uri.file(arg.file);
  const stateDictKey = arg.stateDict === '' ? '(the file itself)' : arg.stateDict;
  if (arg.action === 'recheck') {
    const parsed = v.safeParse(NetworkConfigSchema, withInput(arg.config as ArchConfig));
    if (parsed.success) await runCheck(services, uri, parsed.output, arg.stateDict);
    return;
  }
  if (arg.action === 'copySkipped') {
    const skipped = lastCheck.hints.find((h) => h.kind === 'strict-false')?.skipped ?? [];
    await vscode.env.clipboard.writeText(skipped.join('\n'));
    void vscode.window.showInformationMessage(`Copied ${skipped.length} keys.`);
    return;
  }
  const drop = arg.action === 'dropClassifier';
  const base = fileName(uri).replace(/(\.pth\.tar|\.[^.]+)$/i, '');
  const target = await vscode.window.showSaveDialog({
    title: drop ? `Save ${fileName(uri)} without its classifier as safetensors` : `Save ${fileName(uri)} with torchvision's names as safetensors`,
    defaultUri: vscode.Uri.file(path.join(path.dirname(uri.fsPath), `${base}${drop ? '.no-fc' : ''}.safetensors`)),
    filters: { safetensors: ['safetensors'] },
    saveLabel: 'Write',
  });
  if (!target) return;
  try {
    const { result } = await runWithProgress(services, `Writing ${path.basename(target.fsPath)}`, {
      type: 'convertCheckpoint',
      input: uri.fsPath,
      output: target.fsPath,
      dtype: 'float32',
      stateDictKey,
      ...(drop && { dropClassifier: true }),
    });
    const action = await vscode.window.showInformationMessage(
      `Wrote ${path.basename(result.output)}: ${result.tensors} tensors with torchvision's names${drop ? ', classifier dropped' : ''}.`,
      'Reveal in Explorer',
    );
    if (action) await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(result.output));
  } catch (error) {
    void showCheckpointError(services, error, `Writing ${path.basename(target.fsPath)}`, uri, 'resnext.checkCheckpoint');
  }
}
