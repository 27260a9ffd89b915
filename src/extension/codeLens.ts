/**
 * The model where it is written: in Python files and notebook cells, a CodeLens above each call that builds a
 * ResNet-family network ("ResNeXt-50 32x4d · 25.03M params · 4.23 GMACs · grouped saves 63.7 %  |  Summarize  |
 * Compare…") and a hover on the callee with the per-stage table. The scanner (src/python, @lezer/python) and the
 * arithmetic counts need no TF.js and no worker; they are loaded on the first Python document, not at activation.
 * Scans are cached per document version; edits refresh the lenses after a pause in typing.
 */
import * as vscode from 'vscode';
import type { Detection, IncrementalScanner } from '../python/scan';
import type { StaticCounts } from '../python/present';
import { Command } from './commands';

/** How long typing must pause before the lenses are recomputed. */
export const LENS_DEBOUNCE_MS = 300;
export const CODELENS_SETTING = 'resnext.codeLens.enabled';

const PYTHON: vscode.DocumentSelector = [{ language: 'python' }];

const loadPython = () => Promise.all([import('../python/scan'), import('../python/notebook'), import('../python/present')]);
type PythonModules = Awaited<ReturnType<typeof loadPython>>;

export interface ScannedModel {
  readonly detection: Detection;
  readonly range: vscode.Range;
  readonly calleeRange: vscode.Range;
  readonly counts: StaticCounts;
  readonly title: string;
}

/** Arguments of the lenses' Summarize: what `resnext.summarize` accepts (preset + the whole configuration). */
export function summarizeArgs(d: Detection): { preset?: string; config: Detection['config'] } {
  return { ...(d.preset !== undefined ? { preset: d.preset } : {}), config: { ...d.config } };
}

export class PythonModels implements vscode.CodeLensProvider, vscode.HoverProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly cache = new Map<string, { version: number; notebookVersion: number; models: ScannedModel[] }>();
  /** One incremental scanner per file or notebook: a rescan after an edit reparses only around the change. */
  private readonly scanners = new Map<string, IncrementalScanner>();
  private readonly subscriptions: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private modules: Promise<PythonModules> | undefined;

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.subscriptions.push(
      this.changed,
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.languageId === 'python' && e.contentChanges.length > 0) this.refreshSoon();
      }),
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.cache.delete(d.uri.toString());
        this.scanners.delete(d.uri.toString());
      }),
      vscode.workspace.onDidCloseNotebookDocument((nb) => this.scanners.delete(nb.uri.toString())),
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

  /** The detections of a document (a .py file, or a notebook cell scanned with the cells before and after it). */
  async models(document: vscode.TextDocument): Promise<ScannedModel[]> {
    const notebook =
      document.uri.scheme === 'vscode-notebook-cell'
        ? vscode.workspace.notebookDocuments.find((nb) => nb.getCells().some((c) => c.document === document))
        : undefined;
    const notebookVersion = notebook ? notebook.getCells().reduce((n, c) => n * 31 + c.document.version, notebook.version) : 0;
    const key = document.uri.toString();
    const cached = this.cache.get(key);
    if (cached && cached.version === document.version && cached.notebookVersion === notebookVersion) return cached.models;
    this.modules ??= loadPython();
    const [{ IncrementalScanner }, { scanCells }, { staticCounts, lensTitle }] = await this.modules;
    const started = performance.now();
    const scannerKey = (notebook?.uri ?? document.uri).toString();
    let scanner = this.scanners.get(scannerKey);
    if (!scanner) this.scanners.set(scannerKey, (scanner = new IncrementalScanner()));
    let detections: readonly Detection[];
    if (notebook) {
      const cells = notebook
        .getCells()
        .filter((c) => c.kind === vscode.NotebookCellKind.Code && c.document.languageId === 'python')
        .map((c) => ({ cell: c.index + 1, source: c.document.getText(), document: c.document }));
      const own = cells.find((c) => c.document === document);
      detections = own ? scanCells(cells, scanner).detections.filter((d) => d.cell === own.cell) : [];
    } else {
      detections = scanner.scan(document.getText()).detections;
    }
    const models = detections.map((d) => {
      const counts = staticCounts(d.config);
      return {
        detection: d,
        range: new vscode.Range(document.positionAt(d.from), document.positionAt(d.to)),
        calleeRange: new vscode.Range(document.positionAt(d.calleeFrom), document.positionAt(d.calleeTo)),
        counts,
        title: lensTitle(d.config, counts.totals),
      };
    });
    this.log.trace(
      `scanned ${vscode.workspace.asRelativePath(document.uri)} (v${document.version}): ${models.length} model(s) in ${(performance.now() - started).toFixed(1)} ms`,
    );
    this.cache.set(key, { version: document.version, notebookVersion, models });
    return models;
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (!vscode.workspace.getConfiguration('resnext', document).get<boolean>('codeLens.enabled', true)) return [];
    const lenses: vscode.CodeLens[] = [];
    for (const m of await this.models(document)) {
      const d = m.detection;
      const at = new vscode.Range(m.range.start, m.range.start);
      const tooltip = `${d.model}: ${d.config.numClasses} classes, input ${d.config.inputHeightPx}×${d.config.inputWidthPx}${d.notes.length > 0 ? `\n${d.notes.join('\n')}` : ''}`;
      lenses.push(
        new vscode.CodeLens(at, { title: m.title, tooltip, command: '' }),
        new vscode.CodeLens(at, { title: 'Summarize', tooltip: `Open the summary of ${d.model}`, command: Command.Summarize, arguments: [summarizeArgs(d)] }),
        new vscode.CodeLens(at, {
          title: 'Graph',
          tooltip: `Show the architecture graph of ${d.model}`,
          command: Command.ShowArchitectureGraph,
          arguments: [summarizeArgs(d)],
        }),
        new vscode.CodeLens(at, {
          title: 'Compare…',
          tooltip: `Compare ${d.model} with presets you pick`,
          command: Command.CompareWith,
          arguments: [{ model: d.model, config: summarizeArgs(d).config }],
        }),
      );
    }
    return lenses;
  }

  async provideHover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    const models = await this.models(document);
    const m = models.find((x) => x.calleeRange.contains(position));
    if (!m) return undefined;
    const [, , { hoverMarkdown }] = await this.modules!;
    return new vscode.Hover(new vscode.MarkdownString(hoverMarkdown(m.detection, m.counts)), m.calleeRange);
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
    this.cache.clear();
    this.scanners.clear();
  }
}

/** Registers the CodeLens and hover providers for Python files and notebook cells. */
export function registerPythonModels(log: vscode.LogOutputChannel): vscode.Disposable {
  const provider = new PythonModels(log);
  return vscode.Disposable.from(
    provider,
    vscode.languages.registerCodeLensProvider(PYTHON, provider),
    vscode.languages.registerHoverProvider(PYTHON, provider),
  );
}
