/**
 * Summarize and Graph of a class of the user's (issue 23 item 3): the summary@1 JSON and the graph@1 graph of a
 * construction the scanner found and the interpreter read, marked "read from your code". The rows are forward()'s
 * leaf-module calls as the interpreter followed them (torchsummary's rows: module name, class, output shape, params,
 * MACs); where forward() could not be followed, the rows are the module tree's leaves with their exact params, no
 * shapes and no MACs, and `readFrom.why` says why. The CLI (`resnext summarize|graph --python FILE`) and the scan
 * worker (the lenses' Summarize and Graph) call these. Pure: no vscode, no TF.js, nothing executed.
 */
import { InputError } from '../model/errors';
import {
  GRAPH_SCHEMA,
  SUMMARY_SCHEMA,
  type ClassSummary,
  type Graph,
  type GraphEdge,
  type GraphNode,
  type LayerRow,
  type ReadFrom,
  type StageRow,
} from '../shared/data';
import type { ModuleNode } from './interp/modules';
import type { ClassReading } from './interp/read';
import type { TracedNode } from './interp/trace';
import { notebookCells, scanCells, type CodeCell } from './notebook';
import { scanPython, type Detection, type ScanOptions } from './scan';

/** Which construction: the one on a line (and notebook cell), or the first that builds a class of this name. */
export interface ClassTarget {
  readonly className?: string;
  readonly line?: number;
  readonly cell?: number;
}

export type ClassDetection = Detection & { readonly interpreted: ClassReading; readonly cell?: number };

const describeTarget = (t: ClassTarget): string =>
  [t.className !== undefined ? `class ${t.className}` : '', t.line !== undefined ? `line ${t.line}${t.cell !== undefined ? ` of cell ${t.cell}` : ''}` : '']
    .filter(Boolean)
    .join(' at ');

/**
 * Scans a .py text or a notebook's JSON with forward()'s calls recorded and picks the construction asked for. An
 * InputError says what was found instead (the classes built in the file and their lines) or why the class could not be read.
 */
