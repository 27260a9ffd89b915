/**
 * How failures reach the user (netron's split, DESIGN §6): the user's own errors as their message; anything else as
 * a bug, told in the user's words (errorText.ts) with the log
 * and an issue report one click away, the technical detail only in the log.
 */
import * as vscode from 'vscode';
import { INTERNAL_ACTIONS, internalErrorText, issueBody } from './errorText';
import { CancelledError, WorkerError } from './workerHost';

/** A mistake in what the user (or an automation caller) asked for, caught in the host before any worker runs. */
export class UserInputError extends Error {
  override readonly name = 'UserInputError';
}

/** Owned by the extension's Services (created in activate, disposed with the context): shows errors and keeps the last ones. */
export class ErrorReporter {
  /** The last error messages shown (newest last, at most 20): for tests and automation, through the extension's API. */
  private readonly shown: string[] = [];

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly extension: { readonly id: string; readonly version: string },
  ) {}

  recent(): readonly string[] {
    return [...this.shown];
  }

  private remember(text: string): void {
    this.shown.push(text);
    if (this.shown.length > 20) this.shown.shift();
  }

  /** Shows `error` for the action `what` ("Classifying cat.png"); resolves with the action the user chose, if any. */
  async show(error: unknown, what: string, inputActions: readonly string[] = []): Promise<string | undefined> {
    const log = this.log;
    if (error instanceof CancelledError) {
      log.info(`${what}: cancelled`);
      return undefined;
    }
    const kind = error instanceof WorkerError ? error.kind : error instanceof UserInputError ? 'input' : 'internal';
    const message = error instanceof Error ? error.message : String(error);
    const detail = error instanceof WorkerError ? (error.detail ?? message) : error instanceof Error ? (error.stack ?? message) : message;
    if (kind === 'input') {
      this.remember(`${what}: ${message}`);
      log.warn(`${what}: ${message}`);
      const action = await vscode.window.showErrorMessage(`${what}: ${message}`, ...inputActions, 'Show Log');
      if (action === 'Show Log') log.show(true);
      return action;
    }
    const text = internalErrorText(what, error instanceof WorkerError ? 'engine' : 'extension');
    this.remember(text);
    // The full story for the log: the error's own message and its stack (which usually repeats the message).
    log.error(`${what} failed (a bug): ${detail.includes(message) ? detail : `${message}\n${detail}`}`);
    const action = await vscode.window.showErrorMessage(text, ...INTERNAL_ACTIONS);
    if (action === 'Show Log') log.show(true);
    if (action === 'Report Issue') await this.report(what, detail);
    return action;
  }

  /** VS Code's issue reporter, filled in; where there is none (e.g. some web hosts), the details go to the clipboard. */
  private async report(what: string, detail: string): Promise<void> {
    const body = issueBody(what, detail, {
      extensionVersion: this.extension.version,
      vscodeVersion: vscode.version,
      platform: `${process.platform} ${process.arch}`,
      node: process.versions.node,
    });
    try {
      await vscode.commands.executeCommand('workbench.action.openIssueReporter', {
        extensionId: this.extension.id,
        issueTitle: `${what} failed`,
        issueBody: body,
      });
    } catch (error) {
      this.log.info(`the issue reporter is not available here (${error instanceof Error ? error.message : String(error)}); copying the details instead`);
      await vscode.env.clipboard.writeText(body);
      void vscode.window.showInformationMessage('The details of the error are on the clipboard: paste them into an issue for ResNeXt Inspector.');
    }
  }
}

/** Shows `error` through the extension's ErrorReporter (see ErrorReporter.show). */
export function showError(
  error: unknown,
  what: string,
  services: { readonly errors: ErrorReporter },
  inputActions: readonly string[] = [],
): Promise<string | undefined> {
  return services.errors.show(error, what, inputActions);
}
