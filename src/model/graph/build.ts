/**
 * graph@1 from the summary's trace (issue 19): `walkForward` (shapes.ts), the one forward walk the summary's rows
 * come from, run over shapes (no tensor, no weight) through a wrapper that remembers which call produced each value.
 * Every `record` of a leaf module is a node; the data flow between them is the values the walk passes from op to
 * op; params and MACs are the summary's own rows (accounting.ts `layerRows` over the same calls).
 *
 * Naming follows torch.fx (test/fixtures/graph/make_graphs.py makes the reference graphs):
 * - a module call's id is its module path; the k-th repeated call of one module (k ≥ 1) is `path#k`;
 * - the functional ops fx keeps are nodes of kind "function": the residual addition `<block>.add`, SE's
 *   `<se>.mean` and `<se>.mul`, torchvision's top-level `flatten`, the CIFAR port's `avg_pool2d` and `flatten`
 *   (its `view`); the ReLUs the CIFAR port applies functionally are not nodes (fx's other functions are contracted);
 * - containers (stages, blocks, downsample / shortcut, SE, timm's global_pool) are nodes of kind "container"; every
 *   node's `parent` is the id of the innermost container holding it ("" at the top). `input` and `output` are "io".
 */
import type { Architecture } from '../architecture';
import { layerRows } from '../accounting';
import { isContainerCall, shapeOps, walkForward, type ForwardOps, type LeafCall } from '../shapes';
import { GRAPH_SCHEMA, type Graph, type GraphEdge, type GraphNode } from '../../shared/data';

type Shape = readonly number[];

/** A node while the walk runs: a module once a call is recorded on its value, a function once consumed unnamed. */
interface Pending {
  id?: string;
  kind?: GraphNode['kind'];
  type?: string;
  readonly op: string;
  outputShape: Shape;
  readonly inputs: readonly { readonly from: Pending; readonly shape: Shape }[];
  /** The first node that consumed this one (an unnamed function's parent comes from it). */
  consumer?: Pending;
  /** The container whose recorded output this is. */
  outputOf?: string;
  /** The call's index among the leaf calls (its summary row). */
  row?: number;
  /** An op fx contracts (torch.stack, sum, softmax): never a node; whoever consumes it receives from its inputs. */
  contracted?: boolean;
}

interface Value {
  readonly shape: Shape;
  src: Pending;
}

/** Ops that are never a module call: their node is a function the moment it is made. */
const ALWAYS_FUNCTION: ReadonlySet<string> = new Set(['add', 'mul']);
/** Ops fx contracts (make_graphs.py keeps only add, mul, mean, flatten / view, avg_pool2d among the functions). */
const CONTRACTED: ReadonlySet<string> = new Set(['stack', 'sum', 'softmax']);

export interface GraphTrace {
  readonly graph: Graph;
  /** The leaf and container calls, in order: `staticTrace(arch)`, the summary's trace. */
  readonly calls: readonly LeafCall[];
}

