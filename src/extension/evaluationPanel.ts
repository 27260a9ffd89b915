/**
 * The evaluation view: one panel, reused (a ReusablePanel owned by Services.views), showing the latest folder
 * evaluation (HTML from evaluationHtml.ts). Its script asks for exports (written here, from the texts the core
 * formatted in the worker) and for a file's class activation maps (Classify Image on that file, which opens the
 * classification view with the maps).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isEvaluationViewMessage, type EvaluationData } from '../shared/protocol';
import { Disposable } from './disposable';
import { evaluationHtml } from './evaluationHtml';
import type { Services } from './services';
import { ReusablePanel } from './staticPanel';
import { makeNonce } from './webviewHtml';

export const EVALUATION_VIEW_TYPE = 'resnext.evaluation';

const EXPORTS = {
  json: { filter: 'JSON', ext: 'json', suffix: 'evaluation' },
  csv: { filter: 'CSV', ext: 'csv', suffix: 'per-class' },
  predictions: { filter: 'CSV', ext: 'csv', suffix: 'predictions' },
} as const;

async function exportReport(data: EvaluationData, format: keyof typeof EXPORTS): Promise<vscode.Uri | undefined> {
  const e = EXPORTS[format];
  const name = `${path.basename(data.folder)}-${e.suffix}.${e.ext}`;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const uri = await vscode.window.showSaveDialog({
    title: `Export the evaluation of ${path.basename(data.folder)} as ${format === 'predictions' ? 'per-file predictions (CSV)' : e.filter}`,
    saveLabel: 'Export',
    filters: { [e.filter]: [e.ext] },
    ...(folder && { defaultUri: vscode.Uri.joinPath(folder, name) }),
  });
  if (!uri) return undefined;
  const text = data.exports[format];
  if (uri.scheme === 'file') await fs.writeFile(uri.fsPath, text, 'utf8');
  else await vscode.workspace.fs.writeFile(uri, Buffer.from(text, 'utf8'));
  return uri;
}

/** The panel and the evaluation it shows; the page's messages are answered from that evaluation only. */
class EvaluationView extends Disposable {
  private readonly panel: ReusablePanel;
  private shown: { readonly data: EvaluationData; readonly weights: string } | undefined;
  private listener: vscode.Disposable | undefined;
  private listening: vscode.WebviewPanel | undefined;

  constructor(private readonly services: Pick<Services, 'context' | 'log'>) {
    super();
    this.panel = this._register(new ReusablePanel(services.context, EVALUATION_VIEW_TYPE));
    this._register({ dispose: () => this.listener?.dispose() });
  }

  show(data: EvaluationData, weights: string): vscode.WebviewPanel {
    const dist = vscode.Uri.joinPath(this.services.context.extensionUri, 'dist');
    const panel = this.panel.show(`Evaluated: ${path.basename(data.folder)}`);
    this.shown = { data, weights };
    if (this.listening !== panel) {
      this.listener?.dispose();
      this.listening = panel;
      this.listener = panel.webview.onDidReceiveMessage((message: unknown) => {
        this.onMessage(message).catch((error: unknown) => {
          this.services.log.error(`evaluation view: ${error instanceof Error ? error.message : String(error)}`);
          void vscode.window.showErrorMessage(`Could not complete the request: ${error instanceof Error ? error.message : String(error)}`);
        });
      });
    }
    panel.webview.html = evaluationHtml({
      cspSource: panel.webview.cspSource,
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'evaluation.css')).toString(),
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'evaluationView.js')).toString(),
      nonce: makeNonce(),
      data,
    });
    return panel;
  }

  private async onMessage(message: unknown): Promise<void> {
    if (!this.shown) return;
    if (!isEvaluationViewMessage(message)) {
      this.services.log.warn(`evaluation view: ignored a malformed message ${JSON.stringify(message)?.slice(0, 200)}`);
      return;
    }
    const { data, weights } = this.shown;
    if (message.type === 'export') {
      const uri = await exportReport(data, message.format);
      if (uri) {
        this.services.log.info(`saved the evaluation of ${data.folder} as ${uri.fsPath}`);
        void vscode.window.showInformationMessage(`Saved ${path.basename(uri.fsPath)}`, 'Reveal in Explorer').then(async (action) => {
          if (action) await vscode.commands.executeCommand('revealInExplorer', uri);
        });
      }
      return;
    }
    // Only a file of this evaluation: the page cannot name any other path.
    const file = data.files.find((f) => f.path === message.path);
    if (!file) return;
    await vscode.commands.executeCommand('resnext.classifyImage', { image: path.join(data.folder, ...file.path.split('/')), weights });
  }
}

export function showEvaluation(services: Pick<Services, 'context' | 'log' | 'views'>, data: EvaluationData, weights: string): vscode.WebviewPanel {
  return services.views.get(EVALUATION_VIEW_TYPE, () => new EvaluationView(services)).show(data, weights);
}
