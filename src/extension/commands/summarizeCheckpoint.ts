/**
 * "ResNeXt: Summarize Checkpoint": the architecture inferred from a .pth/.pt/.safetensors state dict, traced with
 * its weights, shown in the summary panel. From the explorer's context menu (the file's URI is the argument) or the
 * palette (asks for the file).
 */
import * as vscode from 'vscode';
import type { SummaryData } from '../../shared/protocol';
import { showError } from '../errors';
import { runWithProgress, type Services } from '../services';
import { SummaryPanel } from '../summaryPanel';

export const CHECKPOINT_EXTENSIONS = ['pth', 'pt', 'safetensors'];

export async function summarizeCheckpointCommand(services: Services, arg?: unknown): Promise<SummaryData | undefined> {
  const uri = arg instanceof vscode.Uri ? arg : typeof arg === 'string' ? vscode.Uri.file(arg) : await pickFile();
  if (!uri) return undefined;
  if (uri.scheme !== 'file') {
    void vscode.window.showErrorMessage(`ResNeXt Inspector reads checkpoints from local files; ${uri.toString(true)} is not one.`);
    return undefined;
  }
  const name = uri.path.split('/').pop() ?? uri.fsPath;
  try {
    const result = await runWithProgress(services, `Summarizing ${name}`, { type: 'summarizeCheckpoint', path: uri.fsPath });
    SummaryPanel.createOrShow(services, result.summary);
    return result.summary;
  } catch (error) {
    void showError(error, `Summarizing ${name}`, services);
    return undefined;
  }
}

async function pickFile(): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title: 'Summarize a PyTorch checkpoint',
    openLabel: 'Summarize',
    canSelectMany: false,
    filters: { 'PyTorch / safetensors weights': CHECKPOINT_EXTENSIONS },
  });
  return picked?.[0];
}