/** The graph of an architecture at layer depth (every module call), with the summary's params and MACs. */
export function buildGraph(arch: Architecture, model: string): GraphTrace {
  const shapes = shapeOps();
  const pendings: Pending[] = [];
  const calls: LeafCall[] = [];
  const recorded = new Map<string, { type: string; outputShape: Shape }>();
  let leafCalls = 0;

  const make = (op: string, shape: Shape, ...inputs: Value[]): Value => {
    const p: Pending = { op, outputShape: shape, inputs: inputs.map((v) => ({ from: v.src, shape: v.shape })) };
    for (const v of inputs) v.src.consumer ??= p;
    if (ALWAYS_FUNCTION.has(op)) p.kind = 'function';
    if (CONTRACTED.has(op)) p.contracted = true;
    pendings.push(p);
    return { shape, src: p };
  };
  const input: Pending = {
    id: 'input',
    kind: 'io',
    type: 'input',
    op: 'input',
    outputShape: [1, 3, arch.config.inputHeightPx, arch.config.inputWidthPx],
    inputs: [],
  };
  pendings.push(input);

  const ops: ForwardOps<Value> = {
    shape: (x) => x.shape,
    convBn: (x, conv, bn, relu) => make('convBn', shapes.convBn(x.shape, conv, bn, relu), x),
    maxPool: (x) => make('maxPool', shapes.maxPool(x.shape), x),
    avgPool2: (x, stride) => make('avgPool2', shapes.avgPool2(x.shape, stride), x),
    mean: (x) => make('mean', shapes.mean(x.shape), x),
    sigmoid: (x) => make('sigmoid', shapes.sigmoid(x.shape), x),
    // ECA multiplies by y.expand_as(x) (contracted by fx): its gate (a view to [N, C, 1, 1]) reaches the mul at x's shape.
    scale: (x, gate) =>
      make('mul', shapes.scale(x.shape, gate.shape), x, gate.src.op === 'flatten' && gate.shape.length === 4 ? { ...gate, shape: x.shape } : gate),
    addRelu: (a, b) => make('add', shapes.addRelu(a.shape, b.shape), a, b),
    flatten: (x) => make('flatten', shapes.flatten(x.shape), x),
    linear: (x, fc) => make('linear', shapes.linear(x.shape, fc), x),
    scope: (x, run) => run(x),
    // fx's `view` is graph@1's `flatten`; ECA's x.mean((2, 3)) has no keepdim in timm: the view reads [N, C].
    view: (x, shape) => make('flatten', shapes.view(x.shape, shape), x.src.op === 'mean' && shape.length === 3 ? { ...x, shape: x.shape.slice(0, 2) } : x),
    conv1d: (x, conv) => make('conv1d', shapes.conv1d(x.shape, conv), x),
    stack: (xs) => make('stack', shapes.stack(xs.map((x) => x.shape)), ...xs),
    sumPaths: (x) => make('sum', shapes.sumPaths(x.shape), x),
    softmaxPaths: (x) => make('softmax', shapes.softmaxPaths(x.shape), x),
  };
  const record = (call: LeafCall, value: Value): void => {
    calls.push(call);
    if (isContainerCall(call)) {
      recorded.set(call.name, { type: call.type, outputShape: call.outputShape });
      value.src.outputOf ??= call.name;
      return;
    }
    let p = value.src;
    if (call.type === 'BatchNormAct2d') {
      // timm's BatchNormAct2d is one leaf for fx (its BN, `drop` and `act` in one call): the drop and act nodes recorded
      // just before (conv → drop → act on one value) become this one node, carrying the BN's row.
      const act = value.src;
      const drop = act.inputs[0]?.from;
      if (act.id === `${call.name}.act` && drop?.id === `${call.name}.drop`) {
        pendings.splice(pendings.indexOf(act), 1);
        drop.consumer = undefined;
        Object.assign(drop, { id: call.name, type: call.type, outputShape: call.outputShape, row: leafCalls++ });
        value.src = drop;
        return;
      }
    }
    if (p.kind !== undefined) {
      // The value already has its node (conv → BN → ReLU on one value, an Identity on a block's input, the ReLU
      // after an addition): this module is a new node after it, and the value is now its output.
      p = { op: 'module', outputShape: call.outputShape, inputs: [{ from: value.src, shape: value.shape }] };
      value.src.consumer ??= p;
      pendings.push(p);
      value.src = p;
    }
    p.kind = 'module';
    p.id = call.name;
    p.type = call.type;
    p.outputShape = call.outputShape;
    p.row = leafCalls++;
  };
  const logits = walkForward(arch, ops, { shape: input.outputShape, src: input }, record);
  const output: Pending = {
    id: 'output',
    kind: 'io',
    type: 'output',
    op: 'output',
    outputShape: logits.shape,
    inputs: [{ from: logits.src, shape: logits.shape }],
  };
  logits.src.consumer ??= output;
  pendings.push(output);
  return { graph: assemble(arch, model, pendings, calls, recorded), calls };
}

