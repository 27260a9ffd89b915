/**
 * The summary webview panel: createOrShow for a new summary, revive after a window reload (the serializer hands
 * back the state the webview saved), and the host side of the webview's requests (copy and export, formatted by
 * the core's report module so the files are the same as the CLI's).
 */
import * as path from 'node:path';
import * as fs from 'node:fs/promises';
import * as vscode from 'vscode';
import { formatSummary } from '../model/report';
import { shortModelName } from '../shared/names';
import { isWebviewMessage, isWebviewState, type ExportFormat, type HostMessage, type SummaryData, type WebviewMessage, type WebviewState } from '../shared/protocol';
import { SUMMARY_VIEW_TYPE } from './commands';
import { Disposable } from './disposable';
import type { Services } from './services';
import { makeNonce, webviewHtml } from './webviewHtml';

const EXTENSIONS: Record<ExportFormat, { ext: string; filter: string }> = {
  markdown: { ext: 'md', filter: 'Markdown' },
  csv: { ext: 'csv', filter: 'CSV' },
  json: { ext: 'json', filter: 'JSON' },
};

type PanelServices = Pick<Services, 'context' | 'log' | 'views'>;

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
  static createOrShow(services: PanelServices, summary: SummaryData): SummaryPanel {
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

  /** For tests and automation: called with each panel that receives a summary. */
  static onDidShow(services: PanelServices, listener: (panel: SummaryPanel) => void): vscode.Disposable {
    const panels = summaryPanels(services);
    panels.listeners.add(listener);
    return { dispose: () => panels.listeners.delete(listener) };
  }

  private summary: SummaryData;

  private readonly context: vscode.ExtensionContext;
  private readonly log: vscode.LogOutputChannel;
  private readonly panels: SummaryPanels;

  private constructor(
    readonly panel: vscode.WebviewPanel,
    services: PanelServices,
    state: WebviewState,
  ) {
    super();
    this.context = services.context;
    this.log = services.log;
    this.panels = summaryPanels(services);
    this.panels.current = this;
    this.panels.open.add(this);
    this.summary = state.summary;
    this.panel.iconPath = vscode.Uri.joinPath(this.context.extensionUri, 'media', 'icon.png');
    this._register(this.panel.onDidDispose(() => this.dispose()));
    this._register(this.panel.webview.onDidReceiveMessage((message: unknown) => this.onMessage(message)));
    this.panel.title = panelTitle(state.summary);
    this.panel.webview.html = this.html(state);
    for (const listener of this.panels.listeners) listener(this);
  }

  get currentSummary(): SummaryData {
    return this.summary;
  }

  update(summary: SummaryData): void {
    this.summary = summary;
    this.panel.title = panelTitle(summary);
    this.post({ type: 'summary', summary });
    for (const listener of this.panels.listeners) listener(this);
  }

  override dispose(): void {
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
    void this.panel.webview.postMessage(message);
  }

  private onMessage(message: unknown): void {
    if (!isWebviewMessage(message)) {
      this.log.warn(`rejected a malformed message from the summary webview: ${JSON.stringify(message)?.slice(0, 200)}`);
      return;
    }
    void this.handle(message).then(
      (text) => {
        if (message.type !== 'ready') this.post({ type: 'done', id: message.id, message: text });
      },
      (error: unknown) => {
        const text = error instanceof Error ? error.message : String(error);
        this.log.error(`summary webview request ${message.type} failed: ${text}`);
        if (message.type !== 'ready') this.post({ type: 'error', id: message.id, message: text });
      },
    );
  }

  private async handle(message: WebviewMessage): Promise<string> {
    switch (message.type) {
      case 'ready':
        // The page may have started from older HTML state (a revived panel, or an update posted before the script
        // listened): hand it the current summary.
        this.post({ type: 'summary', summary: this.summary });
        return '';
      case 'copyMarkdown':
        await vscode.env.clipboard.writeText(formatSummary(this.summary, 'markdown'));
        this.log.info(`copied the ${this.summary.model} summary as Markdown`);
        return 'Copied as Markdown';
      case 'export':
        return this.export(message.format);
    }
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
