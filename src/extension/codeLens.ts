/**
 * The model where it is written: in Python files and notebook cells, a CodeLens above each call that builds a
 * ResNet-family network ("ResNeXt-50 32x4d · 25.03M params · 4.23 GMACs · grouped saves 63.7 %  |  Summarize  |
 * Compare…") and a hover on the callee with the per-stage table; classes of the user's are read by the interpreter
 * and marked "read from your code". Scanning, interpreting and counting run in the scan worker (dist/scanWorker.js,
 * no TF.js), started on the first Python document, so the extension host's thread never waits for a scan; an edit
 * marks the document's running scan stale and the worker stops it. Scans are cached per document version; edits
 * refresh the lenses after a pause in typing.
 */
import * as vscode from 'vscode';
import type { Detection } from '../python/scan';
import type { StaticCounts } from '../python/present';
import { Command } from './commands';
import { ScanClient, type ScanJob } from './scanClient';
import type { ScanReply } from '../python/scanService';
import type { ReadClassArgs } from '../shared/protocol';

/** How long typing must pause before the lenses are recomputed. */
export const LENS_DEBOUNCE_MS = 300;
export const CODELENS_SETTING = 'resnext.codeLens.enabled';

const PYTHON: vscode.DocumentSelector = [{ language: 'python' }];

export interface ScannedModel {
  readonly detection: Detection;
  readonly range: vscode.Range;
  readonly calleeRange: vscode.Range;
  /** The core's counts of a configuration; absent for a class of the user's read by the interpreter. */
  readonly counts?: StaticCounts;
  readonly title: string;
  /** The hover's Markdown, made in the worker. */
  readonly hover: string;
  /** Every counting rule's MACs and what each adds to torchvision's (the lens's tooltip); absent for a class of the user's. */
  readonly rules?: string;
}

/** Arguments of the lenses' Summarize: what `resnext.summarize` accepts (preset + the whole configuration). */
export function summarizeArgs(d: Detection & { config: NonNullable<Detection['config']> }): { preset?: string; config: NonNullable<Detection['config']> } {
  return { ...(d.preset !== undefined ? { preset: d.preset } : {}), config: { ...d.config } };
}

