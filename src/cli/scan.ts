/**
 * `resnext scan FILE… [--format table|json]`: the ResNet-family networks built in Python files and notebooks, with
 * params and MACs from the core's arithmetic accounting (no TF.js is loaded; src/cli/index.ts routes here directly).
 * Calls recognised but not countable (e.g. groups that do not divide a width) are reported on stderr as warnings.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../model/errors';
import { formatInt, formatSi } from '../model/report/format';
import { leftColumn, rightColumn, ruledTable, shapeColumns, sizeColumns, type TableColumn } from '../model/report/table';
import { notebookCells, scanCells } from '../python/notebook';
import { scanModel, SCAN_SCHEMA, type ScanModel, type ScanReport } from '../python/present';
import { scanPython, type ScanOptions, type ScanProblem } from '../python/scan';
import { parse, parseChoice, UsageError } from './args';
import { COUNT_OPTIONS, countOptions } from './count';
import { ruleTotal } from '../model/countReport';
import { countAll } from '../model/counting';
import { checkedArchitecture } from '../model/architecture';
import { networkConfigOf } from '../model/summaryConfig';

export const SCAN_SYNOPSIS = `  resnext scan FILE… [--format table|json] [--count RULE|all] [--flops]
                    (.py files and .ipynb notebooks: the calls that build a ResNet-family network, with params/MACs)
`;

/** Larger files are refused rather than read: no Python source or notebook worth scanning is this big. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

interface FileScan {
  readonly models: ScanModel[];
  readonly problems: (ScanProblem & { readonly cell?: number })[];
}

/** A .py or .ipynb file's text; an InputError for a missing file, a folder or a file too large to be source. */
export function readText(file: string): string {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(`${file}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? String(error)})`}; give .py or .ipynb files`);
  }
  if (stat.isDirectory()) throw new InputError(`${file} is a folder; give the .py or .ipynb files in it (e.g. ${path.join(file, '*.py')})`);
  if (stat.size > MAX_FILE_BYTES)
    throw new InputError(`${file} is ${formatInt(stat.size)} bytes, more than the ${formatInt(MAX_FILE_BYTES)} scanned; is it really Python source?`);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(`${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

/**
 * Where a file's imports of the user's classes are read from: the current folder when the file is in it, else the
 * file's own folder. Files are read only inside that root, never written; nothing is run.
 */
export function workspaceFor(file: string): ScanOptions {
  const abs = path.resolve(file);
  const cwd = process.cwd();
  const root = path.relative(cwd, abs).startsWith('..') ? path.dirname(abs) : cwd;
  const read = (p: string): string | undefined => {
    try {
      const stat = fs.statSync(p);
      return stat.isFile() && stat.size <= MAX_FILE_BYTES ? fs.readFileSync(p, 'utf8') : undefined;
    } catch {
      return undefined;
    }
  };
  return { file: abs, workspace: { root, read }, displayPath: (p) => path.relative(root, p) || p };
}

/** One file: notebooks by extension (.ipynb), everything else as Python source. */
export function scanFile(file: string, text: string = readText(file)): FileScan {
  const options = workspaceFor(file);
  if (file.toLowerCase().endsWith('.ipynb')) {
    const { detections, problems } = scanCells(notebookCells(text, file), undefined, options);
    return { models: detections.map((d) => scanModel(file, d)), problems };
  }
  const { detections, problems } = scanPython(text, options);
  return { models: detections.map((d) => scanModel(file, d)), problems: [...problems] };
}

export function scanReport(files: readonly string[]): { report: ScanReport; problems: { file: string; problem: FileScan['problems'][number] }[] } {
  const models: ScanModel[] = [];
  const problems: { file: string; problem: FileScan['problems'][number] }[] = [];
  for (const file of files) {
    const result = scanFile(file);
    models.push(...result.models);
    problems.push(...result.problems.map((problem) => ({ file, problem })));
  }
  return { report: { schema: SCAN_SCHEMA, models }, problems };
}

const where = (file: string, m: { cell?: number; line: number; column: number }): string =>
  m.cell !== undefined ? `${file} [cell ${m.cell}]:${m.line}:${m.column}` : `${file}:${m.line}:${m.column}`;

type Counted = ScanModel & { readonly config: NonNullable<ScanModel['config']>; readonly macs: number };

function table(report: ScanReport): string {
  if (report.models.length === 0) return 'No ResNet-family model construction found.\n';
  const counted = report.models.filter((m): m is Counted => m.config !== undefined && m.macs !== null);
  const classes = report.models.filter((m) => m.config === undefined);
  const columns: TableColumn<Counted>[] = [
    leftColumn('Where', (m) => where(m.file, m)),
    leftColumn('Call', (m) => m.call),
    ...shapeColumns((m: Counted) => m.config),
    rightColumn('Classes', (m) => String(m.config.numClasses)),
    leftColumn('Input', (m) => `${m.config.inputShape[2]}x${m.config.inputShape[3]}`),
    ...sizeColumns((m: Counted) => m),
  ];
  // Classes of the user's, read by the interpreter: their own module tree, no configuration of the core.
  const classColumns: TableColumn<ScanModel>[] = [
    leftColumn('Where', (m) => where(m.file, m)),
    leftColumn('Class (read from your code)', (m) => `${m.class ?? m.call} (${m.defined ? `${m.defined.file}:${m.defined.line}` : '?'})`),
    rightColumn('Params', (m) => formatInt(m.params)),
    rightColumn('MACs', (m) => (m.macs === null ? 'not followed' : `${formatInt(m.macs)} (${formatSi(m.macs)})`)),
  ];
  const parts: string[] = [];
  if (counted.length > 0) parts.push(ruledTable(columns, counted));
  if (classes.length > 0) {
    parts.push(ruledTable(classColumns, classes));
    for (const m of classes) if (m.why !== undefined) parts.push(`${where(m.file, m)}: MACs not counted: ${m.why}\n`);
  }
  return parts.join('\n');
}

export async function scanCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse('scan', args, { format: { type: 'string' }, ...COUNT_OPTIONS });
  if (values.help) return void process.stdout.write(`Usage:\n${SCAN_SYNOPSIS}`);
  if (positionals.length === 0) throw new UsageError('scan needs at least one .py or .ipynb file (e.g. resnext scan train.py notebook.ipynb)');
  const format = parseChoice('format', values.format as string | undefined, ['table', 'json'] as const, 'table');
  const counting = countOptions(values);
  const scanned = scanReport(positionals);
  const { problems } = scanned;
  const rule = counting.count === undefined || counting.count === 'all' ? 'torchvision' : counting.count;
  const report = {
    ...scanned.report,
    models: scanned.report.models.map((m) => {
      if (counting.count === undefined && !counting.flops) return m;
      // A class of the user's is counted by the interpreter with torchvision's rule (conv + Linear, per call) only:
      // say so rather than pass it off as another rule's number.
      if (m.config === undefined) return { ...m, countRule: 'torchvision' as const, ...(counting.flops && m.macs !== null ? { flops: 2 * m.macs } : {}) };
      const macs = ruleTotal(m.config, rule);
      return {
        ...m,
        macs,
        countRule: rule,
        ...(counting.flops ? { flops: 2 * macs } : {}),
        ...(counting.count === 'all' ? { counts: countAll(checkedArchitecture(networkConfigOf(m.config))) } : {}),
      };
    }),
  };
  for (const { file, problem } of problems) process.stderr.write(`resnext: warning: ${where(file, problem)}: ${problem.message}\n`);
  process.stdout.write(format === 'json' ? JSON.stringify(report, null, 2) + '\n' : table(report));
}
