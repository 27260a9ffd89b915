/** The classification view: one panel, reused, showing the latest result (static HTML, see classificationHtml.ts). */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { ClassificationData } from '../shared/protocol';
import { classificationHtml, imageMimeType } from './classificationHtml';
import { reusablePanel } from './staticPanel';

export const CLASSIFICATION_VIEW_TYPE = 'resnext.classification';
/** Larger images are described, not embedded (a data: URI of that size would slow the webview down). */
const MAX_EMBEDDED_BYTES = 16 * 2 ** 20;

let current: vscode.WebviewPanel | undefined;

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

export function showClassification(context: vscode.ExtensionContext, result: ClassificationData): vscode.WebviewPanel {
  const dist = vscode.Uri.joinPath(context.extensionUri, 'dist');
  const name = result.image.split(/[\\/]/).pop() ?? result.image;
  current = reusablePanel(context, current, CLASSIFICATION_VIEW_TYPE, `Classified: ${name}`, {}, () => (current = undefined));
  const webview = current.webview;
  webview.html = classificationHtml({
    cspSource: webview.cspSource,
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'classification.css')).toString(),
    imageDataUri: imageDataUri(result.image),
    result,
  });
  return current;
}
