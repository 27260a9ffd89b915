/**
 * The summary webview panel: createOrShow for a new summary, revive after a window reload (the serializer hands
 * back the state the webview saved), and the host side of the webview's requests (copy and export, formatted by
 * the core's report module so the files are the same as the CLI's), and Profile: the core's profile() of the
 * configuration shown, run in the worker behind a cancellable progress notification (the page can cancel too), its
 * result sent to the page for the time columns and the roofline.
 */
import * as path from 'node:path';
import * as fs from 'node:fs/promises';
import * as fsSync from 'node:fs';
import * as vscode from 'vscode';
import { onLayerSelected, profileMeasured, selectLayer } from './selection';
import { formatSummary } from '../model/report';
import { networkConfigOf } from '../model/summaryConfig';
import { withRuleRows } from '../model/countReport';
import { VIEW_PROFILE_RUNS } from '../shared/profile';
import { shortModelName } from '../shared/names';
import {
  isWebviewMessage,
  isWebviewState,
  type ExportFormat,
  type HostMessage,
  type ProfileData,
  type SummaryData,
  type WebviewMessage,
  type WebviewState,
} from '../shared/protocol';
import { SUMMARY_VIEW_TYPE } from './commands';
import { readClassArgs } from './readClassArgs';
import { Disposable } from './disposable';
import { showError } from './errors';
import type { Services } from './services';
import { CancelledError } from './workerHost';
import { makeNonce, webviewHtml } from './webviewHtml';

const EXTENSIONS: Record<ExportFormat, { ext: string; filter: string }> = {
  markdown: { ext: 'md', filter: 'Markdown' },
  csv: { ext: 'csv', filter: 'CSV' },
  json: { ext: 'json', filter: 'JSON' },
};

type PanelServices = Pick<Services, 'context' | 'log' | 'views' | 'worker' | 'errors'>;

/** Whether two summaries are of the same network (a profile of one holds for the other). */
const sameNetwork = (a: SummaryData, b: SummaryData): boolean => a.model === b.model && JSON.stringify(a.config) === JSON.stringify(b.config);

/** The summary panels of this extension instance, owned by Services.views (disposed with the extension). */
class SummaryPanels implements vscode.Disposable {
  /** The panel a new summary goes to (the most recently created or revived one). */
  current: SummaryPanel | undefined;
  readonly open = new Set<SummaryPanel>();
  readonly listeners = new Set<(panel: SummaryPanel) => void>();

  dispose(): void {
    this.listeners.clear();
    for (const panel of [...this.open]) panel.dispose();
  }
}

const summaryPanels = (services: PanelServices): SummaryPanels => services.views.get(SUMMARY_VIEW_TYPE, () => new SummaryPanels());