export class PythonModels implements vscode.CodeLensProvider, vscode.HoverProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  /** Per document: the version scanned (or being scanned) and its models; concurrent requests share one scan. */
  private readonly cache = new Map<string, { version: number; notebookVersion: number; models: Promise<ScannedModel[] | undefined> }>();
  /** The last complete models of each document: what a lens request gets while a newer scan replaces a stale one. */
  private readonly last = new Map<string, ScannedModel[]>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    /** The scan worker: one incremental scanner per file or notebook lives there. */
    private readonly client: ScanClient,
  ) {
    this.subscriptions.push(
      this.changed,
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.languageId !== 'python' || e.contentChanges.length === 0) return;
        // A scan of the previous text still running in the worker is stale now: stop it at once.
        // (A notebook's cells are scanned each with the whole notebook: an edit in one makes all of them stale.)
        // A scan already asked for this very version (the lens request came first) is not stale.
        const notebook = this.notebookOf(e.document);
        const notebookVersion = notebook ? this.notebookVersion(notebook) : 0;
        for (const d of notebook ? notebook.getCells().map((c) => c.document) : [e.document]) {
          const entry = this.cache.get(d.uri.toString());
          if (entry && entry.version === d.version && entry.notebookVersion === notebookVersion) continue;
          this.client.supersede(d.uri.toString());
        }
        this.refreshSoon();
      }),
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.cache.delete(d.uri.toString());
        this.last.delete(d.uri.toString());
        this.client.forget(d.uri.toString());
      }),
      vscode.workspace.onDidCloseNotebookDocument((nb) => nb.getCells().forEach((c) => this.client.forget(c.document.uri.toString()))),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(CODELENS_SETTING)) this.changed.fire();
      }),
    );
  }

  /** Debounced: a burst of keystrokes recomputes once, LENS_DEBOUNCE_MS after the last. */
  private refreshSoon(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.changed.fire(), LENS_DEBOUNCE_MS);
  }

  private notebookVersion(notebook: vscode.NotebookDocument): number {
    return notebook.getCells().reduce((n, c) => (n * 31 + c.document.version) | 0, notebook.version);
  }

  private notebookOf(document: vscode.TextDocument): vscode.NotebookDocument | undefined {
    return document.uri.scheme === 'vscode-notebook-cell'
      ? vscode.workspace.notebookDocuments.find((nb) => nb.getCells().some((c) => c.document === document))
      : undefined;
  }

  /** The detections of a document (a .py file, or a notebook cell scanned with the cells before and after it). */
  async models(document: vscode.TextDocument): Promise<ScannedModel[]> {
    const notebook = this.notebookOf(document);
    const notebookVersion = notebook ? this.notebookVersion(notebook) : 0;
    const key = document.uri.toString();
    let entry = this.cache.get(key);
    if (!entry || entry.version !== document.version || entry.notebookVersion !== notebookVersion) {
      entry = { version: document.version, notebookVersion, models: this.scan(document, notebook) };
      this.cache.set(key, entry);
    }
    const models = await entry.models;
    if (models) this.last.set(key, models);
    else if (this.cache.get(key) === entry) {
      // Stopped although no newer version replaced it: scan again on the next request, and ask for one.
      this.cache.delete(key);
      this.refreshSoon();
    }
    // Cancelled (a newer edit is being scanned) or failed: the last complete models until the newer scan answers.
    return models ?? this.last.get(key) ?? [];
  }

  /** What the worker scans for a document: its text, or its notebook's code cells and which one is this document. */
  private job(document: vscode.TextDocument, notebook: vscode.NotebookDocument | undefined): ScanJob | undefined {
    const owner = notebook?.uri ?? document.uri;
    const folder = vscode.workspace.getWorkspaceFolder(owner);
    const where = {
      ...(owner.scheme === 'file' ? { file: owner.fsPath } : {}),
      ...(folder && folder.uri.scheme === 'file' ? { root: folder.uri.fsPath } : {}),
    };
    if (notebook) {
      const cells = notebook
        .getCells()
        .filter((c) => c.kind === vscode.NotebookCellKind.Code && c.document.languageId === 'python')
        .map((c) => ({ cell: c.index + 1, source: c.document.getText(), document: c.document }));
      const own = cells.find((c) => c.document === document);
      if (!own) return undefined;
      return { key: document.uri.toString(), cells: cells.map(({ cell, source }) => ({ cell, source })), ownCell: own.cell, ...where };
    }
    return { key: document.uri.toString(), text: document.getText(), ...where };
  }

  /**
   * The summary or graph of the class built at a line of a document (a lens's Summarize / Graph), read in the scan
   * worker with forward()'s calls recorded. A notebook's cell is given by the notebook and its 1-based cell.
   */
  async read(document: vscode.TextDocument, want: NonNullable<ScanJob['want']>): Promise<ScanReply> {
    const job = this.job(document, this.notebookOf(document));
    if (!job) return { id: 0, kind: 'error', message: `${vscode.workspace.asRelativePath(document.uri)} is not a Python code cell` };
    // Its own slot: a lens scan of the document and this reading do not stop each other.
    return this.client.scan({ ...job, key: `${job.key}\u0000read`, want });
  }

  private async scan(document: vscode.TextDocument, notebook: vscode.NotebookDocument | undefined): Promise<ScannedModel[] | undefined> {
    const job = this.job(document, notebook);
    if (!job) return [];
    const reply = await this.client.scan(job);
    if (reply.kind === 'cancelled') return undefined;
    if (reply.kind !== 'done') {
      this.log.warn(`scanning ${vscode.workspace.asRelativePath(document.uri)} failed: ${reply.kind === 'error' ? reply.message : reply.kind}`);
      return undefined;
    }
    const models = reply.models.map((m) => ({
      detection: m.detection,
      range: new vscode.Range(document.positionAt(m.detection.from), document.positionAt(m.detection.to)),
      calleeRange: new vscode.Range(document.positionAt(m.detection.calleeFrom), document.positionAt(m.detection.calleeTo)),
      ...(m.counts ? { counts: m.counts } : {}),
      title: m.title,
      hover: m.hover,
      ...(m.rules !== undefined ? { rules: m.rules } : {}),
    }));
    this.log.trace(
      `scanned ${vscode.workspace.asRelativePath(document.uri)} (v${document.version}): ${models.length} model(s) in ${reply.ms.toFixed(1)} ms (scan worker)`,
    );
    return models;
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (!vscode.workspace.getConfiguration('resnext', document).get<boolean>('codeLens.enabled', true)) return [];
    const lenses: vscode.CodeLens[] = [];
    for (const m of await this.models(document)) {
      const d = m.detection;
      const at = new vscode.Range(m.range.start, m.range.start);
      const notes = d.notes.length > 0 ? `\n${d.notes.join('\n')}` : '';
      if (!d.config) {
        // A class of the user's, read by the interpreter: its counts, no preset configuration to summarize or compare.
        const r = d.interpreted!;
        const tooltip = `${r.className}, read from your code (${r.defined.file}:${r.defined.line}), input ${r.input.h}×${r.input.w}${notes}`;
        const notebook = this.notebookOf(document);
        const cell = (d as Detection & { cell?: number }).cell;
        const args = (action: ReadClassArgs['action']): ReadClassArgs => ({
          action,
          uri: (notebook?.uri ?? document.uri).toString(),
          ...(cell !== undefined ? { cell } : {}),
          line: d.line,
          className: r.className,
        });
        lenses.push(
          new vscode.CodeLens(at, { title: m.title, tooltip, command: '' }),
          new vscode.CodeLens(at, {
            title: 'Summarize',
            tooltip: `Open the summary of ${r.className}, read from your code`,
            command: Command.ReadClass,
            arguments: [args('summary')],
          }),
          ...(r.macs !== null
            ? [
                new vscode.CodeLens(at, {
                  title: 'Graph',
                  tooltip: `Show the graph of ${r.className}'s forward()`,
                  command: Command.ReadClass,
                  arguments: [args('graph')],
                }),
              ]
            : []),
        );
        continue;
      }
      const config = d.config;
      const tooltip = `${d.model}: ${config.numClasses} classes, input ${config.inputHeightPx}×${config.inputWidthPx}${notes}${m.rules !== undefined ? `\n\n${m.rules}` : ''}`;
      lenses.push(
        new vscode.CodeLens(at, { title: m.title, tooltip, command: '' }),
        new vscode.CodeLens(at, {
          title: 'Summarize',
          tooltip: `Open the summary of ${d.model}`,
          command: Command.Summarize,
          arguments: [summarizeArgs({ ...d, config })],
        }),
        new vscode.CodeLens(at, {
          title: 'Graph',
          tooltip: `Show the architecture graph of ${d.model}`,
          command: Command.ShowArchitectureGraph,
          arguments: [summarizeArgs({ ...d, config })],
        }),
        new vscode.CodeLens(at, {
          title: 'Compare…',
          tooltip: `Compare ${d.model} with presets you pick`,
          command: Command.CompareWith,
          arguments: [{ model: d.model, config }],
        }),
      );
    }
    return lenses;
  }

  async provideHover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    const models = await this.models(document);
    const m = models.find((x) => x.calleeRange.contains(position));
    if (!m) return undefined;
    return new vscode.Hover(new vscode.MarkdownString(m.hover), m.calleeRange);
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
    this.cache.clear();
    this.last.clear();
  }
}

/** Registers the CodeLens and hover providers for Python files and notebook cells (scanned in dist/scanWorker.js). */
export function registerPythonModels(log: vscode.LogOutputChannel, extensionUri: vscode.Uri): vscode.Disposable & { readonly models: PythonModels } {
  const client = new ScanClient(vscode.Uri.joinPath(extensionUri, 'dist', 'scanWorker.js').fsPath);
  const provider = new PythonModels(log, client);
  const disposable = vscode.Disposable.from(
    { dispose: () => client.dispose() },
    provider,
    vscode.languages.registerCodeLensProvider(PYTHON, provider),
    vscode.languages.registerHoverProvider(PYTHON, provider),
  );
  return { models: provider, dispose: () => disposable.dispose() };
}