export function findClassConstruction(file: string, text: string | readonly CodeCell[], target: ClassTarget, options: ScanOptions = {}): ClassDetection {
  const traced = { ...options, trace: true };
  const cells = typeof text !== 'string' ? text : file.toLowerCase().endsWith('.ipynb') ? notebookCells(text, file) : undefined;
  const { detections, problems } = cells ? scanCells(cells, undefined, traced) : scanPython(text as string, traced);
  const classes = (detections as readonly (Detection & { cell?: number })[]).filter((d): d is ClassDetection => d.interpreted !== undefined);
  const at = (d: { line: number; endLine?: number; cell?: number }): boolean =>
    target.line === undefined ||
    ((d.cell === undefined || target.cell === undefined || d.cell === target.cell) && d.line <= target.line && target.line <= (d.endLine ?? d.line));
  const found = classes.find((d) => at(d) && (target.className === undefined || d.interpreted.className === target.className));
  if (found) return found;
  // The construction is there but its __init__ cannot be read: say why (the scanner's warning).
  const named = (m: string): boolean => target.className === undefined || m.includes(`${target.className}(`);
  const problem = (problems as readonly { line: number; cell?: number; message: string }[]).find(
    (p) => at(p) && named(p.message) && (target.line !== undefined || target.className !== undefined),
  );
  if (problem) throw new InputError(`${file}:${problem.line}: ${problem.message}`);
  const listed = classes.map((d) => `${d.interpreted.className} (line ${d.line}${d.cell !== undefined ? `, cell ${d.cell}` : ''})`);
  const others = detections.filter((d) => !d.interpreted).map((d) => `${d.model} (line ${d.line})`);
  throw new InputError(
    `${file}: no construction of ${describeTarget(target) || 'a class of your code'} was found. ` +
      (listed.length > 0
        ? `Classes built in it: ${listed.join(', ')}; give --class NAME or --at FILE:LINE of one of them.`
        : `It builds no ResNet-family class of its own that the interpreter can read${others.length > 0 ? ` (library models: ${others.join(', ')}; summarize those by preset, e.g. \`resnext summarize resnet50\`)` : ''}; write the construction (e.g. \`model = MyResNet()\`) in the file.`),
  );
}

const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
const MIB = 1024 * 1024;
const BYTES_PER_FLOAT = 4;

/** The module tree's leaves in registration order (what `model.modules()` lists without children), by name. */
function leaves(node: ModuleNode, prefix = ''): { name: string; type: string; params: number }[] {
  if (!node.children || node.children.length === 0) return prefix === '' ? [] : [{ name: prefix, type: node.type, params: node.params }];
  return node.children.flatMap((c) => leaves(c, prefix === '' ? c.name : `${prefix}.${c.name}`));
}

function row(n: TracedNode): LayerRow {
  const conv = n.conv;
  const groups = conv?.groups ?? 1;
  // A grouped conv's dense equivalent: its weight × groups (the bias stays), its MACs × groups.
  const denseParams = conv && n.params > 0 ? (n.params - conv.bias) * groups + conv.bias : n.params;
  return {
    name: n.name ?? n.id,
    type: n.type,
    outputShape: n.outputShape,
    params: n.params,
    macs: n.macs,
    ...(conv ? { groups: conv.groups, kernel: conv.kernel, stride: conv.stride } : {}),
    denseParams,
    denseMacs: n.macs * groups,
  };
}

/** Rows grouped by the model's top-level module (`conv1`, `layer1`, `linear`): the summary's stage rows. */
function stages(rows: readonly LayerRow[]): StageRow[] {
  const out: { name: string; outputShape: readonly number[]; params: number; macs: number; denseParams: number; denseMacs: number }[] = [];
  for (const r of rows) {
    const name = r.name.split('.')[0]!.replace(/#\d+$/, '');
    let s = out[out.length - 1];
    if (!s || s.name !== name) out.push((s = { name, outputShape: r.outputShape, params: 0, macs: 0, denseParams: 0, denseMacs: 0 }));
    s.outputShape = r.outputShape;
    s.params += r.params;
    s.macs += r.macs;
    s.denseParams += r.denseParams;
    s.denseMacs += r.denseMacs;
  }
  return out;
}

function readFrom(file: string, d: ClassDetection): ReadFrom {
  const r = d.interpreted;
  return {
    className: r.className,
    defined: r.defined,
    at: { file, ...(d.cell !== undefined ? { cell: d.cell } : {}), line: d.line, call: d.source },
    inputShape: [1, 3, r.input.h, r.input.w],
    macsKnown: r.macs !== null,
    ...(r.why !== undefined ? { why: r.why } : {}),
  };
}

/** "ResNet18 (read from your code)": the summary's and the graph's model name. */
export const classModelName = (r: ClassReading): string => `${r.className} (read from your code)`;

/** summary@1 of a class construction (found by findClassConstruction, so traced). */
export function classSummary(file: string, d: ClassDetection, timingsMs = { build: 0, forward: 0 }): ClassSummary {
  const r = d.interpreted;
  const followed = r.macs !== null && r.trace !== undefined;
  const rows: LayerRow[] = followed
    ? r.trace!.filter((n) => n.kind === 'module').map(row)
    : leaves(r.tree).map((l) => ({ name: l.name, type: l.type, outputShape: [], params: l.params, macs: 0, denseParams: l.params, denseMacs: 0 }));
  const sum = (f: (x: LayerRow) => number): number => rows.reduce((a, x) => a + f(x), 0);
  // Modules never called in forward() still hold parameters: the total is the module tree's, exactly.
  const params = r.params;
  const denseParams = params + sum((x) => x.denseParams - x.params);
  const inputShape = [1, 3, r.input.h, r.input.w] as const;
  const inputSizeMiB = (numel(inputShape) * BYTES_PER_FLOAT) / MIB;
  const forwardBackwardSizeMiB = followed ? (2 * rows.reduce((a, x) => a + numel(x.outputShape), 0) * BYTES_PER_FLOAT) / MIB : 0;
  const paramsSizeMiB = (params * BYTES_PER_FLOAT) / MIB;
  return {
    schema: SUMMARY_SCHEMA,
    model: classModelName(r),
    title: r.className,
    layers: rows,
    stages: stages(rows),
    totals: {
      params,
      trainableParams: params,
      macs: followed ? r.macs! : 0,
      denseParams,
      denseMacs: followed ? sum((x) => x.denseMacs) : 0,
      inputSizeMiB,
      forwardBackwardSizeMiB,
      paramsSizeMiB,
      estimatedTotalSizeMiB: inputSizeMiB + forwardBackwardSizeMiB + paramsSizeMiB,
    },
    timingsMs,
    readFrom: readFrom(file, d),
  };
}

/**
 * graph@1 of a class construction: forward()'s calls as nodes (leaf modules, tensor functions, the containers
 * entered: the user's blocks and Sequentials), the tensors between them as edges. An InputError when forward() was not followed.
 */
export function classGraph(d: ClassDetection): Graph {
  const r = d.interpreted;
  if (r.macs === null || !r.trace) throw new InputError(`no graph of ${r.className}: forward() could not be followed (${r.why ?? 'not traced'})`);
  const trace = r.trace;
  const held = new Map<string, { params: number; macs: number; count: number; last: readonly number[] }>();
  const parentOf = new Map(trace.map((n) => [n.id, n.parent]));
  for (const n of trace) {
    if (n.kind === 'container' || n.kind === 'io') continue;
    for (let p = n.parent; p !== ''; p = parentOf.get(p) ?? '') {
      const h = held.get(p) ?? { params: 0, macs: 0, count: 0, last: [] };
      held.set(p, { params: h.params + n.params, macs: h.macs + n.macs, count: h.count + 1, last: n.outputShape });
    }
  }
  const nodes: GraphNode[] = [];
  for (const n of trace) {
    const h = held.get(n.id);
    if (n.kind === 'container' && !h) continue; // an empty Sequential (an identity shortcut): nothing to draw
    nodes.push({
      id: n.id,
      kind: n.kind,
      type: n.type,
      parent: n.parent,
      outputShape: n.kind === 'container' && n.outputShape.length === 0 ? h!.last : n.outputShape,
      params: n.kind === 'container' ? h!.params : n.params,
      macs: n.kind === 'container' ? h!.macs : n.macs,
    });
  }
  const edges: GraphEdge[] = trace.flatMap((n) => n.inputs.map((i) => ({ from: i.from, to: n.id, shape: i.shape })));
  return { schema: GRAPH_SCHEMA, model: classModelName(r), nodes, edges };
}
