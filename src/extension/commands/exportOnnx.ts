/**
 * "ResNeXt: Export to ONNX…": a checkpoint's network with its weights (explorer menu on checkpoint files, Checkpoint
 * Inspector title bar), or the summary panel's network with seeded random weights (its title bar), written by the
 * worker with the core's exportOnnx (the same as `resnext export`) where the save dialog says.
 */
import * as path from 'node:path';
import * as v from 'valibot';
import * as vscode from 'vscode';
import { NetworkConfigSchema } from '../../shared/data';
import { checkpointArg, fileName, showCheckpointError, stateDictKeySetting } from '../checkpointFiles';
import { runWithProgress, type Services } from '../services';
import { SummaryPanel } from '../summaryPanel';

/** Automation and tests: `{ output, input }` (a checkpoint) or `{ output, model, config }` instead of dialogs. */
const ExportArgsSchema = v.object({
  output: v.string(),
  input: v.optional(v.string()),
  model: v.optional(v.string()),
  config: v.optional(NetworkConfigSchema),
});
const isExportArgs = (x: unknown): x is v.InferOutput<typeof ExportArgsSchema> => v.is(ExportArgsSchema, x);

export async function exportOnnxCommand(services: Services, arg?: unknown): Promise<{ output: string; sizeBytes: number } | undefined> {
  const automated = isExportArgs(arg) ? arg : undefined;
  const summary = automated || arg !== undefined ? undefined : SummaryPanel.currentSummary(services);
  const active = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  const fromSummary = summary !== undefined && active instanceof vscode.TabInputWebview && active.viewType.endsWith('resnext.summary');
  let source: { weights: { path: string; stateDictKey?: string } } | { model: string; config: v.InferOutput<typeof NetworkConfigSchema> };
  let name: string;
  let folder: string | undefined;
  if (automated) {
    if (automated.input !== undefined) source = { weights: { path: automated.input, ...stateDictKeySetting() } };
    else if (automated.config) source = { model: automated.model ?? 'custom', config: automated.config };
    else throw new Error('resnext.exportOnnx needs { output, input } or { output, model, config }');
    name = automated.input !== undefined ? path.basename(automated.input) : (automated.model ?? 'custom');
  } else if (fromSummary && summary && v.is(NetworkConfigSchema, summary.config)) {
    source = { model: summary.model, config: summary.config };
    name = summary.model;
    folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  } else {
    const uri = await checkpointArg(arg, 'Export a checkpoint to ONNX', 'Export');
    if (!uri) return undefined;
    source = { weights: { path: uri.fsPath, ...stateDictKeySetting() } };
    name = fileName(uri);
    folder = path.dirname(uri.fsPath);
  }
  let output = automated?.output;
  if (!automated) {
    const base = name.replace(/(\.pth\.tar|\.[^.]+)$/i, '').replace(/[^\w.-]+/g, '_');
    const target = await vscode.window.showSaveDialog({
      title: `Export ${name} to ONNX${'config' in source ? ' (seeded random weights: a summary has no trained ones)' : ''}`,
      ...(folder !== undefined && { defaultUri: vscode.Uri.file(path.join(folder, `${base}.onnx`)) }),
      filters: { ONNX: ['onnx'] },
      saveLabel: 'Export',
    });
    if (!target) return undefined;
    output = target.fsPath;
  }
  try {
    const { result } = await runWithProgress(services, `Exporting ${name} to ONNX`, { type: 'exportOnnx', output: output!, ...source });
    const message = `Wrote ${path.basename(result.output)}: ${result.model} as ONNX (opset 17, BatchNorm folded), ${(result.sizeBytes / 2 ** 20).toFixed(1)} MiB${result.randomWeights ? ', seeded random weights' : ''}.`;
    services.log.info(message);
    if (!automated) {
      void vscode.window.showInformationMessage(message, 'Reveal in Explorer').then(async (action) => {
        if (action === 'Reveal in Explorer') await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(result.output));
      });
    }
    return { output: result.output, sizeBytes: result.sizeBytes };
  } catch (error) {
    if ('weights' in source) void showCheckpointError(services, error, `Exporting ${name}`, vscode.Uri.file(source.weights.path), 'resnext.exportOnnx');
    else void vscode.window.showErrorMessage(`Exporting ${name} to ONNX failed: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}
