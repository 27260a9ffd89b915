/**
 * How failures reach the user (netron's split, DESIGN §6): the user's own errors as their message; a capability not
 * in this build as a plain statement; anything else as a bug, with the log and the details one click away.
 */
import * as vscode from 'vscode';
import { CancelledError, WorkerError } from './workerHost';

/** A mistake in what the user (or an automation caller) asked for, caught in the host before any worker runs. */
export class UserInputError extends Error {
  override readonly name = 'UserInputError';
}

/** The last error messages shown (newest last, at most 20): for tests and automation, through the extension's API. */
const shown: string[] = [];
export function recentErrors(): readonly string[] {
  return [...shown];
}
function remember(text: string): void {
  shown.push(text);
  if (shown.length > 20) shown.shift();
}

export async function showError(error: unknown, what: string, log: vscode.LogOutputChannel, inputActions: readonly string[] = []): Promise<string | undefined> {
  if (error instanceof CancelledError) {
    log.info(`${what}: cancelled`);
    return undefined;
  }
  const kind = error instanceof WorkerError ? error.kind : error instanceof UserInputError ? 'input' : 'internal';
  const message = error instanceof Error ? error.message : String(error);
  const detail = error instanceof WorkerError ? error.detail : error instanceof Error ? error.stack : undefined;
  remember(`${what}: ${message}`);
  if (kind === 'input') {
    log.warn(`${what}: ${message}`);
    const action = await vscode.window.showErrorMessage(`${what}: ${message}`, ...inputActions, 'Show Log');
    if (action === 'Show Log') log.show(true);
    return action;
  }
  log.error(`${what} failed (a bug): ${detail ?? message}`);
  const action = await vscode.window.showErrorMessage(
    `${what} failed unexpectedly: ${message}. This is a bug in ResNeXt Inspector.`,
    'Show Log',
    'Copy Details',
  );
  if (action === 'Show Log') log.show(true);
  if (action === 'Copy Details') await vscode.env.clipboard.writeText(`${what}: ${detail ?? message}\nVS Code ${vscode.version}, ${process.platform} ${process.arch}, Node ${process.versions.node}`);
  return undefined;
}
