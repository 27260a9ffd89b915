/** The classification view: one panel, reused, showing the latest result (static HTML, see classificationHtml.ts). */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { ClassificationData } from '../shared/protocol';
import { classificationHtml, imageMimeType } from './classificationHtml';
import type { Services } from './services';
import { ReusablePanel } from './staticPanel';
import { makeNonce } from './webviewHtml';

export const CLASSIFICATION_VIEW_TYPE = 'resnext.classification';
/** Larger images are described, not embedded (a data: URI of that size would slow the webview down). */
const MAX_EMBEDDED_BYTES = 16 * 2 ** 20;

function imageDataUri(file: string): string | undefined {
  try {
    if (fs.statSync(file).size > MAX_EMBEDDED_BYTES) return undefined;
    const bytes = fs.readFileSync(file);
    const mime = imageMimeType(bytes);
    return mime && `data:${mime};base64,${bytes.toString('base64')}`;
  } catch {
    return undefined;
  }
}

export function showClassification(services: Pick<Services, 'context' | 'views'>, result: ClassificationData): vscode.WebviewPanel {
  const view = services.views.get(CLASSIFICATION_VIEW_TYPE, () => new ReusablePanel(services.context, CLASSIFICATION_VIEW_TYPE));
  const dist = vscode.Uri.joinPath(services.context.extensionUri, 'dist');
  const name = result.image.split(/[\\/]/).pop() ?? result.image;
  const panel = view.show(`Classified: ${name}`);
  const webview = panel.webview;
  webview.html = classificationHtml({
    cspSource: webview.cspSource,
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'classification.css')).toString(),
    imageDataUri: imageDataUri(result.image),
    result,
    script: { uri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'classificationView.js')).toString(), nonce: makeNonce() },
  });
  return panel;
}
