/** What every command needs, created once in activate() and passed in (no module-level singletons). */
import * as vscode from 'vscode';
import type { ReplyFor, WorkerJob } from '../shared/protocol';
import type { ErrorReporter } from './errors';
import { WorkerHost } from './workerHost';

/**
 * The extension's views (panels and what they remember), created on first use by the lazily loaded commands and
 * disposed with the extension: the one owner of every panel's lifetime.
 */
export class Views implements vscode.Disposable {
  private readonly made = new Map<string, vscode.Disposable>();

  get<T extends vscode.Disposable>(key: string, create: () => T): T {
    let view = this.made.get(key);
    if (!view) {
      view = create();
      this.made.set(key, view);
    }
    return view as T;
  }

  dispose(): void {
    const views = [...this.made.values()].reverse();
    this.made.clear();
    for (const view of views) view.dispose();
  }
}

export interface Services {
  readonly context: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly worker: WorkerHost;
  readonly errors: ErrorReporter;
  readonly views: Views;
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
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
      if (!warm) progress.report({ message: 'Starting TensorFlow.js (WebAssembly)…' });
      return services.worker.run(job, { token, onProgress: (message) => progress.report({ message }) });
    });
    services.log.info(`${title}: done in ${(performance.now() - started).toFixed(0)} ms`);
    return result;
  } catch (error) {
    services.log.info(`${title}: failed after ${(performance.now() - started).toFixed(0)} ms`);
    throw error;
  }
}
