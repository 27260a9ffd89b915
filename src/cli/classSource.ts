/**
 * `resnext summarize|graph --python FILE [--class NAME]` and `--at FILE:LINE`: the summary or graph of a class of
 * the user's, built where the file builds it and read by the static interpreter (issue 23; nothing is run). The core
 * is src/python/classSummary.ts, which the lenses' Summarize and Graph call too.
 */
import { classGraph, classSummary, findClassConstruction, type ClassDetection, type ClassTarget } from '../python/classSummary';
import type { ClassSummary, Graph } from '../shared/data';
import { hasConfigFlags, parseWholeNumber, UsageError } from './args';
import { readText, workspaceFor } from './scan';

export const PYTHON_OPTIONS = { python: { type: 'string' }, class: { type: 'string' }, at: { type: 'string' } } as const;

export const PYTHON_SYNOPSIS = (command: string): string =>
  `  resnext ${command} --python FILE [--class NAME] | --at FILE:LINE (a .ipynb: FILE:CELL:LINE) […]
                    (a class of your own, read from the file where it builds it; nothing is run)
`;

/** Whether the command line asks for a class of the user's. */
export const wantsClass = (values: Record<string, string | boolean | undefined>): boolean =>
  values.python !== undefined || values.at !== undefined || values.class !== undefined;

function target(values: Record<string, string | boolean | undefined>, command: string): { file: string; target: ClassTarget } {
  const python = values.python as string | undefined;
  const at = values.at as string | undefined;
  const className = values.class as string | undefined;
  if (python !== undefined && at !== undefined) throw new UsageError(`${command}: give --python FILE or --at FILE:LINE, not both`);
  if (hasConfigFlags(values) || values.input !== undefined || values.weights !== undefined)
    throw new UsageError(
      `${command}: a class of your code is built as the file builds it (its arguments and the input size written there); --python/--at take no preset, configuration flags, --input or --weights`,
    );
  const withClass = className !== undefined ? { className } : {};
  if (at !== undefined) {
    const m = /^(.+?):(?:(\d+):)?(\d+)$/.exec(at);
    if (!m) throw new UsageError(`--at needs FILE:LINE (a notebook: FILE:CELL:LINE), got '${at}'`);
    const line = parseWholeNumber('at', m[3]!, { min: 1, max: 10_000_000 });
    const cell = m[2] !== undefined ? parseWholeNumber('at', m[2], { min: 1, max: 1_000_000 }) : undefined;
    return { file: m[1]!, target: { ...withClass, line, ...(cell !== undefined ? { cell } : {}) } };
  }
  if (python === undefined) throw new UsageError(`${command}: --class NAME needs --python FILE (the file that builds it)`);
  return { file: python, target: withClass };
}

function construction(values: Record<string, string | boolean | undefined>, command: string): { file: string; found: ClassDetection; ms: number } {
  const { file, target: t } = target(values, command);
  const text = readText(file);
  const start = performance.now();
  const found = findClassConstruction(file, text, t, workspaceFor(file));
  return { file, found, ms: performance.now() - start };
}

/** summary@1 of the class construction the command line names. */
export function classSummaryFromArgs(values: Record<string, string | boolean | undefined>): ClassSummary {
  const { file, found, ms } = construction(values, 'summarize');
  return classSummary(file, found, { build: 0, forward: Math.round(ms * 10) / 10 });
}

/** graph@1 (layer depth) of the class construction the command line names. */
export function classGraphFromArgs(values: Record<string, string | boolean | undefined>): Graph {
  return classGraph(construction(values, 'graph').found);
}
