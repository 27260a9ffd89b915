/**
 * "ResNeXt: Classify Image": top-k ImageNet classes of an image, with the weights from the `resnext.weights`
 * setting. From the explorer's context menu or the editor title of an open image (the URI is the argument), or the
 * palette (asks for the file). The result is logged and shown as a notification.
 */
import * as vscode from 'vscode';
import type { ClassificationData } from '../../shared/protocol';
import { showError } from '../errors';
import { runWithProgress, type Services } from '../services';
import { readSettings } from '../settings';

export const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'webp', 'gif', 'bmp'];

export async function classifyImageCommand(services: Services, arg?: unknown): Promise<ClassificationData | undefined> {
  const uri = arg instanceof vscode.Uri ? arg : typeof arg === 'string' ? vscode.Uri.file(arg) : activeImage() ?? (await pickImage());
  if (!uri) return undefined;
  if (uri.scheme !== 'file') {
    void vscode.window.showErrorMessage(`ResNeXt Inspector classifies local image files; ${uri.toString(true)} is not one.`);
    return undefined;
  }
  const settings = readSettings();
  const name = uri.path.split('/').pop() ?? uri.fsPath;
  try {
    const result = await runWithProgress(services, `Classifying ${name}`, { type: 'classify', imagePath: uri.fsPath, weights: settings.weights, topK: settings.topK });
    if (result.type !== 'classification') throw new Error(`the worker answered a classify request with '${result.type}'`);
    const top = result.result.top.map((t) => `${t.label} ${(100 * t.probability).toFixed(1)}%`);
    services.log.info(`${name} (${result.result.model}, ${result.result.weights}): ${top.join(', ')}`);
    void vscode.window.showInformationMessage(`${name}: ${top.slice(0, 3).join(' · ')}`, 'Show Log').then((a) => a && services.log.show(true));
    return result.result;
  } catch (error) {
    void showError(error, `Classifying ${name}`, services.log);
    return undefined;
  }
}

/** The image open in the active tab (VS Code's image preview is a custom editor, so not a text editor). */
function activeImage(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  const uri = input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText ? input.uri : undefined;
  const ext = uri?.path.split('.').pop()?.toLowerCase();
  return uri && ext !== undefined && IMAGE_EXTENSIONS.includes(ext) ? uri : undefined;
}

async function pickImage(): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({ title: 'Classify an image', openLabel: 'Classify', canSelectMany: false, filters: { Images: IMAGE_EXTENSIONS } });
  return picked?.[0];
}
