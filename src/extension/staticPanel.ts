/** The script-free result views (classification, compare, equivalence): one panel per view type, reused. */
import * as vscode from 'vscode';
import { Disposable } from './disposable';

export interface ReusablePanelOptions {
  /** Commands the page's `command:` links may run. */
  readonly commands?: readonly string[];
  /** Keep the page alive while its tab is hidden or moved (it then never loads again; see graphPanel.ts). */
  readonly retainContextWhenHidden?: boolean;
}

/**
 * One webview panel of a view type, reused: `show` reveals and retitles the open one or creates it in the active
 * group (`ViewColumn.Beside` sometimes left the web workbench's webview frame empty). Resources only from `dist/`.
 * Owned by the extension's Services; disposing it closes the panel and drops its listener.
 */
export class ReusablePanel extends Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private panelListener: vscode.Disposable | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly viewType: string,
    private readonly options: ReusablePanelOptions = {},
  ) {
    super();
    this._register({ dispose: () => this.close() });
  }

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  show(title: string): vscode.WebviewPanel {
    if (this.isDisposed) throw new Error(`the ${this.viewType} view has been disposed`);
    if (this.panel) {
      this.panel.reveal(this.panel.viewColumn);
      this.panel.title = title;
      return this.panel;
    }
    const created = vscode.window.createWebviewPanel(this.viewType, title, vscode.ViewColumn.Active, {
      // The pages have no script and their CSP (default-src 'none', no script-src) forbids any; VS Code's web
      // workbench renders a webview with scripts disabled as an empty frame, so the flag stays on and the CSP refuses.
      enableScripts: true,
      ...(this.options.commands && { enableCommandUris: this.options.commands }),
      ...(this.options.retainContextWhenHidden && { retainContextWhenHidden: true }),
      localResourceRoots: [vscode.Uri.joinPath(this.context.extensionUri, 'dist')],
    });
    created.iconPath = vscode.Uri.joinPath(this.context.extensionUri, 'media', 'icon.png');
    this.panel = created;
    this.panelListener = created.onDidDispose(() => {
      if (this.panel !== created) return;
      this.panel = undefined;
      this.panelListener?.dispose();
      this.panelListener = undefined;
    });
    return created;
  }

  private close(): void {
    const panel = this.panel;
    this.panelListener?.dispose();
    this.panelListener = undefined;
    this.panel = undefined;
    panel?.dispose();
  }
}
