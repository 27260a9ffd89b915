/**
 * What a followed forward() did, for the summary and the graph of a class of the user's (issue 23 item 3): every
 * leaf-module call (a summary row: torchsummary's rows, by the module's name in `named_modules()`), every tensor
 * function (`F.relu`, `+`, `torch.flatten`, `.view`), every container entered (the user's classes, Sequential) and
 * which call produced each tensor (the graph's edges). Recorded only when asked (summarize / graph), never in a scan.
 * Pure: no vscode, no TF.js.
 */
import { ModuleObj, Tensor } from './modules';

export interface TracedNode {
  /** The module's name (`layer1.0.conv1`; the k-th repeated call `name#k`), `<container>.<op>` for a function, a
   * container's name, or `input` / `output` (the graph@1 ids). */
  readonly id: string;
  readonly kind: 'module' | 'function' | 'container' | 'io';
  /** The module's class (Conv2d, the user's class name), the op (add, relu, flatten, view), or input/output. */
  readonly type: string;
  /** The innermost container holding it ("" at the top). */
  readonly parent: string;
  outputShape: readonly number[];
  /** A leaf module's own parameters on its first call (0 on repeated calls: a shared module counts once). */
  readonly params: number;
  readonly macs: number;
  /** The module's name (without `#k`), for the summary row. */
  readonly name?: string;
  /** Conv2d: groups, kernel and stride. */
  readonly conv?: {
    readonly groups: number;
    readonly kernel: readonly [number, number];
    readonly stride: readonly [number, number];
    /** Parameters of the bias (out_channels, or 0 with bias=False). */
    readonly bias: number;
  };
  readonly inputs: readonly { readonly from: string; readonly shape: readonly number[] }[];
}

/** Module names as `nn.Module.named_modules()` gives them: the first path to each module, depth first. */
export function namedModules(root: ModuleObj): Map<ModuleObj, string> {
  const names = new Map<ModuleObj, string>();
  const visit = (m: ModuleObj, name: string): void => {
    if (names.has(m)) return;
    names.set(m, name);
    for (const [k, c] of m.children) visit(c, name === '' ? k : `${name}.${k}`);
  };
  visit(root, '');
  return names;
}

const asPair = (v: unknown): [number, number] =>
  typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? [Number(v[0]), Number(v[1])] : [Number.NaN, Number.NaN];

export class ForwardRecorder {
  readonly nodes: TracedNode[] = [];
  private readonly names: Map<ModuleObj, string>;
  private readonly producer = new WeakMap<Tensor, string>();
  private readonly stack: string[] = [];
  private readonly taken = new Map<string, number>();
  private readonly counted = new Set<ModuleObj>();
  private readonly openContainers = new Map<string, TracedNode>();

  constructor(
    readonly root: ModuleObj,
    input: Tensor,
  ) {
    this.names = namedModules(root);
    this.nodes.push({ id: 'input', kind: 'io', type: 'input', parent: '', outputShape: input.shape, params: 0, macs: 0, inputs: [] });
    this.producer.set(input, 'input');
  }

  private unique(base: string): string {
    const k = this.taken.get(base) ?? 0;
    this.taken.set(base, k + 1);
    return k === 0 ? base : `${base}#${k}`;
  }

  private get parent(): string {
    return this.stack[this.stack.length - 1] ?? '';
  }

  private inputsOf(values: readonly unknown[]): { from: string; shape: readonly number[] }[] {
    const out: { from: string; shape: readonly number[] }[] = [];
    const add = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(add);
      else if (v instanceof Tensor) {
        const from = this.producer.get(v);
        if (from !== undefined && !out.some((i) => i.from === from)) out.push({ from, shape: v.shape });
      }
    };
    values.forEach(add);
    return out;
  }

  /** A container (a class of the user's, a Sequential) starts its forward; false for the model itself and unnamed modules. */
  enter(m: ModuleObj): boolean {
    if (m === this.root) return false;
    const name = this.names.get(m);
    if (name === undefined || this.openContainers.has(name) || this.stack.includes(name)) return false;
    const node: TracedNode = { id: name, kind: 'container', type: m.type, parent: this.parent, outputShape: [], params: 0, macs: 0, inputs: [] };
    this.nodes.push(node);
    this.openContainers.set(name, node);
    this.stack.push(name);
    return true;
  }

  exit(y: unknown): void {
    const name = this.stack.pop();
    if (name === undefined) return;
    const node = this.openContainers.get(name);
    if (node && y instanceof Tensor) node.outputShape = y.shape;
  }

  /** A leaf module's call: its node, and the output as a tensor of its own (an in-place layer returns its input). */
  leaf(m: ModuleObj, x: unknown, y: Tensor, macs: number): Tensor {
    const name = this.names.get(m);
    const first = !this.counted.has(m);
    this.counted.add(m);
    const args = m.layer?.args ?? {};
    const bias = args.bias === false || args.bias === 0 || args.bias === null ? 0 : Number(args.out_channels);
    const conv = m.type === 'Conv2d' ? { groups: Number(args.groups), kernel: asPair(args.kernel_size), stride: asPair(args.stride), bias } : undefined;
    const id = this.unique(name ?? (this.parent ? `${this.parent}.${m.type}` : m.type));
    const out = y === x ? new Tensor(y.shape) : y;
    this.nodes.push({
      id,
      kind: name === undefined ? 'function' : 'module',
      type: m.type,
      parent: this.parent,
      outputShape: out.shape,
      params: first ? m.ownParams : 0,
      macs,
      ...(name !== undefined ? { name } : {}),
      ...(conv ? { conv } : {}),
      inputs: this.inputsOf([x]),
    });
    this.producer.set(out, id);
    return out;
  }

  /** A tensor function's result: recorded once (an op made of another, `x.add(y)` → `+`, is the inner one's). */
  op(op: string, inputs: readonly unknown[], y: unknown): unknown {
    if (!(y instanceof Tensor)) return y;
    const isInput = inputs.some((v) => v === y || (Array.isArray(v) && v.includes(y)));
    if (!isInput && this.producer.has(y)) return y;
    const out = isInput ? new Tensor(y.shape) : y;
    const parent = this.parent;
    const id = this.unique(parent ? `${parent}.${op}` : op);
    this.nodes.push({ id, kind: 'function', type: op, parent, outputShape: out.shape, params: 0, macs: 0, inputs: this.inputsOf(inputs) });
    this.producer.set(out, id);
    return out;
  }

  /** The output node, after forward() returned y. */
  finish(y: Tensor): void {
    this.nodes.push({ id: 'output', kind: 'io', type: 'output', parent: '', outputShape: y.shape, params: 0, macs: 0, inputs: this.inputsOf([y]) });
  }
}
