/**
 * `resnext scan FILE… [--format table|json]`: the ResNet-family networks built in Python files and notebooks, with
 * params and MACs from the core's arithmetic accounting (no TF.js is loaded; src/cli/index.ts routes here directly).
 * Calls recognised but not countable (e.g. groups that do not divide a width) are reported on stderr as warnings.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../model/errors';
import { formatInt } from '../model/report/format';
import { leftColumn, rightColumn, ruledTable, shapeColumns, sizeColumns, type TableColumn } from '../model/report/table';
import { notebookCells, scanCells } from '../python/notebook';
import { scanModel, SCAN_SCHEMA, type ScanModel, type ScanReport } from '../python/present';
import { scanPython, type ScanProblem } from '../python/scan';
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

function readText(file: string): string {
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

/** One file: notebooks by extension (.ipynb), everything else as Python source. */
export function scanFile(file: string, text: string = readText(file)): FileScan {
  if (file.toLowerCase().endsWith('.ipynb')) {
    const { detections, problems } = scanCells(notebookCells(text, file));
    return { models: detections.map((d) => scanModel(file, d)), problems };
  }
  const { detections, problems } = scanPython(text);
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

function table(report: ScanReport): string {
  if (report.models.length === 0) return 'No ResNet-family model construction found.\n';
  const columns: TableColumn<ScanModel>[] = [
    leftColumn('Where', (m) => where(m.file, m)),
    leftColumn('Call', (m) => m.source),
    ...shapeColumns((m: ScanModel) => m.config),
    rightColumn('Classes', (m) => String(m.config.numClasses)),
    leftColumn('Input', (m) => `${m.config.inputShape[2]}x${m.config.inputShape[3]}`),
    ...sizeColumns((m: ScanModel) => m),
  ];
  return ruledTable(columns, report.models);
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
