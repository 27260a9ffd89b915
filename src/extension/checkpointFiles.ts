/**
 * What the checkpoint commands (Inspect, Summarize, Convert) share: which file endings are checkpoints, the file
 * picker that lists them all, the argument forms (explorer URI, path, palette), and refusals that name the next step
 * with an action (Inspect Checkpoint, Choose Another File…, Open Settings). The format itself is always recognised
 * from the content, never from the ending.
 */
import * as vscode from 'vscode';
import { CHECKPOINT_FILE_EXTENSIONS } from '../model/weights/extensions';
import { readSettings } from './settings';
import { showError } from './errors';
import type { Services } from './services';

/** Every ending people use for weights (`.pth.tar` has resourceExtname `.tar`), then any file. */
export const CHECKPOINT_FILTERS = {
  'PyTorch / safetensors weights (.pth, .pt, .pth.tar, .ckpt, .bin, .safetensors)': [...CHECKPOINT_FILE_EXTENSIONS],
  'All files': ['*'],
};

export async function pickCheckpoint(title: string, openLabel: string): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({ title, openLabel, canSelectMany: false, filters: CHECKPOINT_FILTERS });
  return picked?.[0];
}

/** The file a checkpoint command was given (explorer URI, a path from automation) or, from the palette, asks for. */
export async function checkpointArg(arg: unknown, title: string, openLabel: string): Promise<vscode.Uri | undefined> {
  const uri = arg instanceof vscode.Uri ? arg : typeof arg === 'string' && arg.length > 0 ? vscode.Uri.file(arg) : await pickCheckpoint(title, openLabel);
  if (!uri) return undefined;
  if (uri.scheme !== 'file') {
    void vscode.window.showErrorMessage(
      `ResNeXt Inspector reads checkpoints from local files; ${uri.toString(true)} is not one. Copy it to a local folder and open that copy.`,
    );
    return undefined;
  }
  return uri;
}

export const fileName = (uri: vscode.Uri): string => uri.path.split('/').pop() ?? uri.fsPath;

/** The state dict chosen in the settings ('' = the documented order), as the worker requests take it. */
export function stateDictKeySetting(): { stateDictKey?: string } {
  const key = readSettings().stateDictKey;
  return key === '' ? {} : { stateDictKey: key };
}

const INSPECT = 'Inspect Checkpoint';
const CHOOSE = 'Choose Another File…';
const SETTINGS = 'Open Settings';

/**
 * Shows a refusal of `uri` with the actions that fit it: Inspect Checkpoint (see what the file holds), Choose Another
 * File… (run `command` again on another file), and Open Settings when the message is about which state dict to use.
 */
export async function showCheckpointError(services: Services, error: unknown, what: string, uri: vscode.Uri, command: string): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  const actions = [
    command === 'resnext.inspectCheckpoint' ? undefined : INSPECT,
    CHOOSE,
    /state dict|stateDictKey/.test(message) ? SETTINGS : undefined,
  ].filter((a): a is string => a !== undefined);
  const action = await showError(error, what, services, actions);
  if (action === INSPECT) await vscode.commands.executeCommand('resnext.inspectCheckpoint', uri);
  else if (action === SETTINGS) await vscode.commands.executeCommand('workbench.action.openSettings', 'resnext.stateDictKey');
  else if (action === CHOOSE) {
    const other = await pickCheckpoint('Choose another checkpoint', 'Open');
    if (other) await vscode.commands.executeCommand(command, other);
  }
}
