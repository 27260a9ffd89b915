/**
 * The extension's entry point. activate() only registers: commands, the summary panel's serializer, the worker host
 * (which starts its thread on first use). TF.js is never loaded in the extension host; it runs in dist/worker.js.
 */
// Must stay the first import: it timestamps the start of this bundle's evaluation.
import { moduleLoadStartMs, vscodeApiReadyMs } from './loadStart';
import * as vscode from 'vscode';
import { Command, SUMMARY_VIEW_TYPE } from './commands';
import { ErrorReporter } from './errors';
import { Views, type Services } from './services';
import { WorkerHost } from './workerHost';
import { readSettings } from './settings';
import { registerPythonModels } from './codeLens';

// The commands and the panel are loaded on first use: esbuild turns these dynamic imports into lazily evaluated
// modules of the same bundle, so activation evaluates only this file, the worker host and the command ids.
const summarize = () => import('./commands/summarize');
const summarizeCheckpoint = () => import('./commands/summarizeCheckpoint');
const inspectCheckpoint = () => import('./commands/inspectCheckpoint');
const convertCheckpoint = () => import('./commands/convertCheckpoint');
const exportOnnx = () => import('./commands/exportOnnx');
const classifyImage = () => import('./commands/classifyImage');
const classifyFolder = () => import('./commands/classifyFolder');
const compareArchitectures = () => import('./commands/compareArchitectures');
const equivalence = () => import('./commands/equivalence');
const summaryPanel = () => import('./summaryPanel');
const compareWith = () => import('./commands/compareWith');
const compareCheckpoints = () => import('./commands/compareCheckpoints');
const showGraph = () => import('./commands/showGraph');
const readClass = () => import('./commands/readClass');

/** Static imports are evaluated before this line: the bundle's evaluation ends here. */
const moduleLoadEndMs = performance.now();

/** What activate() returns: `vscode.extensions.getExtension(…).exports`, for tests and other extensions. */
export interface ResnextApi {
  /** Milliseconds activate() took. */
  readonly activationMs: number;
  /** Milliseconds spent evaluating this bundle (module top levels, including VS Code creating the API object). */
  readonly moduleLoadMs: number;
  /** Of moduleLoadMs, VS Code creating the extension's API object (the first require('vscode')). */
  readonly vscodeApiMs: number;
  /** Between the end of loading and the call of activate(): VS Code preparing the ExtensionContext (storage etc.). */
  readonly contextWaitMs: number;
  /** Whether the worker thread is running (TF.js loaded). */
  readonly workerRunning: () => boolean;
  /** The last error messages shown to the user (newest last). */
  readonly recentErrors: () => Promise<readonly string[]>;
  /** Called whenever a summary panel shows a summary. */
  readonly onDidShowSummary: (listener: (panel: { readonly model: string; readonly panel: vscode.WebviewPanel }) => void) => vscode.Disposable;
}

