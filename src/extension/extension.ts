/**
 * The extension's entry point: activate() only registers (the commands arrive with their own issue). TF.js is never
 * loaded here; the core runs in a worker.
 */
import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('ResNeXt', { log: true });
  context.subscriptions.push(log);
  log.info(`ResNeXt Inspector ${String(context.extension.packageJSON.version)} activated`);
}

export function deactivate(): void {
  // Everything registered is disposed through context.subscriptions.
}