export class SummaryPanel extends Disposable {
  static createOrShow(services: PanelServices, uncounted: SummaryData): SummaryPanel {
    // Every counting rule's totals and rows, for the "Count as" selector and "Why do the numbers differ?".
    // (A class of the user's has no configuration to count by other rules: its rows are torchvision's rule.)
    const summary = uncounted.config === undefined || uncounted.counts ? uncounted : withRuleRows(uncounted);
    const existing = summaryPanels(services).current;
    if (existing && !existing.isDisposed) {
      existing.update(summary);
      existing.panel.reveal(existing.panel.viewColumn);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(SUMMARY_VIEW_TYPE, panelTitle(summary), vscode.ViewColumn.Active, {
      ...webviewOptions(services.context),
      retainContextWhenHidden: false,
    });
    return new SummaryPanel(panel, services, { summary, collapsed: [], filter: '', sort: null });
  }

  static revive(services: PanelServices, panel: vscode.WebviewPanel, state: unknown): void {
    if (!isWebviewState(state)) {
      services.log.warn('a summary panel from the last session had no readable state; closing it');
      panel.dispose();
      return;
    }
    panel.webview.options = webviewOptions(services.context);
    new SummaryPanel(panel, services, state);
  }

  /** The summary of the panel new summaries go to (the most recent one), if one is open: "Export to ONNX…" from its title bar. */
  static currentSummary(services: PanelServices): SummaryData | undefined {
    const current = summaryPanels(services).current;
    return current && !current.isDisposed ? current.currentSummary : undefined;
  }

  /** For tests and automation: called with each panel that receives a summary. */
  static onDidShow(services: PanelServices, listener: (panel: SummaryPanel) => void): vscode.Disposable {
    const panels = summaryPanels(services);
    panels.listeners.add(listener);
    return { dispose: () => panels.listeners.delete(listener) };
  }

  private summary: SummaryData;
  /** The profile of the summary shown, once measured (re-sent when the page starts again). */
  private profileData: ProfileData | undefined;
  /** The running profile's cancellation (at most one per panel). */
  private profiling: vscode.CancellationTokenSource | undefined;

  private readonly context: vscode.ExtensionContext;
  private readonly log: vscode.LogOutputChannel;
  private readonly panels: SummaryPanels;
  private readonly services: PanelServices;

  private constructor(
    readonly panel: vscode.WebviewPanel,
    services: PanelServices,
    state: WebviewState,
  ) {
    super();
    this.context = services.context;
    this.log = services.log;
    this.services = services;
    this.panels = summaryPanels(services);
    this.panels.current = this;
    this.panels.open.add(this);
    this.summary = state.summary;
    this.profileData = state.profile;
    this.panel.iconPath = vscode.Uri.joinPath(this.context.extensionUri, 'media', 'icon.png');
    this._register(this.panel.onDidDispose(() => this.dispose()));
    this._register(this.panel.webview.onDidReceiveMessage((message: unknown) => this.onMessage(message)));
    this._register(onLayerSelected((s) => s.from === 'graph' && this.post({ type: 'selectLayer', name: s.name })));
    this.panel.title = panelTitle(state.summary);
    this.panel.webview.html = this.html(state);
    for (const listener of this.panels.listeners) listener(this);
  }

  get currentSummary(): SummaryData {
    return this.summary;
  }

  /** The profile shown, if any (for tests and automation). */
  get currentProfile(): ProfileData | undefined {
    return this.profileData;
  }

  update(uncounted: SummaryData): void {
    const summary = uncounted.config === undefined || uncounted.counts ? uncounted : withRuleRows(uncounted);
    if (!sameNetwork(summary, this.summary)) {
      this.profiling?.cancel();
      this.profileData = undefined;
    }
    this.summary = summary;
    this.panel.title = panelTitle(summary);
    this.post({ type: 'summary', summary });
    for (const listener of this.panels.listeners) listener(this);
  }

  override dispose(): void {
    this.profiling?.cancel();
    if (this.panels.current === this) this.panels.current = undefined;
    this.panels.open.delete(this);
    this.panel.dispose();
    super.dispose();
  }

  private html(state: WebviewState): string {
    const webview = this.panel.webview;
    const dist = vscode.Uri.joinPath(this.context.extensionUri, 'dist');
    return webviewHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css')).toString(),
      title: panelTitle(state.summary),
      state,
    });
  }

  private post(message: HostMessage): void {
    // A profile outlives a panel closed while it runs (closing cancels it): nothing to tell a disposed page.
    if (this.isDisposed) return;
    void this.panel.webview.postMessage(message);
  }

  private onMessage(message: unknown): void {
    if (!isWebviewMessage(message)) {
      this.log.warn(`rejected a malformed message from the summary webview: ${JSON.stringify(message)?.slice(0, 200)}`);
      return;
    }
    void this.handle(message).then(
      (text) => {
        if ('id' in message) this.post({ type: 'done', id: message.id, message: text });
      },
      (error: unknown) => {
        const text = error instanceof Error ? error.message : String(error);
        this.log.error(`summary webview request ${message.type} failed: ${text}`);
        if ('id' in message) this.post({ type: 'error', id: message.id, message: text });
      },
    );
  }

  private async handle(message: WebviewMessage): Promise<string> {
    switch (message.type) {
      case 'ready':
        // The page may have started from older HTML state (a revived panel, or an update posted before the script
        // listened): hand it the current summary.
        this.post({ type: 'summary', summary: this.summary });
        if (this.profileData) this.post({ type: 'profile', profile: this.profileData });
        return '';
      case 'copyMarkdown':
        await vscode.env.clipboard.writeText(formatSummary(this.summary, 'markdown'));
        this.log.info(`copied the ${this.summary.model} summary as Markdown`);
        return 'Copied as Markdown';
      case 'export':
        return message.format ? this.export(message.format) : this.chooseExport();
      case 'profile':
        return this.profile(message.id);
      case 'cancelProfile':
        this.profiling?.cancel();
        return '';
      case 'selectLayer':
        selectLayer({ from: 'summary', name: message.name });
        return '';
      case 'showGraph':
        if (this.summary.config === undefined) await vscode.commands.executeCommand('resnext.readClass', readClassArgs(this.summary.readFrom, 'graph'));
        else await vscode.commands.executeCommand('resnext.showArchitectureGraph', { config: networkConfigOf(this.summary.config) });
        return '';
    }
  }

  /**
   * Profiles the configuration shown in the worker (VIEW_PROFILE_RUNS warm passes; seeded random weights, since the time
   * does not depend on their values), behind a cancellable notification; progress goes to the page too. Resolves with
   * the line for the page's status; failures go through the extension's error path and reject (the page says so).
   */
  async profile(requestId?: number): Promise<string> {
    if (this.profiling) throw new Error('A profile is already running: cancel it or wait for it');
    const summary = this.summary;
    if (summary.config === undefined) throw new Error(`${summary.model} is read from your code, not built: Profile needs a preset or a configuration`);
    const config = summary.config;
    const what = `Profiling ${summary.model}`;
    const source = new vscode.CancellationTokenSource();
    this.profiling = source;
    const started = performance.now();
    this.log.info(`${what}: started (${this.services.worker.isRunning ? 'warm' : 'cold'} worker, ${VIEW_PROFILE_RUNS} runs)`);
    try {
      const reply = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: what, cancellable: true }, (progress, token) => {
        const link = token.onCancellationRequested(() => source.cancel());
        const onProgress = (message: string): void => {
          progress.report({ message });
          if (requestId !== undefined) this.post({ type: 'status', id: requestId, message });
        };
        if (!this.services.worker.isRunning) onProgress('Starting TensorFlow.js (WebAssembly)…');
        const job = { type: 'profile', model: summary.model, config: networkConfigOf(config), runs: VIEW_PROFILE_RUNS } as const;
        return this.services.worker.run(job, { token: source.token, onProgress }).finally(() => link.dispose());
      });
      const p = reply.profile;
      this.log.info(
        `${what}: done in ${(performance.now() - started).toFixed(0)} ms: forward ${p.totalMs.toFixed(1)} ms on ${p.engine?.version ?? 'the engine'}, ${p.threads} thread(s); GEMM ${p.peak.gemmGmacPerSecond.toFixed(1)} GMAC/s, memory ${p.peak.memoryGBPerSecond.toFixed(1)} GB/s`,
      );
      if (this.isDisposed || !sameNetwork(this.summary, summary)) return '';
      this.profileData = p;
      profileMeasured({ config: networkConfigOf(summary.config), layers: p.layers });
      this.post({ type: 'profile', profile: p });
      for (const listener of this.panels.listeners) listener(this);
      return `Profiled in ${((performance.now() - started) / 1000).toFixed(1)} s (median of ${p.runs} warm passes)`;
    } catch (error) {
      if (error instanceof CancelledError) {
        this.log.info(`${what}: cancelled`);
        return 'Profiling cancelled';
      }
      void showError(error, what, this.services);
      throw error;
    } finally {
      source.dispose();
      this.profiling = undefined;
    }
  }

  /** The toolbar's Export…: which format (the summary as Markdown, CSV or JSON; the network as ONNX), then where. */
  private async chooseExport(): Promise<string> {
    const items: (vscode.QuickPickItem & { format: ExportFormat | 'onnx' })[] = [
      { label: 'Markdown', description: '.md', detail: 'The summary as `resnext summarize --format markdown` writes it', format: 'markdown' },
      { label: 'CSV', description: '.csv', detail: 'One row per layer, as `resnext summarize --format csv`', format: 'csv' },
      { label: 'JSON', description: '.json', detail: 'resnext-inspector/summary@1, as `resnext summarize --format json`', format: 'json' },
      { label: 'ONNX model', description: '.onnx', detail: 'The network as ONNX (seeded random weights; a checkpoint exports its own)', format: 'onnx' },
    ];
    const picked = await vscode.window.showQuickPick(items, { title: `Export ${shortModelName(this.summary)}`, placeHolder: 'Export as…' });
    if (!picked) return '';
    if (picked.format !== 'onnx') return this.export(picked.format);
    const weights = this.summary.weights;
    await vscode.commands.executeCommand('resnext.exportOnnx', weights !== undefined && fsSync.existsSync(weights) ? vscode.Uri.file(weights) : undefined);
    return '';
  }

  /** Asks where to save, then writes the core's rendering of the summary. Returns '' when the user cancels. */
  async export(format: ExportFormat, target?: vscode.Uri): Promise<string> {
    const { ext, filter } = EXTENSIONS[format];
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const fileName = `${this.summary.model.replace(/[^\w.-]+/g, '_')}-summary.${ext}`;
    const uri =
      target ??
      (await vscode.window.showSaveDialog({
        title: `Export the ${this.summary.model} summary as ${filter}`,
        saveLabel: 'Export',
        filters: { [filter]: [ext] },
        ...(folder && { defaultUri: vscode.Uri.joinPath(folder, fileName) }),
      }));
    if (!uri) return '';
    const text = formatSummary(this.summary, format);
    if (uri.scheme === 'file') await fs.writeFile(uri.fsPath, text, 'utf8');
    else await vscode.workspace.fs.writeFile(uri, Buffer.from(text, 'utf8'));
    this.log.info(`exported the ${this.summary.model} summary as ${filter} to ${uri.toString(true)}`);
    return `Saved ${path.basename(uri.path)}`;
  }
}

function webviewOptions(context: vscode.ExtensionContext): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist')] };
}

function panelTitle(summary: SummaryData): string {
  return `Summary: ${shortModelName(summary)}`;
}
