/**
 * What a detection shows: its counts from the core's arithmetic accounting (shapes by convolution arithmetic, no
 * network built, the same numbers as `summarize`), the CodeLens title, the hover's Markdown and the
 * `resnext-inspector/scan@1` JSON. Pure: no vscode, no TF.js.
 */
import { layerRows, stageRows, totals, type StageRow, type Totals } from '../model/accounting';
import { architecture } from '../model/architecture';
import type { NetworkConfig } from '../model/config';
import { compactStagesMarkdownTable } from '../model/report/markdown';
import { formatInt, formatSaving, formatSi } from '../model/report/format';
import { staticTrace } from '../model/shapes';
import { summaryConfig } from '../model/summaryConfig';
import type { SummaryConfig } from '../shared/data';
import { networkName } from '../shared/names';
import type { ClassReading } from './interp/read';
import type { Detection, DetectionKind } from './scan';

export const SCAN_SCHEMA = 'resnext-inspector/scan@1';

export interface StaticCounts {
  readonly totals: Totals;
  readonly stages: readonly StageRow[];
}

/** Recently counted configurations: a file usually builds few distinct ones, and it is rescanned on every edit. */
const countsCache = new Map<string, StaticCounts>();
const COUNTS_CACHE_SIZE = 64;

/** Totals and per-stage rows of a configuration, counted without TF.js. */
export function staticCounts(config: NetworkConfig): StaticCounts {
  const key = JSON.stringify(config);
  const cached = countsCache.get(key);
  if (cached) return cached;
  const arch = architecture(config);
  const calls = staticTrace(arch);
  const rows = layerRows(arch, calls);
  const counts = { totals: totals(rows, calls, [1, 3, config.inputHeightPx, config.inputWidthPx]), stages: stageRows(rows) };
  if (countsCache.size >= COUNTS_CACHE_SIZE) countsCache.delete(countsCache.keys().next().value!);
  countsCache.set(key, counts);
  return counts;
}

/** 25028904 → "25.03M" (the lens's compact form). */
const compactParams = (n: number): string => formatSi(n).replace(' ', '');

/** The configuration beyond the name: classes and input size when they are not ImageNet's 1000 and 224. */
function qualifiers(config: NetworkConfig): string[] {
  const out: string[] = [];
  if (config.numClasses !== 1000) out.push(`${config.numClasses} classes`);
  if (config.inputHeightPx !== 224 || config.inputWidthPx !== 224) out.push(`${config.inputHeightPx}×${config.inputWidthPx}`);
  return out;
}

/** "ResNeXt-50 32x4d · 25.03M params · 4.23 GMACs · grouped saves 63.7 %" */
export function lensTitle(config: NetworkConfig, t: Totals): string {
  const parts = [[networkName(config), ...qualifiers(config)].join(', '), `${compactParams(t.params)} params`, `${formatSi(t.macs)}MACs`];
  const saving = formatSaving(t.params, t.denseParams);
  if (saving !== '') parts.push(`grouped saves ${saving}`);
  return parts.join(' · ');
}

/** A class of the user's: "ResNet18 (read from your code) · 11.17M params · 0.56 GMACs", or why the MACs are not known. */
export function classLensTitle(r: ClassReading): string {
  const input = r.input.h !== 224 || r.input.w !== 224 ? `, ${r.input.h}×${r.input.w}` : '';
  const macs = r.macs === null ? 'MACs not followed' : `${formatSi(r.macs)}MACs`;
  return `${r.className}${input} (read from your code) · ${compactParams(r.params)} params · ${macs}`;
}

/** The title of a detection's lens: the core's count of a configuration, or the interpreter's reading of a class. */
export function detectionTitle(d: Detection): string {
  if (d.interpreted) return classLensTitle(d.interpreted);
  return lensTitle(d.config!, staticCounts(d.config!).totals);
}