function assemble(
  arch: Architecture,
  model: string,
  pendings: readonly Pending[],
  calls: readonly LeafCall[],
  recorded: ReadonlyMap<string, { type: string; outputShape: Shape }>,
): Graph {
  const rows = layerRows(arch, calls);
  const containers = containerSpecs(arch, recorded);
  const ids = [...containers.keys()].sort((a, b) => b.length - a.length);
  /** The innermost container holding a module path. */
  const containerOf = (path: string): string => ids.find((c) => path.startsWith(`${c}.`)) ?? '';
  const taken = new Map<string, number>();
  const unique = (base: string): string => {
    const k = taken.get(base) ?? 0;
    taken.set(base, k + 1);
    return k === 0 ? base : `${base}#${k}`;
  };
  const parentOf = new Map<Pending, string>();
  const functionParent = (p: Pending): string => {
    if (p.outputOf !== undefined) return p.outputOf;
    const c = p.consumer;
    if (!c || c.kind === 'io') return '';
    if (c.kind === 'function' || c.kind === undefined) return functionParent(c);
    return containerOf(c.id!);
  };
  // Unnamed values that were consumed are the functions fx keeps (SE's mean, torchvision's flatten, the CIFAR head).
  const kept = pendings.filter((p) => !p.contracted && (p.kind !== undefined || p.consumer !== undefined));
  for (const p of kept) {
    if (p.kind === undefined) p.kind = 'function';
    if (p.kind === 'function') {
      const parent = functionParent(p);
      const op = p.op === 'mean' && parent === '' && arch.naming === 'cifar' ? 'avg_pool2d' : p.op;
      p.type = op;
      p.id = unique(parent ? `${parent}.${op}` : op);
      parentOf.set(p, parent);
    } else if (p.kind === 'module') {
      p.id = unique(p.id!);
      parentOf.set(p, containerOf(p.id.replace(/#\d+$/, '')));
    } else parentOf.set(p, '');
  }
  const leafNodes: GraphNode[] = kept.map((p) => {
    const row = p.row === undefined ? undefined : rows[p.row];
    return { id: p.id!, kind: p.kind!, type: p.type!, parent: parentOf.get(p)!, outputShape: p.outputShape, params: row?.params ?? 0, macs: row?.macs ?? 0 };
  });
  const edges: GraphEdge[] = [];
  /** The kept nodes a value comes from, through contracted ops (fx: a contracted node's inputs pass to its users). */
  const sources = (p: Pending): Pending[] => (p.contracted ? p.inputs.flatMap((i) => sources(i.from)) : [p]);
  const seenEdges = new Set<string>();
  for (const p of kept) {
    for (const i of p.inputs) {
      for (const from of sources(i.from)) {
        const key = `${from.id!} ${p.id!} ${i.shape.join('x')}`;
        if (seenEdges.has(key)) continue;
        seenEdges.add(key);
        edges.push({ from: from.id!, to: p.id!, shape: i.shape });
      }
    }
  }
  return { schema: GRAPH_SCHEMA, model, nodes: withContainers(leafNodes, containers, containerOf), edges };
}

interface ContainerSpec {
  readonly type: string;
  outputShape: Shape;
}

/** Stages, blocks, downsample / shortcut Sequentials, and the containers the trace records (SE, global_pool). */
function containerSpecs(arch: Architecture, recorded: ReadonlyMap<string, { type: string; outputShape: Shape }>): Map<string, ContainerSpec> {
  const specs = new Map<string, ContainerSpec>();
  for (const b of arch.blocks) {
    const stage = b.name.slice(0, b.name.lastIndexOf('.'));
    const block = recorded.get(b.name);
    if (!specs.has(stage)) specs.set(stage, { type: 'Sequential', outputShape: [] });
    specs.get(stage)!.outputShape = block?.outputShape ?? [];
    specs.set(b.name, { type: b.type, outputShape: block?.outputShape ?? [] });
    if (b.downsample) specs.set(b.downsample.conv.name.slice(0, b.downsample.conv.name.lastIndexOf('.')), { type: 'Sequential', outputShape: [] });
  }
  for (const [name, c] of recorded) if (!specs.has(name)) specs.set(name, { type: c.type, outputShape: c.outputShape });
  return specs;
}

/** Inserts each container before the first node it holds, with the sums of what it holds; a container without a
 * recorded output (a downsample Sequential) takes its last node's. */
function withContainers(leaves: readonly GraphNode[], specs: ReadonlyMap<string, ContainerSpec>, containerOf: (path: string) => string): GraphNode[] {
  const sums = new Map<string, { params: number; macs: number; last: Shape }>();
  for (const n of leaves) {
    for (let c = n.parent; c !== ''; c = containerOf(c)) {
      const s = sums.get(c) ?? { params: 0, macs: 0, last: n.outputShape };
      s.params += n.params;
      s.macs += n.macs;
      s.last = n.outputShape;
      sums.set(c, s);
    }
  }
  const out: GraphNode[] = [];
  const emitted = new Set<string>();
  const emit = (c: string): void => {
    if (c === '' || emitted.has(c)) return;
    emit(containerOf(c));
    emitted.add(c);
    const spec = specs.get(c)!;
    const s = sums.get(c)!;
    out.push({
      id: c,
      kind: 'container',
      type: spec.type,
      parent: containerOf(c),
      outputShape: spec.outputShape.length ? spec.outputShape : s.last,
      params: s.params,
      macs: s.macs,
    });
  };
  for (const n of leaves) {
    emit(n.parent);
    out.push(n);
  }
  return out;
}

export type { Graph, GraphEdge, GraphNode };
export { GRAPH_SCHEMA };
