/** What every command needs, created once in activate() and passed in (no module-level singletons). */
import * as vscode from 'vscode';
import type { ReplyFor, WorkerJob } from '../shared/protocol';
import { WorkerHost } from './workerHost';

export interface Services {
  readonly context: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly worker: WorkerHost;
}

/**
 * Runs a worker job behind a cancellable progress notification (cancel terminates the worker) and logs what ran and
 * how long it took.
 */
export async function runWithProgress<J extends WorkerJob>(services: Services, title: string, job: J): Promise<ReplyFor<J>> {
  const started = performance.now();
  const warm = services.worker.isRunning;
  services.log.info(`${title}: started (${warm ? 'warm' : 'cold'} worker)`);
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      (progress, token) => {
        if (!warm) progress.report({ message: 'Starting TensorFlow.js (WebAssembly)…' });
        return services.worker.run(job, { token, onProgress: (message) => progress.report({ message }) });
      },
    );
    services.log.info(`${title}: done in ${(performance.now() - started).toFixed(0)} ms`);
    return result;
  } catch (error) {
    services.log.info(`${title}: failed after ${(performance.now() - started).toFixed(0)} ms`);
    throw error;
  }
}
