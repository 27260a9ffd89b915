/**
 * Jupyter notebooks (nbformat 4): the code cells are scanned as one module, in order, as a kernel that ran them top
 * to bottom would see them (imports and constants of earlier cells count). Markdown and raw cells are never read.
 * Positions are given per cell: the cell's 1-based index over all cells and the line within the cell.
 */
import { InputError } from '../model/errors';
import { scanPython, type Detection, type IncrementalScanner, type ScanOptions, type ScanProblem } from './scan';

export interface CodeCell {
  /** 1-based over all cells (markdown included), as the notebook lists them. */
  readonly cell: number;
  readonly source: string;
}

export interface CellDetection extends Detection {
  readonly cell: number;
}

export interface CellProblem extends ScanProblem {
  readonly cell: number;
}

/** The code cells of an .ipynb file's text; an InputError says what is wrong with a file that is not a notebook. */
export function notebookCells(json: string, file = 'notebook'): CodeCell[] {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (error) {
    throw new InputError(`${file} is not a Jupyter notebook: its JSON does not parse (${(error as Error).message}); open and re-save it in Jupyter`);
  }
  const cells = typeof data === 'object' && data !== null ? (data as { cells?: unknown }).cells : undefined;
  if (!Array.isArray(cells)) {
    throw new InputError(
      `${file} is not a Jupyter notebook in nbformat 4: it has no "cells" list (nbformat 3 files: convert them with 'jupyter nbconvert --to notebook')`,
    );
  }
  const language = (data as { metadata?: { language_info?: { name?: unknown }; kernelspec?: { language?: unknown } } }).metadata;
  const lang = language?.language_info?.name ?? language?.kernelspec?.language;
  if (typeof lang === 'string' && lang.toLowerCase() !== 'python') return [];
  const out: CodeCell[] = [];
  cells.forEach((cell: unknown, index) => {
    if (typeof cell !== 'object' || cell === null) return;
    const { cell_type: type, source } = cell as { cell_type?: unknown; source?: unknown };
    if (type !== 'code') return;
    const text = typeof source === 'string' ? source : Array.isArray(source) && source.every((s) => typeof s === 'string') ? source.join('') : undefined;
    if (text !== undefined) out.push({ cell: index + 1, source: text });
  });
  return out;
}

/** IPython's line magics and shell escapes (`%pip install …`, `!ls`) are not Python: blank them, keeping offsets. */
function withoutMagics(source: string): string {
  return source
    .split('\n')
    .map((line) => {
      const trimmed = line.trimStart();
      return trimmed.startsWith('%') || trimmed.startsWith('!') ? ' '.repeat(line.length) : line;
    })
    .join('\n');
}

/** Scans code cells as one module; detections carry their cell and in-cell lines. */
export function scanCells(
  cells: readonly CodeCell[],
  scanner?: IncrementalScanner,
  options: ScanOptions = {},
): { detections: CellDetection[]; problems: CellProblem[] } {
  const parts: string[] = [];
  const firstLines: number[] = [];
  let line = 1;
  for (const c of cells) {
    firstLines.push(line);
    const text = withoutMagics(c.source.replace(/\r\n?/g, '\n'));
    parts.push(text.endsWith('\n') ? text : `${text}\n`);
    line += parts[parts.length - 1]!.split('\n').length - 1;
  }
  const joined = parts.join('');
  const result = scanner ? scanner.scan(joined, options) : scanPython(joined, options);
  const cellAt = (l: number): number => {
    // The last cell whose first line is ≤ l (binary search: a notebook can have thousands of cells).
    let lo = 0;
    let hi = firstLines.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (firstLines[mid]! <= l) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  // Where each cell's text starts in the joined text.
  const starts: number[] = [];
  parts.reduce((n, p) => (starts.push(n), n + p.length), 0);
  const detections = result.detections.map((d) => {
    const i = cellAt(d.line);
    const offset = firstLines[i]! - 1;
    const start = starts[i]!;
    return {
      ...d,
      cell: cells[i]!.cell,
      line: d.line - offset,
      endLine: d.endLine - offset,
      from: d.from - start,
      to: d.to - start,
      calleeFrom: d.calleeFrom - start,
      calleeTo: d.calleeTo - start,
    };
  });
  const problems = result.problems.map((p) => {
    const i = cellAt(p.line);
    return { ...p, cell: cells[i]!.cell, line: p.line - firstLines[i]! + 1 };
  });
  return { detections, problems };
}