export function activate(context: vscode.ExtensionContext): ResnextApi {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('ResNeXt', { log: true });
  const worker = new WorkerHost(vscode.Uri.joinPath(context.extensionUri, 'dist', 'worker.js').fsPath, log, () => ({
    threads: readSettings().threads,
    engine: readSettings().engine,
  }));
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('resnext.threads') || e.affectsConfiguration('resnext.engine')) worker.restartWhenIdle();
    }),
  );
  const views = new Views();
  const errors = new ErrorReporter(log, { id: context.extension.id, version: String(context.extension.packageJSON.version) });
  const services: Services = { context, log, worker, errors, views };
  const python = registerPythonModels(log, context.extensionUri);
  context.subscriptions.push(
    log,
    worker,
    views,
    vscode.commands.registerCommand(Command.Summarize, async (arg?: unknown) => (await summarize()).summarizeCommand(services, arg)),
    vscode.commands.registerCommand(Command.SummarizeCheckpoint, async (arg?: unknown) =>
      (await summarizeCheckpoint()).summarizeCheckpointCommand(services, arg),
    ),
    vscode.commands.registerCommand(Command.InspectCheckpoint, async (arg?: unknown) => (await inspectCheckpoint()).inspectCheckpointCommand(services, arg)),
    vscode.commands.registerCommand(Command.ConvertCheckpoint, async (arg?: unknown) => (await convertCheckpoint()).convertCheckpointCommand(services, arg)),
    vscode.commands.registerCommand(Command.ConvertInspectedCheckpoint, async () =>
      (await convertCheckpoint()).convertCheckpointCommand(services, (await inspectCheckpoint()).inspectedUri()),
    ),
    vscode.commands.registerCommand(Command.ExportOnnx, async (arg?: unknown) => (await exportOnnx()).exportOnnxCommand(services, arg)),
    vscode.commands.registerCommand(Command.ClassifyImage, async (arg?: unknown) => (await classifyImage()).classifyImageCommand(services, arg)),
    vscode.commands.registerCommand(Command.ClassifyFolder, async (arg?: unknown) => (await classifyFolder()).classifyFolderCommand(services, arg)),
    vscode.commands.registerCommand(Command.CompareArchitectures, async (arg?: unknown) =>
      (await compareArchitectures()).compareArchitecturesCommand(services, arg),
    ),
    vscode.commands.registerCommand(Command.ExportReviewReport, async (arg?: unknown) =>
      (await compareArchitectures()).exportReviewReportCommand(services, arg),
    ),
    vscode.commands.registerCommand(Command.MeasureForwardTime, async (arg?: unknown) =>
      (await compareArchitectures()).measureForwardTimeCommand(services, arg),
    ),
    vscode.commands.registerCommand(Command.Equivalence, async (arg?: unknown) => (await equivalence()).equivalenceCommand(services, arg)),
    vscode.commands.registerCommand(Command.CompareCheckpoints, async (arg?: unknown, selection?: unknown) =>
      (await compareCheckpoints()).compareCheckpointsCommand(services, arg, selection),
    ),
    vscode.commands.registerCommand(Command.CheckCheckpoint, async (arg?: unknown) => (await compareCheckpoints()).checkCheckpointCommand(services, arg)),
    vscode.commands.registerCommand(Command.ApplyCheckHint, async (arg?: unknown) => (await compareCheckpoints()).applyCheckHintCommand(services, arg)),
    vscode.commands.registerCommand(Command.CompareWith, async (arg?: unknown) => (await compareWith()).compareWithCommand(arg)),
    vscode.commands.registerCommand(Command.ShowArchitectureGraph, async (arg?: unknown) => (await showGraph()).showGraphCommand(services, arg)),
    python,
    vscode.commands.registerCommand(Command.ReadClass, async (arg?: unknown) => (await readClass()).readClassCommand(services, python.models, arg)),
    vscode.window.registerWebviewPanelSerializer(SUMMARY_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state: unknown) => (await summaryPanel()).SummaryPanel.revive(services, panel, state),
    }),
  );
  const ended = performance.now();
  const activationMs = ended - started;
  const moduleLoadMs = moduleLoadEndMs - moduleLoadStartMs;
  const vscodeApiMs = vscodeApiReadyMs - moduleLoadStartMs;
  const contextWaitMs = started - moduleLoadEndMs;
  log.info(
    `ResNeXt Inspector ${String(context.extension.packageJSON.version)} activated: bundle evaluated in ${moduleLoadMs.toFixed(1)} ms, ` +
      `activate() ${activationMs.toFixed(1)} ms (VS Code prepared the context for ${contextWaitMs.toFixed(1)} ms in between)`,
  );
  return {
    activationMs,
    moduleLoadMs,
    vscodeApiMs,
    contextWaitMs,
    workerRunning: () => worker.isRunning,
    recentErrors: async () => errors.recent(),
    onDidShowSummary: (listener) => {
      const registration = summaryPanel().then(({ SummaryPanel }) =>
        SummaryPanel.onDidShow(services, (p) => listener({ model: p.currentSummary.model, panel: p.panel })),
      );
      return { dispose: () => void registration.then((d) => d.dispose()) };
    },
  };
}

export function deactivate(): void {
  // The worker, panels' listeners and the log are disposed through context.subscriptions.
}