function classHover(d: Detection, r: ClassReading): string {
  const rows = (r.tree.children ?? []).map((c) => `| ${c.name} | ${c.type} | ${formatInt(c.params)} |`);
  const lines = [
    `**${r.className}** — read from your code (defined in \`${r.defined.file}\` line ${r.defined.line}; nothing was run)`,
    '',
    `${formatInt(r.params)} params · ` +
      (r.macs === null ? `MACs not counted: ${r.why ?? 'forward() not followed'}` : `${formatInt(r.macs)} MACs (${formatSi(r.macs)}; FLOPs ≈ 2 × MACs)`) +
      ` · input 1×3×${r.input.h}×${r.input.w}` +
      (r.output ? ` → ${r.output.join('×')}` : ''),
    '',
    '| Module | Type | Params |',
    '| --- | --- | ---: |',
    ...rows,
  ];
  for (const note of d.notes) if (r.why === undefined || !note.includes(r.why)) lines.push('', `*${note}*`);
  return lines.join('\n');
}

/**
 * The hover: what was recognised (the name and the exact model string, which states the configuration), the totals
 * on one line, and the compact per-stage table — short enough that the head row shows without scrolling at the
 * default hover size. Weights and notes follow the table. A class of the user's: its top-level modules.
 */
export function hoverMarkdown(d: Detection, counts?: StaticCounts): string {
  if (d.interpreted) return classHover(d, d.interpreted);
  counts ??= staticCounts(d.config!);
  const c = d.config!;
  const t = counts.totals;
  const lines = [
    `**${networkName(c)}** — \`${d.model}\``,
    '',
    `${formatInt(t.params)} params · ${formatSi(t.macs)}MACs` +
      (t.denseParams > t.params
        ? ` · grouped conv saves ${formatSaving(t.params, t.denseParams)} of params / ${formatSaving(t.macs, t.denseMacs)} of MACs`
        : ''),
    '',
    compactStagesMarkdownTable(counts.stages),
  ];
  if (d.weights !== undefined) lines.push('', `Weights: \`${d.weights}\` (counts do not depend on them)`);
  for (const note of d.notes) lines.push('', `*${note}*`);
  return lines.join('\n');
}

export interface ScanModel {
  readonly file: string;
  readonly cell?: number;
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  /** Where the network comes from: a library's constructor or a class of the user's read by the interpreter. */
  readonly source: DetectionKind;
  /** The callee as written (`tvm.resnext50_32x4d`, `torch.hub.load`, `ResNet18`). */
  readonly call: string;
  /** For source "class": the class and where it is defined. */
  readonly class?: string;
  readonly defined?: { readonly file: string; readonly line: number };
  /** For source "class": the input shape its forward() was followed with (1×3×H×W). */
  readonly input?: readonly number[];
  /** The core's configuration (absent for a class of the user's: its counts come from its own module tree). */
  readonly config?: SummaryConfig;
  readonly params: number;
  /** null when forward() could not be followed; `why` says where. */
  readonly macs: number | null;
  readonly why?: string;
}

export interface ScanReport {
  readonly schema: typeof SCAN_SCHEMA;
  readonly models: readonly ScanModel[];
}

/** One `models[]` entry of the scan JSON. */
export function scanModel(file: string, d: Detection & { readonly cell?: number }): ScanModel {
  const where = { file, ...(d.cell !== undefined ? { cell: d.cell } : {}), line: d.line, column: d.column, endLine: d.endLine, source: d.kind, call: d.source };
  const r = d.interpreted;
  if (r)
    return {
      ...where,
      class: r.className,
      defined: r.defined,
      input: [1, 3, r.input.h, r.input.w],
      params: r.params,
      macs: r.macs,
      ...(r.why !== undefined ? { why: r.why } : {}),
    };
  const { totals: t } = staticCounts(d.config!);
  return { ...where, config: summaryConfig(d.config!), params: t.params, macs: t.macs };
}
