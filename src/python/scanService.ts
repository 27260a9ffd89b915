/**
 * Scanning documents for the editor, off the extension host's thread: the scan worker (src/extension/scanWorker.ts)
 * runs a ScanService. Each document (a file or a notebook) keeps its IncrementalScanner, so a rescan after an edit
 * reparses around the change; a request carries a generation number and a slot in shared memory, and a scan whose
 * slot has moved on (a newer edit of the same document) stops where it is. The reply is plain data: detections,
 * lens titles and hovers, made here so that the host loads neither the scanner nor the counts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scanCells, type CodeCell } from './notebook';
import { detectionTitle, hoverMarkdown, staticCounts, type StaticCounts } from './present';
import { countTooltip } from '../model/countReport';
import { Cancelled } from './interp/interp';
import { IncrementalScanner, ScanCancelled, type Detection, type ScanOptions } from './scan';
import { classGraph, classSummary, findClassConstruction } from './classSummary';
import { collapseGraph } from '../model/graph/depth';
import { layoutGraph } from '../model/graph/layout';
import type { ClassSummary, Graph, GraphLayout, GraphNode } from '../shared/data';

export interface ScanRequest {
  readonly id: number;
  /** The document (a file's or a notebook's URI): its incremental scanner. */
  readonly key: string;
  /** Where this document's generation lives in the shared Int32Array, and the generation this request is for. */
  readonly slot: number;
  readonly generation: number;
  /** A file's path (for its imports) and the workspace root imports are read under; none for an untitled document. */
  readonly file?: string;
  readonly root?: string;
  /** A .py document's text, or a notebook's code cells and the cell whose detections are wanted. */
  readonly text?: string;
  readonly cells?: readonly CodeCell[];
  readonly ownCell?: number;
  /** Instead of the lenses: the summary or the graph of the class built at this line (and cell) — a lens's Summarize / Graph. */
  readonly want?: { readonly kind: 'summary' | 'graph'; readonly line: number; readonly cell?: number; readonly className: string };
}

export interface ScannedDetection {
  readonly detection: Detection;
  readonly title: string;
  readonly hover: string;
  readonly counts?: StaticCounts;
  /** Every counting rule's MACs and what each adds (the lens's tooltip; src/model/countReport.ts). */
  readonly rules?: string;
}

export type ScanReply =
  | { readonly id: number; readonly kind: 'done'; readonly models: readonly ScannedDetection[]; readonly ms: number }
  | { readonly id: number; readonly kind: 'summary'; readonly summary: ClassSummary }
  | { readonly id: number; readonly kind: 'graph'; readonly graph: Graph; readonly nodes: readonly GraphNode[]; readonly layout: GraphLayout }
  | { readonly id: number; readonly kind: 'cancelled' }
  | { readonly id: number; readonly kind: 'error'; readonly message: string };

/** Source files are read for imports up to this size. */
const MAX_IMPORT_BYTES = 4 * 1024 * 1024;

function readWorkspaceFile(file: string): string | undefined {
  try {
    const stat = fs.statSync(file);
    return stat.isFile() && stat.size <= MAX_IMPORT_BYTES ? fs.readFileSync(file, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

/** A path as the workspace shows it: relative to its root when inside it. */
const inside =
  (root: string) =>
  (file: string): string => {
    const relative = path.relative(root, file);
    return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
  };

export class ScanService {
  private readonly scanners = new Map<string, IncrementalScanner>();

  constructor(private readonly generations?: Int32Array) {}

  forget(key: string): void {
    this.scanners.delete(key);
  }

  handle(req: ScanRequest): ScanReply {
    const started = performance.now();
    const generations = this.generations;
    const shouldStop = generations ? () => Atomics.load(generations, req.slot) !== req.generation : undefined;
    const options: ScanOptions = {
      ...(shouldStop ? { shouldStop } : {}),
      ...(req.file !== undefined ? { file: req.file } : {}),
      ...(req.root !== undefined ? { workspace: { root: req.root, read: readWorkspaceFile }, displayPath: inside(req.root) } : {}),
    };
    let scanner = this.scanners.get(req.key);
    if (!scanner) this.scanners.set(req.key, (scanner = new IncrementalScanner()));
    try {
      if (req.want) return this.read(req, req.want, options, started);
      let detections: readonly Detection[];
      if (req.cells) detections = scanCells(req.cells, scanner, options).detections.filter((d) => d.cell === req.ownCell);
      else detections = scanner.scan(req.text ?? '', options).detections;
      const models = detections.map((d) => {
        const counts = d.config ? staticCounts(d.config) : undefined;
        return { detection: d, title: detectionTitle(d), hover: hoverMarkdown(d, counts), ...(counts ? { counts, rules: countTooltip(d.config!) } : {}) };
      });
      return { id: req.id, kind: 'done', models, ms: performance.now() - started };
    } catch (error) {
      if (error instanceof ScanCancelled || error instanceof Cancelled) {
        // The scanner's previous tree may be half-updated: the next request reparses from scratch.
        this.scanners.delete(req.key);
        return { id: req.id, kind: 'cancelled' };
      }
      return { id: req.id, kind: 'error', message: error instanceof Error ? error.message : String(error) };
    }
  }

  /** A class construction read with forward()'s calls recorded: its summary@1, or its graph@1 laid out at stage level. */
  private read(req: ScanRequest, want: NonNullable<ScanRequest['want']>, options: ScanOptions, started: number): ScanReply {
    const file = req.file ?? (req.cells ? 'notebook.ipynb' : 'untitled.py');
    const target = { line: want.line, className: want.className, ...(want.cell !== undefined ? { cell: want.cell } : {}) };
    const found = findClassConstruction(file, req.cells ?? req.text ?? '', target, options);
    if (want.kind === 'summary') return { id: req.id, kind: 'summary', summary: classSummary(file, found, { build: 0, forward: performance.now() - started }) };
    const graph = classGraph(found);
    const shown = collapseGraph(graph, 'stage');
    return { id: req.id, kind: 'graph', graph, nodes: shown.nodes, layout: layoutGraph(shown) };
  }
}
