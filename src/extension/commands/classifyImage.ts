/**
 * "ResNeXt: Classify Image": top-k ImageNet classes of an image. From the explorer's context menu or the editor title
 * of an open image (the URI is the argument), or the palette (asks for the file). Weights: the `resnext.weights`
 * setting (a file, a URL or `pretrained:<preset>[:V1|V2]`), otherwise the user is asked: download torchvision's
 * official weights (into the extension's global storage, with a cancellable progress notification) or choose a file.
 * The result opens in the classification view.
 */
import * as path from 'node:path';
import * as v from 'valibot';
import * as vscode from 'vscode';
import { OFFICIAL_WEIGHTS } from '../../model/weights/official';
import { removePartialDownloads } from '../../model/weights/download';
import type { ClassificationData } from '../../shared/protocol';
import { formatPercent } from '../../shared/format';
import { showClassification } from '../classificationPanel';
import { showError } from '../errors';
import { runWithProgress, type Services } from '../services';
import { readSettings } from '../settings';
import { pickCheckpoint, stateDictKeySetting } from '../checkpointFiles';
import { CancelledError } from '../workerHost';

/** What the decoders read (JPEG, PNG, BMP, GIF's first frame); WebP is refused, so it is not offered either. */
export const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'bmp', 'gif'];

/** Automation and tests: `{ image, weights?, show? }` instead of a URI. */
const ClassifyArgsSchema = v.object({ image: v.string(), weights: v.optional(v.string()), show: v.optional(v.boolean()) });
const isClassifyArgs = (x: unknown): x is v.InferOutput<typeof ClassifyArgsSchema> => v.is(ClassifyArgsSchema, x);

export async function classifyImageCommand(services: Services, arg?: unknown): Promise<ClassificationData | undefined> {
  const args = isClassifyArgs(arg) ? arg : undefined;
  const uri = args
    ? vscode.Uri.file(args.image)
    : arg instanceof vscode.Uri
      ? arg
      : typeof arg === 'string'
        ? vscode.Uri.file(arg)
        : (activeImage() ?? (await pickImage()));
  if (!uri) return undefined;
  if (uri.scheme !== 'file') {
    void vscode.window.showErrorMessage(`ResNeXt Inspector classifies local image files; ${uri.toString(true)} is not one.`);
    return undefined;
  }
  const settings = readSettings();
  const name = path.basename(uri.fsPath);
  const chosen = await chooseWeights(services, args?.weights);
  if (!chosen) return undefined;
  const { weights, cacheDir } = chosen;
  try {
    const result = await runWithProgress(services, `Classifying ${name}`, {
      type: 'classify',
      imagePath: uri.fsPath,
      weights,
      topK: settings.topK,
      cacheDir,
      baseUrl: settings.weightsDownloadBaseUrl,
      cam: true,
      ...stateDictKeySetting(),
    });
    const c = result.result;
    const top = c.top.map((t) => `${t.label} ${formatPercent(t.probability)}`);
    services.log.info(
      `${name} (${c.model}, ${c.weights}, resize ${c.preprocessing.resizePx} crop ${c.preprocessing.cropPx}; ` +
        `load ${c.timingsMs.load} ms, decode ${c.timingsMs.decode} ms, preprocess ${c.timingsMs.preprocess} ms, forward ${c.timingsMs.forward} ms): ${top.join(', ')}`,
    );
    if (args?.show !== false) showClassification(services, c);
    return c;
  } catch (error) {
    if (error instanceof CancelledError) {
      const removed = removePartialDownloads(cacheDir);
      if (removed > 0) services.log.info(`removed ${removed} partial download(s) from ${cacheDir}`);
    }
    void showError(error, `Classifying ${name}`, services, ['Choose a weights file…', 'Open Settings']).then(async (action) => {
      if (action === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'resnext.weights');
      if (action === 'Choose a weights file…') {
        const file = await pickWeightsFile();
        if (file) await vscode.commands.executeCommand('resnext.classifyImage', { image: uri.fsPath, weights: file });
      }
    });
    return undefined;
  }
}

/** The weights a command uses (given by the caller, else the `resnext.weights` setting, else asked) and where downloads go. */
export async function chooseWeights(services: Services, given?: string): Promise<{ weights: string; cacheDir: string } | undefined> {
  const setting = readSettings().weights;
  const weights = given ?? (setting ? resolveSettingPath(setting) : await askForWeights());
  return weights ? { weights, cacheDir: path.join(services.context.globalStorageUri.fsPath, 'weights') } : undefined;
}

/** A relative path in the setting is relative to the first workspace folder. */
function resolveSettingPath(weights: string): string {
  if (/^(pretrained:|https?:\/\/)/i.test(weights) || path.isAbsolute(weights)) return weights;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return folder ? path.join(folder, weights) : weights;
}

async function askForWeights(): Promise<string | undefined> {
  const choice = await vscode.window.showInformationMessage(
    'Classifying needs weights. Download torchvision\'s official ImageNet weights, or choose a .pth/.safetensors file? (Set "resnext.weights" to skip this question.)',
    'Download official weights…',
    'Choose a weights file…',
    'Cancel',
  );
  if (choice === 'Choose a weights file…') return pickWeightsFile();
  if (choice !== 'Download official weights…') return undefined;
  const defaultPreset = readSettings().defaultPreset;
  const items = OFFICIAL_WEIGHTS.map((w) => ({
    label: `${w.preset} ${w.version}`,
    description: `ImageNet top-1 ${formatPercent(w.top1 / 100)} · ${w.fileSizeMB.toFixed(0)} MB · resize ${w.resizePx}`,
    detail: w.fileName,
    spec: `pretrained:${w.preset}:${w.version}`,
    picked: w.preset === defaultPreset,
  })).sort((a, b) => Number(b.picked) - Number(a.picked));
  const picked = await vscode.window.showQuickPick(items, { title: "torchvision weights to download (kept in the extension's storage)", matchOnDetail: true });
  return picked?.spec;
}

async function pickWeightsFile(): Promise<string | undefined> {
  return (await pickCheckpoint('Weights for classification', 'Use these weights'))?.fsPath;
}

/** The image open in the active tab (VS Code's image preview is a custom editor, so not a text editor). */
function activeImage(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  const uri = input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText ? input.uri : undefined;
  const ext = uri?.path.split('.').pop()?.toLowerCase();
  return uri && ext !== undefined && IMAGE_EXTENSIONS.includes(ext) ? uri : undefined;
}

async function pickImage(): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title: 'Classify an image',
    openLabel: 'Classify',
    canSelectMany: false,
    filters: { Images: IMAGE_EXTENSIONS },
  });
  return picked?.[0];
}
