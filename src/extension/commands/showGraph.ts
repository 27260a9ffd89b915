/**
 * "ResNeXt: Show Architecture Graph" (issue 19): the graph of a preset or custom configuration (palette: the preset
 * picker; a Python CodeLens: its configuration, `{ preset?, config }`), or of a checkpoint (explorer menu: its URI;
 * the architecture inferred from the state dict `resnext.stateDictKey` names). Built and laid out in the worker.
 */
import * as vscode from 'vscode';
import { checkpointArg, fileName, showCheckpointError, stateDictKeySetting } from '../checkpointFiles';
import { showError, UserInputError } from '../errors';
import { showGraph } from '../graphPanel';
import { runWithProgress, type Services } from '../services';
import { readSettings } from '../settings';
import { parseArgs, pickConfiguration, resolvePreset } from './summarize';

export async function showGraphCommand(services: Services, arg?: unknown): Promise<void> {
  if (arg instanceof vscode.Uri || (typeof arg === 'string' && /\.(pth|pt|tar|ckpt|bin|safetensors)$/i.test(arg))) {
    const uri = await checkpointArg(arg, 'Show the architecture graph of a PyTorch checkpoint', 'Show Graph');
    if (!uri) return;
    const name = fileName(uri);
    try {
      const reply = await runWithProgress(services, `Graph of ${name}`, { type: 'graph', model: name, path: uri.fsPath, ...stateDictKeySetting() });
      showGraph(services, name, reply);
    } catch (error) {
      void showCheckpointError(services, error, `Graph of ${name}`, uri, 'resnext.showArchitectureGraph');
    }
    return;
  }
  const settings = readSettings();
  const args = parseArgs(arg);
  let resolved;
  if (args) {
    const outcome = resolvePreset(args.preset ?? settings.defaultPreset, args.config);
    if ('error' in outcome) return void showError(new UserInputError(outcome.error), 'ResNeXt: Show Architecture Graph', services);
    resolved = outcome;
  } else {
    resolved = await pickConfiguration(settings.defaultPreset, 'ResNeXt: Show Architecture Graph');
    if (!resolved) return;
  }
  try {
    const reply = await runWithProgress(services, `Graph of ${resolved.model}`, { type: 'graph', model: resolved.model, config: resolved.config });
    showGraph(services, resolved.model, reply);
  } catch (error) {
    void showError(error, `Graph of ${resolved.model}`, services);
  }
}
