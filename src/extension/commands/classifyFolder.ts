/**
 * "ResNeXt: Classify Folder": `resnext evaluate` in VS Code. From the explorer's context menu on a folder (the URI is
 * the argument) or the palette (asks for the folder). Weights as for Classify Image. The folder is evaluated in the
 * worker (on parallel evaluation threads) behind a cancellable progress notification; the result opens in the
 * evaluation view.
 */
import * as path from 'node:path';
import * as v from 'valibot';
import * as vscode from 'vscode';
import { removePartialDownloads } from '../../model/weights/download';
import type { EvaluationData } from '../../shared/protocol';
import { formatPercent } from '../../shared/format';
import { stateDictKeySetting } from '../checkpointFiles';
import { showError } from '../errors';
import { showEvaluation } from '../evaluationPanel';
import { runWithProgress, type Services } from '../services';
import { readSettings } from '../settings';
import { CancelledError } from '../workerHost';
import { chooseWeights } from './classifyImage';

/** Automation and tests: `{ folder, weights?, workers?, show? }` instead of a URI. */
const ClassifyFolderArgsSchema = v.object({
  folder: v.string(),
  weights: v.optional(v.string()),
  workers: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  show: v.optional(v.boolean()),
});
const isArgs = (x: unknown): x is v.InferOutput<typeof ClassifyFolderArgsSchema> => v.is(ClassifyFolderArgsSchema, x);

async function pickFolder(): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title: "Classify a folder of images (one subfolder per class, as torchvision's ImageFolder, or just images)",
    openLabel: 'Classify Folder',
    canSelectFiles: false,
    canSelectFolders: true,
    canSelectMany: false,
  });
  return picked?.[0];
}

export async function classifyFolderCommand(services: Services, arg?: unknown): Promise<EvaluationData | undefined> {
  const args = isArgs(arg) ? arg : undefined;
  const uri = args ? vscode.Uri.file(args.folder) : arg instanceof vscode.Uri ? arg : await pickFolder();
  if (!uri) return undefined;
  if (uri.scheme !== 'file') {
    void vscode.window.showErrorMessage(`ResNeXt Inspector classifies local folders; ${uri.toString(true)} is not one.`);
    return undefined;
  }
  const name = path.basename(uri.fsPath);
  const chosen = await chooseWeights(services, args?.weights);
  if (!chosen) return undefined;
  const { weights, cacheDir } = chosen;
  try {
    const result = await runWithProgress(services, `Classifying the folder ${name}`, {
      type: 'evaluateFolder',
      folder: uri.fsPath,
      weights,
      topK: 5,
      cacheDir,
      baseUrl: readSettings().weightsDownloadBaseUrl,
      ...(args?.workers !== undefined && { workers: args.workers }),
      ...stateDictKeySetting(),
    });
    const e = result.result;
    const accuracy = e.top1 === null ? 'no labels' : `top-1 ${formatPercent(e.top1, 2)}, top-5 ${formatPercent(e.top5!, 2)}`;
    services.log.info(
      `${name}: ${e.count} images, ${e.failed.length} failed, ${accuracy}; ${e.workers} workers, ${e.imagesPerSecond} images/s (${e.model}, ${e.weights})`,
    );
    if (args?.show !== false) showEvaluation(services, e, weights);
    return e;
  } catch (error) {
    if (error instanceof CancelledError) {
      const removed = removePartialDownloads(cacheDir);
      if (removed > 0) services.log.info(`removed ${removed} partial download(s) from ${cacheDir}`);
    }
    void showError(error, `Classifying the folder ${name}`, services, ['Open Settings']).then(async (action) => {
      if (action === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'resnext.weights');
    });
    return undefined;
  }
}
