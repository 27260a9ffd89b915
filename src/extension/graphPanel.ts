/**
 * The architecture graph view (issue 19): one panel, reused. The worker builds the graph (graph@1) and lays it out
 * (src/model/graph/layout.ts, off the extension host's thread); the page (webview/graphView.ts) only draws what it is
 * sent. Opening or closing a container, or drawing a block as C paths, asks the worker for a new layout. Exports
 * arrive from the page as SVG text or a PNG data URI and are written through a save dialog.
 */
import * as fs from 'node:fs/promises';
import * as vscode from 'vscode';
import type { Graph, NetworkConfig } from '../shared/data';
import { isGraphViewMessage, type GraphHostMessage, type GraphViewMessage, type WorkerResponse } from '../shared/protocol';
import { Disposable } from './disposable';
import { nodeTimes, sameConfig } from '../model/graph/times';
import { lastProfiled, onLayerSelected, onProfiled, selectLayer, type Profiled } from './selection';
import type { Services } from './services';
import { ReusablePanel } from './staticPanel';
import { contentSecurityPolicy, escapeHtml, htmlHead, makeNonce } from './webviewHtml';

export const GRAPH_VIEW_TYPE = 'resnext.graph';

type GraphMessage = Extract<GraphHostMessage, { type: 'graph' }>;
/** The worker's reply to a `graph` request. */
export type GraphReply = Omit<Extract<WorkerResponse, { type: 'graph' }>, 'type' | 'id' | 'config'> & { readonly config?: NetworkConfig };

interface Shown {
  readonly title: string;
  readonly graph: Graph;
  /** Absent for a class of the user's (issue 23). */
  readonly config?: NetworkConfig;
  readonly grouped: readonly string[];
  expanded: Set<string>;
  cPaths: Set<string>;
  message: GraphMessage;
  /** The profile of this network, once measured (colour by time). */
  profile?: Profiled;
}

export function graphHtml(o: { cspSource: string; nonce: string; scriptUri: string; styleUri: string; title: string }): string {
  return `${htmlHead({ csp: contentSecurityPolicy(o.cspSource, o.nonce), styleUri: o.styleUri, title: o.title })}
<body>
<header class="bar" role="toolbar" aria-label="Graph">
  <h1 id="title">${escapeHtml(o.title)}</h1>
  <input id="search" type="search" placeholder="Search nodes" aria-label="Search nodes">
  <label>Colour <select id="colour" aria-label="Colour nodes by"><option value="none">none</option><option value="params">params</option><option value="macs">MACs</option><option value="time" disabled title="after Profile in the summary panel">time</option></select></label>
  <label id="cpaths-label" hidden><input id="cpaths" type="checkbox"> Show <span id="cpaths-block"></span> as C paths</label>
  <button id="fit" type="button">Fit</button><button id="zoom-in" type="button" aria-label="Zoom in">+</button><button id="zoom-out" type="button" aria-label="Zoom out">−</button>
  <button id="export-svg" type="button">Export SVG</button><button id="export-png" type="button">Export PNG</button>
</header>
<p id="status" role="status"></p>
<main id="canvas"><svg id="graph" role="tree" aria-label="Architecture graph" xmlns="http://www.w3.org/2000/svg"></svg></main>
<script nonce="${o.nonce}" src="${escapeHtml(o.scriptUri)}"></script>
</body>
</html>`;
}

class GraphView extends Disposable {
  private readonly panel: ReusablePanel;
  private shown: Shown | undefined;
  private listener: vscode.Disposable | undefined;
  private listening: vscode.WebviewPanel | undefined;

  constructor(private readonly services: Services) {
    super();
    // Retained while hidden or moved: the page keeps its zoom, pan and focus, and it does not load again when its tab
    // is moved beside the summary. (Two webviews loading at the same moment is what VS Code 1.100's web workbench
    // sometimes leaves blank: each frame registers the shared service worker under its own id, and a frame whose
    // expected controllerchange never comes waits forever. Moving the graph beside the summary used to reload both.)
    this.panel = this._register(new ReusablePanel(services.context, GRAPH_VIEW_TYPE, { retainContextWhenHidden: true }));
    this._register({ dispose: () => this.listener?.dispose() });
    this._register(onLayerSelected((s) => s.from === 'summary' && this.listening && void this.listening.webview.postMessage({ type: 'select', id: s.name })));
    this._register(
      onProfiled((p) => {
        const shown = this.shown;
        if (!shown || !this.listening || !this.withTimes(shown, p)) return;
        void this.listening.webview.postMessage(shown.message);
      }),
    );
  }

  /** Puts the profile's times (when it is of the shown network) into the message; whether it did. */
  private withTimes(shown: Shown, p: Profiled | undefined = lastProfiled()): boolean {
    if (!p || shown.config === undefined || !sameConfig(p.config, shown.config)) return false;
    shown.profile = p;
    shown.message = {
      ...shown.message,
      times: nodeTimes(
        shown.graph,
        shown.message.nodes.map((n) => n.id),
        p.layers,
      ),
    };
    return true;
  }

  show(title: string, reply: GraphReply): vscode.WebviewPanel {
    const dist = vscode.Uri.joinPath(this.services.context.extensionUri, 'dist');
    const panel = this.panel.show(`Graph: ${title}`);
    const message: GraphMessage = { type: 'graph', title, nodes: reply.nodes, layout: reply.layout, expanded: [], cPaths: [], grouped: reply.grouped };
    this.shown = {
      title,
      graph: reply.graph,
      ...(reply.config ? { config: reply.config } : {}),
      grouped: reply.grouped,
      expanded: new Set(),
      cPaths: new Set(),
      message,
    };
    this.withTimes(this.shown);
    if (this.listening !== panel) {
      this.listener?.dispose();
      this.listening = panel;
      this.listener = panel.webview.onDidReceiveMessage((m: unknown) => {
        this.onMessage(panel, m).catch((error: unknown) => {
          this.services.log.error(`graph view: ${error instanceof Error ? error.message : String(error)}`);
          void vscode.window.showErrorMessage(`Could not complete the request: ${error instanceof Error ? error.message : String(error)}`);
        });
      });
    }
    panel.webview.html = graphHtml({
      cspSource: panel.webview.cspSource,
      nonce: makeNonce(),
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'graphView.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'graph.css')).toString(),
      title,
    });
    return panel;
  }

  private async onMessage(panel: vscode.WebviewPanel, m: unknown): Promise<void> {
    const shown = this.shown;
    if (!shown) return;
    if (!isGraphViewMessage(m)) {
      this.services.log.warn(`graph view: ignored a malformed message ${JSON.stringify(m)?.slice(0, 200)}`);
      return;
    }
    const msg: GraphViewMessage = m;
    switch (msg.type) {
      case 'ready':
        await panel.webview.postMessage(shown.message);
        return;
      case 'toggle':
      case 'cPaths': {
        if (!shown.graph.nodes.some((n) => n.id === msg.id && n.kind === 'container')) return;
        if (msg.type === 'toggle') {
          if (shown.expanded.has(msg.id)) shown.expanded.delete(msg.id);
          else shown.expanded.add(msg.id);
        } else if (shown.grouped.includes(msg.id)) {
          if (msg.on) shown.cPaths.add(msg.id);
          else shown.cPaths.delete(msg.id);
        }
        const reply = await this.services.worker.run({
          type: 'graphLayout',
          graph: shown.graph,
          ...(shown.config ? { config: shown.config } : {}),
          expanded: [...shown.expanded],
          cPaths: [...shown.cPaths],
        });
        this.services.log.info(`graph ${shown.title}: ${reply.nodes.length} nodes laid out in ${reply.ms} ms`);
        shown.message = { ...shown.message, nodes: reply.nodes, layout: reply.layout, expanded: [...shown.expanded], cPaths: [...shown.cPaths] };
        this.withTimes(shown, shown.profile);
        await panel.webview.postMessage(shown.message);
        return;
      }
      case 'export': {
        const ext = msg.format;
        const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
        const name = `${shown.title.replace(/[^\w.-]+/g, '_')}-graph.${ext}`;
        const uri = await vscode.window.showSaveDialog({
          title: `Export the graph of ${shown.title} as ${ext.toUpperCase()}`,
          saveLabel: 'Export',
          filters: { [ext.toUpperCase()]: [ext] },
          ...(folder && { defaultUri: vscode.Uri.joinPath(folder, name) }),
        });
        if (!uri) return;
        const bytes =
          ext === 'svg' ? Buffer.from(msg.data, 'utf8') : Buffer.from(msg.data.startsWith('data:image/png;base64,') ? msg.data.slice(22) : '', 'base64');
        if (bytes.length === 0) throw new Error('the page sent no PNG data');
        if (uri.scheme === 'file') await fs.writeFile(uri.fsPath, bytes);
        else await vscode.workspace.fs.writeFile(uri, bytes);
        void vscode.window.showInformationMessage(`Saved ${uri.fsPath}`);
        return;
      }
      case 'select':
        selectLayer({ from: 'graph', name: msg.id });
        return;
    }
  }
}

export function showGraph(services: Services, title: string, reply: GraphReply): vscode.WebviewPanel {
  return services.views.get(GRAPH_VIEW_TYPE, () => new GraphView(services)).show(title, reply);
}
