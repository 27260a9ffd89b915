/**
 * A static interpreter for the user's `nn.Module` classes, over @lezer/python's syntax tree: it evaluates `__init__`
 * and the helpers it calls (ints and floats, lists and tuples, `for` over ranges and lists, `if` on known values,
 * attribute assignment, class attributes, `super().__init__(…)`, torchvision's ResNet/Bottleneck/BasicBlock as
 * bases, the torch.nn layers these networks use) to the module tree with exact parameters, then follows `forward()`
 * on a 1×3×H×W tensor's shape to the MACs of conv and linear layers. Nothing is executed: unknown values stay
 * unknown, and where the structure depends on one the interpreter stops with a reason (Stuck) rather than guess.
 * Bounded: a step budget and a call depth, so hostile code cannot hang it. Imports are read from workspace files
 * through a reader the caller gives (no file system access of its own).
 */
import type { SyntaxNode } from '@lezer/common';
import { parser } from '@lezer/python';
import * as path from 'node:path';
import { analyse, bindImport, lookup, numberOp, parseParams, Scope, type Analysis, type Binding } from '../values';
import { adaptivePool, broadcast, describe, flatten, LAYER_TYPES, layerAttribute, layerForward, makeLayer, ModuleObj, pool, Stuck, Tensor } from './modules';
import type { ForwardRecorder } from './trace';
import { TORCHVISION_FILE, TORCHVISION_MODULES, TORCHVISION_NAMES, TORCHVISION_RESNET_SOURCE } from './torchvision';

export { Stuck } from './modules';

/** Where imports are looked for: files inside `root`, read by `read` (undefined when there is no such file). */
export interface Workspace {
  readonly root: string;
  read(file: string): string | undefined;
}

export interface FileCtx {
  readonly path: string;
  readonly source: string;
  readonly analysis: Analysis;
  readonly starts: readonly number[];
}

export function fileCtx(file: string, source: string, analysis?: Analysis, lineStarts?: readonly number[]): FileCtx {
  let starts = lineStarts;
  if (!starts) {
    const s = [0];
    for (let i = 0; i < source.length; i++) if (source.charCodeAt(i) === 10) s.push(i + 1);
    starts = s;
  }
  return { path: file, source, analysis: analysis ?? analyse(source, parser.parse(source)), starts };
}

export function lineAt(file: FileCtx, offset: number): number {
  let lo = 0;
  let hi = file.starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (file.starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/** A value the interpreter does not know. `opaque`: the result of calling something it cannot read (could be a module). */
export class Unknown {
  constructor(
    readonly why: string,
    readonly opaque = false,
  ) {}
  describe(): string {
    return `unknown (${this.why})`;
  }
}

/** A dotted name the interpreter knows only by name (torch.nn.Conv2d, math.floor, an unresolved import). */
export class QName {
  constructor(readonly q: string) {}
  describe(): string {
    return this.q;
  }
}

export class PyClass {
  private body: Map<string, unknown> | undefined;
  private basesCache: unknown[] | undefined;
  readonly methods = new Map<string, SyntaxNode>();
  constructor(
    readonly name: string,
    readonly file: FileCtx,
    readonly node: SyntaxNode,
    private readonly interp: Interpreter,
  ) {
    const body = node.getChild('Body');
    for (let s = body?.firstChild; s; s = s.nextSibling) {
      const def = s.name === 'DecoratedStatement' ? s.getChild('FunctionDefinition') : s.name === 'FunctionDefinition' ? s : null;
      const n = def?.getChild('VariableName');
      if (def && n) this.methods.set(file.source.slice(n.from, n.to), def);
    }
  }
  describe(): string {
    return `class ${this.name}`;
  }
  bases(): unknown[] {
    if (this.basesCache) return this.basesCache;
    const args = this.node.getChild('ArgList');
    const out: unknown[] = [];
    const frame = new Frame(this.file, undefined, this.interp.moduleScope(this.file), this.node.from);
    for (let c = args?.firstChild; c; c = c.nextSibling) {
      if (c.name === '(' || c.name === ')' || c.name === ',') continue;
      if (c.nextSibling?.name === 'AssignOp') break; // metaclass=…
      out.push(this.interp.expr(c, frame));
    }
    return (this.basesCache = out);
  }
  /** Class attributes: the class body's assignments, in order (`expansion = 4`). */
  attrs(): Map<string, unknown> {
    if (this.body) return this.body;
    this.body = new Map();
    const frame = new Frame(this.file, undefined, this.interp.moduleScope(this.file), this.node.from);
    frame.locals = this.body;
    const body = this.node.getChild('Body');
    for (let s = body?.firstChild; s; s = s.nextSibling) if (s.name === 'AssignStatement') this.interp.statement(s, frame);
    return this.body;
  }
  /** Method resolution order, depth first over the bases (what single inheritance and simple mixins need). */
  mro(): unknown[] {
    const out: unknown[] = [this];
    for (const b of this.bases()) {
      for (const x of b instanceof PyClass ? b.mro() : [b]) if (!out.includes(x)) out.push(x);
    }
    return out;
  }
}

export class PyFunction {
  constructor(
    readonly name: string,
    readonly file: FileCtx,
    readonly node: SyntaxNode,
    readonly closure: Frame | undefined,
    /** The class whose body defines it (for super()). */
    readonly owner: PyClass | undefined,
  ) {}
  describe(): string {
    return `function ${this.name}`;
  }
}

class Bound {
  constructor(
    readonly self: unknown,
    readonly fn: PyFunction,
  ) {}
  describe(): string {
    return `method ${this.fn.name}`;
  }
}

class Native {
  constructor(
    readonly name: string,
    readonly call: (a: Args) => unknown,
  ) {}
  describe(): string {
    return this.name;
  }
}

class PyDict {
  constructor(readonly map = new Map<unknown, unknown>()) {}
  describe(): string {
    return 'a dict';
  }
}

class PyModule {
  constructor(readonly file: FileCtx) {}
  describe(): string {
    return `module ${this.file.path}`;
  }
}

class SuperProxy {
  constructor(
    readonly self: unknown,
    readonly after: PyClass,
  ) {}
}

/** An instance of a class of the user's that is not an nn.Module. */
class PyObject {
  readonly attrs = new Map<string, unknown>();
  constructor(readonly cls: PyClass) {}
  describe(): string {
    return `a ${this.cls.name}`;
  }
}

export interface Args {
  readonly positional: readonly unknown[];
  readonly keywords: ReadonlyMap<string, unknown>;
}

export class Frame {
  locals = new Map<string, unknown>();
  constructor(
    readonly file: FileCtx,
    readonly parent: Frame | undefined,
    /** Where names not local are looked up (values.ts's scopes) and at which offset. */
    readonly scope: Scope,
    readonly pos: number,
    readonly fn?: PyFunction,
    readonly self?: unknown,
  ) {}
}

type Flow = { kind: 'return'; value: unknown } | { kind: 'break' } | { kind: 'continue' } | undefined;

const MODULE_BASES = new Set(['torch.nn.Module', 'torch.nn.modules.module.Module']);
const SEQUENTIAL_BASES = new Set(['torch.nn.Sequential', 'torch.nn.modules.container.Sequential']);
/** Names never looked for in the workspace: libraries, not the user's files. */
const LIBRARIES = /^(torch|torchvision|math|numpy|np|timm|collections|functools|typing|os|sys|re|json|copy|warnings|logging|itertools)(\.|$)/;
const MAX_DEPTH = 60;
export const STEP_BUDGET = 2_000_000;

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const text = (f: FileCtx, n: SyntaxNode): string => f.source.slice(n.from, n.to);

function kids(n: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = n.firstChild; c; c = c.nextSibling) if (c.name !== 'Comment') out.push(c);
  return out;
}

function torchName(q: string): string | undefined {
  const m = /^torch\.nn(?:\.modules(?:\.\w+)?)?\.(\w+)$/.exec(q);
  return m ? m[1] : undefined;
}

/**
 * What a reading depended on, to tell whether it still holds after an edit: a module-level name of a file (all its
 * bindings' text), a name looked up from the call site (the text of the binding found), an imported file (its text).
 */
export interface Dependency {
  readonly kind: 'module' | 'call' | 'file';
  readonly file: string;
  readonly name: string;
  readonly fp: string;
}

/** A binding by its text (positions left out: an edit elsewhere moves them). */
export function fingerprint(b: Binding | undefined, file: FileCtx): string {
  if (!b) return '-';
  switch (b.kind) {
    case 'value':
      return `v${text(file, b.node)}`;
    case 'param':
      return `p${b.param.defaultNode ? text(file, b.param.defaultNode) : ''}`;
    case 'import':
      return `i${b.qualified}`;
    case 'class':
      return `c${text(file, b.info.node)}`;
    case 'function':
      return `f${text(file, b.node)}`;
    case 'unknown':
      return 'u';
  }
}

/** Every module-level binding of a name, by text: a reading from inside a function sees the last one. */
export function moduleFingerprint(file: FileCtx, name: string): string {
  const list = file.analysis.module.bindings.get(name) ?? [];
  const star = file.analysis.module.starImports.join(',');
  return `${star}\u0001${list.map((b) => fingerprint(b, file)).join('\u0001')}`;
}

/** The reading was stopped because its scan became stale (not a Stuck: nothing is wrong with the code). */
export class Cancelled extends Error {
  override readonly name = 'Cancelled';
}

/** The operators' names as torch.fx names their nodes. */
const BINARY_OPS: Readonly<Record<string, string>> = { '+': 'add', '-': 'sub', '*': 'mul', '/': 'truediv' };

export class Interpreter {
  private steps = 0;
  private depth = 0;
  private readonly files: Map<string, FileCtx | null>;
  private readonly classes = new Map<string, PyClass>();
  private readonly bindingValues = new Map<string, unknown>();
  private torchvision: FileCtx | undefined;
  mode: 'init' | 'forward' = 'init';
  macs = 0;
  /** Set while a summary or graph is read: what forward() calls (trace.ts); never in a scan. */
  recorder: ForwardRecorder | undefined;
  /** What the readings so far depended on (all of them: cached values are shared between readings). */
  readonly deps = new Map<string, Dependency>();

  constructor(
    private readonly workspace?: Workspace,
    private readonly budget = STEP_BUDGET,
    /** Polled every 4,096 steps; true stops the reading (the caller's scan is stale). */
    private readonly shouldStop?: () => boolean,
    /** Imported files already read and parsed (shared by the interpreters of one scan). */
    files?: Map<string, FileCtx | null>,
  ) {
    this.files = files ?? new Map();
  }

  /** A file the interpreter read (an import, torchvision's definitions), by path. */
  fileByPath(p: string): FileCtx | undefined {
    if (p === TORCHVISION_FILE) return this.torchvisionFile();
    return this.files.get(p) ?? undefined;
  }

  moduleScope(file: FileCtx): Scope {
    return file.analysis.module;
  }

  private step(): void {
    if ((this.steps & 4095) === 0 && this.shouldStop?.()) throw new Cancelled();
    if (++this.steps > this.budget) throw new Stuck(`the code takes more than ${this.budget.toLocaleString('en-US')} steps to read; stopped there`);
  }

  // ---- classes and calls --------------------------------------------------------------------------------------

  classOf(file: FileCtx, node: SyntaxNode): PyClass {
    const key = `${file.path}:${node.from}`;
    let c = this.classes.get(key);
    if (!c) {
      const n = node.getChild('VariableName');
      this.classes.set(key, (c = new PyClass(n ? text(file, n) : '?', file, node, this)));
    }
    return c;
  }

  /** Builds `cls(*args, **kwargs)`: the module tree of an nn.Module class. */
  instantiate(cls: PyClass, a: Args): unknown {
    const mro = cls.mro();
    const isModule = mro.some((b) => b instanceof QName && (MODULE_BASES.has(b.q) || SEQUENTIAL_BASES.has(b.q)));
    const self: ModuleObj | PyObject = isModule ? new ModuleObj(cls.name, 0, undefined, cls) : new PyObject(cls);
    for (const b of mro) {
      if (b instanceof QName && !MODULE_BASES.has(b.q) && !SEQUENTIAL_BASES.has(b.q) && b.q !== 'object')
        throw new Stuck(`${cls.name}'s base class ${b.q} is not one the interpreter can read`);
      if (b instanceof Unknown) throw new Stuck(`${cls.name}'s base class is ${b.describe()}`);
    }
    const init = this.findAttr(mro, '__init__', self);
    if (init !== undefined) this.call(init, a);
    else if (a.positional.length > 0 || a.keywords.size > 0) {
      if (!(self instanceof ModuleObj && mro.some((b) => b instanceof QName && SEQUENTIAL_BASES.has(b.q)))) throw new Stuck(`${cls.name}() takes no arguments`);
      this.sequentialInit(self, a);
    }
    return self;
  }

  /** An attribute from a class's MRO (from `start` on): a method bound to `self`, or a class attribute. */
  private findAttr(mro: readonly unknown[], name: string, self: unknown): unknown {
    for (const c of mro) {
      if (!(c instanceof PyClass)) {
        if (c instanceof QName && SEQUENTIAL_BASES.has(c.q) && name === '__init__' && self instanceof ModuleObj)
          return new Native('nn.Sequential.__init__', (a) => this.sequentialInit(self, a));
        continue;
      }
      const m = c.methods.get(name);
      if (m) {
        const fn = new PyFunction(name, c.file, m, undefined, c);
        const deco = m.parent?.name === 'DecoratedStatement' ? text(c.file, m.parent.getChild('Decorator')!) : '';
        if (/staticmethod/.test(deco)) return fn;
        if (/classmethod/.test(deco)) return new Bound(c, fn);
        if (/property/.test(deco)) return this.call(new Bound(self, fn), { positional: [], keywords: new Map() });
        return self === undefined ? fn : new Bound(self, fn);
      }
      const attrs = c.attrs();
      if (attrs.has(name)) return attrs.get(name);
    }
    return undefined;
  }

  private sequentialInit(self: ModuleObj, a: Args): null {
    const items = a.positional.length === 1 && a.positional[0] instanceof PyDict ? [...a.positional[0].map] : a.positional.map((v, i) => [String(i), v]);
    for (const [k, v] of items) {
      if (!(v instanceof ModuleObj)) throw new Stuck(`nn.Sequential is given ${describe(v)}, not a module`);
      self.children.set(String(k), v);
    }
    return null;
  }

  call(fn: unknown, a: Args): unknown {
    this.step();
    if (fn instanceof Native) return fn.call(a);
    if (fn instanceof PyClass) return this.instantiate(fn, a);
    if (fn instanceof Bound) return this.invoke(fn.fn, [fn.self, ...a.positional], a.keywords, fn.self);
    if (fn instanceof PyFunction) return this.invoke(fn, a.positional, a.keywords, undefined);
    if (fn instanceof ModuleObj) return this.callModule(fn, a);
    if (fn instanceof QName) return this.callName(fn.q, a);
    if (fn instanceof Unknown) {
      if (fn.opaque || this.mode === 'forward') throw new Stuck(`${fn.why}(…) is not followed`);
      return fn;
    }
    throw new Stuck(`${describe(fn)} is called, which is not a function`);
  }

  private invoke(fn: PyFunction, positional: readonly unknown[], keywords: ReadonlyMap<string, unknown>, self: unknown): unknown {
    if (++this.depth > MAX_DEPTH) throw new Stuck(`calls nest more than ${MAX_DEPTH} deep (recursion?); stopped`);
    try {
      const f = fn.file;
      const frame = new Frame(f, fn.closure, this.moduleScope(f), Infinity, fn, self);
      const params = parseParams(f.source, fn.node.getChild('ParamList')!);
      const defaults = new Frame(f, fn.closure, this.moduleScope(f), fn.node.from);
      let i = 0;
      const used = new Set<string>();
      for (const p of params) {
        if (p.star === '*') {
          frame.locals.set(p.name, positional.slice(i));
          i = positional.length;
        } else if (p.star === '**') {
          frame.locals.set(p.name, new PyDict(new Map([...keywords].filter(([k]) => !used.has(k)))));
        } else if (i < positional.length) {
          frame.locals.set(p.name, positional[i++]);
        } else if (keywords.has(p.name)) {
          frame.locals.set(p.name, keywords.get(p.name));
          used.add(p.name);
        } else if (p.defaultNode) {
          frame.locals.set(p.name, this.expr(p.defaultNode, defaults));
        } else throw new Stuck(`${fn.name}() is called without its argument ${p.name}`);
      }
      if (i < positional.length) throw new Stuck(`${fn.name}() is given ${positional.length} positional arguments, more than it takes`);
      for (const k of keywords.keys()) if (!params.some((p) => p.name === k || p.star === '**')) throw new Stuck(`${fn.name}() has no argument ${k}=`);
      // A lambda's body is an expression.
      if (fn.node.name === 'LambdaExpression') return this.expr(fn.node.lastChild!, frame);
      const body = fn.node.getChild('Body');
      if (!body) return null;
      const flow = this.block(body, frame);
      return flow?.kind === 'return' ? flow.value : null;
    } finally {
      this.depth--;
    }
  }

  private callModule(m: ModuleObj, a: Args): unknown {
    if (this.mode !== 'forward') throw new Stuck(`a ${m.type} is called in __init__, which runs its forward()`);
    const cls = m.pyClass instanceof PyClass ? m.pyClass : undefined;
    const forward = cls ? this.findAttr(cls.mro(), 'forward', m) : undefined;
    const x = a.positional[0];
    const sequential = m.type === 'Sequential' || (cls && cls.mro().some((b) => b instanceof QName && SEQUENTIAL_BASES.has(b.q)));
    const r = this.recorder;
    if (r && (forward !== undefined || sequential) && m.children.size === 0 && m !== r.root) {
      // A module without children is a leaf to PyTorch's hooks (an empty Sequential shortcut, a small class of the
      // user's): one row, whatever its forward() does inside.
      this.recorder = undefined;
      const before = this.macs;
      try {
        const y = forward !== undefined ? this.call(forward, a) : x;
        if (!(y instanceof Tensor)) return y;
        return r.leaf(m, x, y, this.macs - before);
      } finally {
        this.recorder = r;
      }
    }
    if (forward !== undefined || sequential) {
      const entered = this.recorder?.enter(m) ?? false;
      let y: unknown = x;
      if (forward !== undefined) y = this.call(forward, a);
      else for (const c of m.children.values()) y = this.callModule(c, { positional: [y], keywords: new Map() });
      if (entered) this.recorder!.exit(y);
      return y;
    }
    if (m.layer) {
      if (a.positional.length !== 1) throw new Stuck(`nn.${m.type} is called with ${a.positional.length} arguments`);
      const { y, macs } = layerForward(m, x);
      this.macs += macs;
      return this.recorder ? this.recorder.leaf(m, x, y, macs) : y;
    }
    throw new Stuck(`a ${m.type} is called, which has no forward()`);
  }

  /** Calls of names known only by their qualified name: torch.nn layers, torch and F functions, math. */
  private callName(q: string, a: Args): unknown {
    const layer = torchName(q);
    const [x] = a.positional;
    if (layer !== undefined && LAYER_TYPES.has(layer)) {
      if (layer === 'Sequential') {
        const m = new ModuleObj('Sequential', 0, { type: 'Sequential', args: {} });
        this.sequentialInit(m, a);
        return m;
      }
      if (layer === 'ModuleList') {
        const m = new ModuleObj('ModuleList', 0, { type: 'ModuleList', args: {} });
        const items = x === undefined ? [] : this.iterate(x);
        items.forEach((v, i) => {
          if (!(v instanceof ModuleObj)) throw new Stuck(`nn.ModuleList is given ${describe(v)}, not a module`);
          m.children.set(String(i), v);
        });
        return m;
      }
      return makeLayer(layer, a);
    }
    if (layer === 'Module') return new ModuleObj('Module');
    if (q.startsWith('torch.nn.init.')) return null;
    const kw = (name: string, i: number, fallback: unknown): unknown =>
      a.keywords.has(name) ? a.keywords.get(name) : i < a.positional.length ? a.positional[i] : fallback;
    const num = (v: unknown): number => {
      if (typeof v === 'number') return v;
      if (typeof v === 'boolean') return v ? 1 : 0;
      throw new Stuck(`${q}() is given ${describe(v)}, not a number`);
    };
    switch (q) {
      case 'math.floor':
        return Math.floor(num(x));
      case 'math.ceil':
        return Math.ceil(num(x));
      case 'math.sqrt':
        return Math.sqrt(num(x));
      case 'math.log2':
        return Math.log2(num(x));
      case 'math.log':
        return a.positional.length > 1 ? Math.log(num(x)) / Math.log(num(a.positional[1])) : Math.log(num(x));
      case 'math.pow':
        return num(x) ** num(a.positional[1]);
      case 'collections.OrderedDict':
        return new PyDict(new Map(x === undefined ? [] : this.iterate(x).map((p) => this.iterate(p) as [unknown, unknown])));
    }
    const fn = /^(?:torch\.nn\.functional|torch)\.(\w+)$/.exec(q)?.[1];
    if (fn !== undefined && this.mode === 'forward') {
      const y = this.tensorFunction(fn, q, x, a, kw);
      return this.recorder ? this.recorder.op(fn, [...a.positional, ...a.keywords.values()], y) : y;
    }
    if (this.mode === 'forward') throw new Stuck(`${q}(…) is not followed`);
    return new Unknown(`${q}(…) is not read`, true);
  }

  private tensorFunction(fn: string, q: string, x: unknown, a: Args, kw: (name: string, i: number, fallback: unknown) => unknown): unknown {
    const tensor = (v: unknown): Tensor => {
      if (v instanceof Tensor) return v;
      throw new Stuck(`${q}() is given ${describe(v)}, not a tensor`);
    };
    switch (fn) {
      case 'relu':
      case 'relu_':
      case 'relu6':
      case 'sigmoid':
      case 'silu':
      case 'gelu':
      case 'tanh':
      case 'leaky_relu':
      case 'hardswish':
      case 'hardsigmoid':
      case 'elu':
      case 'dropout':
      case 'dropout2d':
      case 'softmax':
      case 'log_softmax':
        return tensor(x);
      case 'avg_pool2d':
        return pool(q, x, kw('kernel_size', 1, undefined), kw('stride', 2, null), kw('padding', 3, 0), 1, Boolean(kw('ceil_mode', 4, false)));
      case 'max_pool2d':
        return pool(
          q,
          x,
          kw('kernel_size', 1, undefined),
          kw('stride', 2, null),
          kw('padding', 3, 0),
          kw('dilation', 4, 1),
          Boolean(kw('ceil_mode', 5, false)),
        );
      case 'adaptive_avg_pool2d':
      case 'adaptive_max_pool2d':
        return adaptivePool(q, x, kw('output_size', 1, undefined));
      case 'flatten':
        return flatten(tensor(x), this.intArg(kw('start_dim', 1, 0), 'start_dim'), this.intArg(kw('end_dim', 2, -1), 'end_dim'));
      case 'add':
        return this.binary('+', x, a.positional[1]);
      case 'mul':
        return this.binary('*', x, a.positional[1]);
      case 'mean':
        return this.reduce(tensor(x), kw('dim', 1, null), Boolean(kw('keepdim', 2, false)));
      case 'cat':
      case 'concat': {
        const parts = this.iterate(x).map(tensor);
        const dim = this.intArg(kw('dim', 1, 0), 'dim');
        const first = parts[0];
        if (!first) throw new Stuck(`${q}() of nothing`);
        const d = dim < 0 ? first.shape.length + dim : dim;
        const shape = [...first.shape];
        shape[d] = parts.reduce((n, p) => n + (p.shape[d] ?? 0), 0);
        return new Tensor(shape);
      }
    }
    throw new Stuck(`${q}() is not followed by the interpreter`);
  }

  private intArg(v: unknown, what: string): number {
    if (isInt(v)) return v;
    throw new Stuck(`${what} is ${describe(v)}, not a known int`);
  }

  private reduce(x: Tensor, dim: unknown, keep: boolean): Tensor {
    if (dim === null) return new Tensor([]);
    const dims = (Array.isArray(dim) ? dim : [dim]).map((d) => {
      const i = this.intArg(d, 'dim');
      return i < 0 ? x.shape.length + i : i;
    });
    return new Tensor(keep ? x.shape.map((n, i) => (dims.includes(i) ? 1 : n)) : x.shape.filter((_, i) => !dims.includes(i)));
  }

  // ---- statements ---------------------------------------------------------------------------------------------

  block(body: SyntaxNode, frame: Frame): Flow {
    for (const s of kids(body)) {
      if (s.name === ':') continue;
      const flow = this.statement(s, frame);
      if (flow) return flow;
    }
    return undefined;
  }

  statement(s: SyntaxNode, frame: Frame): Flow {
    this.step();
    try {
      return this.statementInner(s, frame);
    } catch (error) {
      if (error instanceof Stuck && !error.at) throw new Stuck(error.message, { file: frame.file.path, offset: s.from });
      throw error;
    }
  }

  private statementInner(s: SyntaxNode, frame: Frame): Flow {
    const f = frame.file;
    switch (s.name) {
      case 'ExpressionStatement': {
        const [e] = kids(s);
        if (e) this.expr(e, frame);
        return undefined;
      }
      case 'AssignStatement':
        this.assignStatement(s, frame);
        return undefined;
      case 'UpdateStatement': {
        const [target, op, value] = kids(s);
        if (!target || !op || !value) throw new Stuck(`${text(f, s)} is not understood`);
        const o = text(f, op).slice(0, -1);
        this.assign(target, this.binary(o, this.expr(target, frame), this.expr(value, frame)), frame);
        return undefined;
      }
      case 'ReturnStatement': {
        const [, e] = kids(s);
        return { kind: 'return', value: e ? this.expr(e, frame) : null };
      }
      case 'PassStatement':
      case 'AssertStatement':
      case 'Decorator':
        return undefined;
      case 'BreakStatement':
        return { kind: 'break' };
      case 'ContinueStatement':
        return { kind: 'continue' };
      case 'RaiseStatement':
        throw new Stuck(`the code raises here: ${text(f, s).slice(0, 120)}`);
      case 'IfStatement': {
        const parts = kids(s);
        for (let i = 0; i < parts.length; i++) {
          const p = parts[i]!;
          if (p.name === 'if' || p.name === 'elif') {
            const cond = parts[i + 1]!;
            const body = parts[i + 2]!;
            if (this.truthy(this.expr(cond, frame), cond, f)) return this.block(body, frame);
            i += 2;
          } else if (p.name === 'else') return this.block(parts[i + 1]!, frame);
        }
        return undefined;
      }
      case 'ForStatement': {
        const parts = kids(s);
        const inAt = parts.findIndex((p) => p.name === 'in');
        const targets = parts.slice(1, inAt).filter((p) => p.name !== ',');
        const iterable = parts[inAt + 1]!;
        const body = parts.find((p) => p.name === 'Body')!;
        for (const item of this.iterate(this.expr(iterable, frame), iterable, f)) {
          this.step();
          if (targets.length === 1) this.assign(targets[0]!, item, frame);
          else this.unpack(targets, item, frame);
          const flow = this.block(body, frame);
          if (flow?.kind === 'break') break;
          if (flow?.kind === 'return') return flow;
        }
        return undefined;
      }
      case 'WhileStatement': {
        const parts = kids(s);
        const cond = parts[1]!;
        const body = parts.find((p) => p.name === 'Body')!;
        while (this.truthy(this.expr(cond, frame), cond, f)) {
          this.step();
          const flow = this.block(body, frame);
          if (flow?.kind === 'break') break;
          if (flow?.kind === 'return') return flow;
        }
        return undefined;
      }
      case 'FunctionDefinition': {
        const n = s.getChild('VariableName');
        if (n) frame.locals.set(text(f, n), new PyFunction(text(f, n), f, s, frame, undefined));
        return undefined;
      }
      case 'DecoratedStatement': {
        const def = s.getChild('FunctionDefinition');
        if (def) return this.statement(def, frame);
        return undefined;
      }
      case 'ImportStatement': {
        const scope = new Scope('function', undefined, 0);
        bindImport(f.source, s, scope);
        for (const [name, list] of scope.bindings) frame.locals.set(name, this.binding(list[list.length - 1]!, f, name));
        return undefined;
      }
      case 'ClassDefinition': {
        const n = s.getChild('VariableName');
        if (n) frame.locals.set(text(f, n), this.classOf(f, s));
        return undefined;
      }
      default:
        throw new Stuck(`${text(f, s).split('\n')[0]!.slice(0, 80)}: a statement the interpreter does not follow`);
    }
  }

  private assignStatement(s: SyntaxNode, frame: Frame): void {
    const parts = kids(s).filter((p) => p.name !== 'TypeDef');
    const ops = parts.map((p, i) => (p.name === 'AssignOp' ? i : -1)).filter((i) => i >= 0);
    if (ops.length === 0) return; // an annotation alone
    const last = ops[ops.length - 1]!;
    const valueParts = parts.slice(last + 1).filter((p) => p.name !== ',');
    const value = valueParts.length === 1 ? this.expr(valueParts[0]!, frame) : valueParts.map((p) => this.expr(p, frame));
    let start = 0;
    for (const op of ops) {
      const targets = parts.slice(start, op).filter((p) => p.name !== ',');
      start = op + 1;
      if (targets.length === 1) this.assign(targets[0]!, value, frame);
      else this.unpack(targets, value, frame);
    }
  }

  private unpack(targets: readonly SyntaxNode[], value: unknown, frame: Frame): void {
    const items = this.iterate(value);
    if (items.length !== targets.length) throw new Stuck(`${targets.length} names are assigned ${items.length} values`);
    targets.forEach((t, i) => this.assign(t, items[i], frame));
  }

  assign(target: SyntaxNode, value: unknown, frame: Frame): void {
    const f = frame.file;
    switch (target.name) {
      case 'VariableName':
        frame.locals.set(text(f, target), value);
        return;
      case 'TupleExpression':
      case 'ArrayExpression':
      case 'ParenthesizedExpression':
        this.unpack(
          kids(target).filter((c) => !['(', ')', '[', ']', ','].includes(c.name)),
          value,
          frame,
        );
        return;
      case 'MemberExpression': {
        const [object, punct, prop] = kids(target);
        const obj = this.expr(object!, frame);
        if (punct?.name === '.') return this.setAttr(obj, text(f, prop!), value);
        const index = this.expr(prop!, frame);
        if (Array.isArray(obj) && isInt(index)) {
          obj[index < 0 ? obj.length + index : index] = value;
          return;
        }
        if (obj instanceof PyDict) {
          obj.map.set(index, value);
          return;
        }
        if (obj instanceof Unknown) return;
        throw new Stuck(`${text(f, target)} = …: the item assignment is not followed`);
      }
    }
    throw new Stuck(`${text(f, target)} = …: the assignment target is not followed`);
  }

  private setAttr(obj: unknown, name: string, value: unknown): void {
    if (obj instanceof ModuleObj) {
      if (value instanceof Unknown && value.opaque) throw new Stuck(`self.${name} is set to ${value.describe()}, which may be a module`);
      if (value instanceof ModuleObj) {
        obj.attrs.delete(name);
        obj.children.set(name, value);
      } else {
        obj.children.delete(name);
        obj.attrs.set(name, value);
      }
      return;
    }
    if (obj instanceof PyObject) return void obj.attrs.set(name, value);
    if (obj instanceof Unknown) return;
    throw new Stuck(`an attribute of ${describe(obj)} is set, which is not followed`);
  }

  // ---- expressions --------------------------------------------------------------------------------------------

  truthy(v: unknown, node: SyntaxNode, f: FileCtx): boolean {
    if (v === null || v === false || v === 0 || v === '') return false;
    if (typeof v === 'number' || typeof v === 'string' || v === true) return true;
    if (Array.isArray(v)) return v.length > 0;
    if (v instanceof PyDict) return v.map.size > 0;
    if (v instanceof ModuleObj || v instanceof PyClass || v instanceof PyFunction || v instanceof QName || v instanceof PyObject) return true;
    throw new Stuck(`the condition ${text(f, node).slice(0, 80)} is ${describe(v)}`);
  }

  iterate(v: unknown, node?: SyntaxNode, f?: FileCtx): unknown[] {
    if (Array.isArray(v)) return [...(v as unknown[])];
    if (typeof v === 'string') return [...v];
    if (v instanceof PyDict) return [...v.map.keys()];
    if (v instanceof ModuleObj && (v.type === 'Sequential' || v.type === 'ModuleList' || v.children.size > 0)) return [...v.children.values()];
    if (v instanceof Tensor) {
      const [n, ...rest] = v.shape;
      return Array.from({ length: n ?? 0 }, () => new Tensor(rest));
    }
    throw new Stuck(`${node && f ? text(f, node).slice(0, 80) : 'a value'} is ${describe(v)}, not a known sequence`);
  }

  /** `self.x`, `obj.attr`, `nn.Conv2d`: attribute reads. */
  attr(obj: unknown, name: string): unknown {
    if (obj instanceof QName) return this.qualified(`${obj.q}.${name}`);
    if (obj instanceof SuperProxy) {
      const mro = (obj.self instanceof ModuleObj && obj.self.pyClass instanceof PyClass ? obj.self.pyClass : obj.after).mro();
      const v = this.findAttr(mro.slice(mro.indexOf(obj.after) + 1), name, obj.self);
      if (v !== undefined) return v;
      if (name === '__init__') return new Native('object.__init__', () => null);
      throw new Stuck(`super().${name} is not found in ${obj.after.name}'s bases`);
    }
    if (obj instanceof ModuleObj) {
      const child = obj.children.get(name);
      if (child) return child;
      if (obj.attrs.has(name)) return obj.attrs.get(name);
      const cls = obj.pyClass instanceof PyClass ? obj.pyClass : undefined;
      const found = cls ? this.findAttr(cls.mro(), name, obj) : undefined;
      if (found !== undefined) return found;
      const la = layerAttribute(obj, name);
      if (la !== undefined) return la;
      return this.moduleMethod(obj, name);
    }
    if (obj instanceof PyObject) {
      if (obj.attrs.has(name)) return obj.attrs.get(name);
      const v = this.findAttr(obj.cls.mro(), name, obj);
      if (v !== undefined) return v;
      return new Unknown(`${obj.cls.name}.${name}`);
    }
    if (obj instanceof PyClass) {
      const v = this.findAttr(obj.mro(), name, undefined);
      if (v !== undefined) return v;
      throw new Stuck(`${obj.name}.${name} is not defined`);
    }
    if (obj instanceof PyModule) return this.moduleName(obj.file, name);
    if (obj instanceof Tensor) {
      const v = this.tensorAttr(obj, name);
      const r = this.recorder;
      return r && v instanceof Native ? new Native(v.name, (a) => r.op(name, [obj, ...a.positional], v.call(a))) : v;
    }
    if (Array.isArray(obj)) {
      const list = obj as unknown[];
      if (name === 'append') return new Native('list.append', (a) => (list.push(a.positional[0]), null));
      if (name === 'extend') return new Native('list.extend', (a) => (list.push(...this.iterate(a.positional[0])), null));
      if (name === 'insert') return new Native('list.insert', (a) => (list.splice(this.intArg(a.positional[0], 'index'), 0, a.positional[1]), null));
      if (name === 'pop') return new Native('list.pop', (a) => list.splice(a.positional.length > 0 ? this.intArg(a.positional[0], 'index') : -1, 1)[0]);
      if (name === 'index') return new Native('list.index', (a) => list.indexOf(a.positional[0]));
    }
    if (obj instanceof PyDict) {
      if (name === 'get') return new Native('dict.get', (a) => (obj.map.has(a.positional[0]) ? obj.map.get(a.positional[0]) : (a.positional[1] ?? null)));
      if (name === 'items') return new Native('dict.items', () => [...obj.map].map(([k, v]) => [k, v]));
      if (name === 'keys') return new Native('dict.keys', () => [...obj.map.keys()]);
      if (name === 'values') return new Native('dict.values', () => [...obj.map.values()]);
    }
    if (typeof obj === 'string' && name === 'format') return new Unknown('str.format');
    if (obj instanceof Unknown) return obj;
    return new Unknown(`${describe(obj)}.${name}`);
  }

  private moduleMethod(m: ModuleObj, name: string): unknown {
    const none = new Native(name, () => null);
    const container = m.type === 'ModuleList' || m.type === 'Sequential';
    const put = (v: unknown): void => {
      if (!(v instanceof ModuleObj)) throw new Stuck(`nn.${m.type} is given ${describe(v)}, not a module`);
      let i = 0;
      while (m.children.has(String(i))) i++;
      m.children.set(String(i), v);
    };
    if (container && name === 'append') return new Native(name, (a) => (put(a.positional[0]), m));
    if (container && name === 'extend') return new Native(name, (a) => (this.iterate(a.positional[0]).forEach(put), m));
    switch (name) {
      case 'modules':
        return new Native('modules', () => m.modules());
      case 'children':
        return new Native('children', () => [...new Set(m.children.values())]);
      case 'named_modules':
        return new Native('named_modules', () => m.modules().map((x) => ['', x]));
      case 'named_children':
        return new Native('named_children', () => [...m.children].map(([k, v]) => [k, v]));
      case 'add_module':
      case 'register_module':
        return new Native(name, (a) => {
          const [key, value] = a.positional;
          if (typeof key !== 'string') throw new Stuck(`${name}(${describe(key)}, …): the name is not known`);
          this.setAttr(m, key, value);
          return null;
        });
      case 'apply':
      case 'to':
      case 'eval':
      case 'train':
      case 'cuda':
      case 'cpu':
      case 'float':
      case 'requires_grad_':
        return new Native(name, () => m);
      case 'register_buffer':
      case 'register_parameter':
        // A parameter registered by hand would be counted by PyTorch: not followed rather than left out.
        if (name === 'register_parameter') return new Native(name, () => this.fail('register_parameter(…) adds a parameter the interpreter does not count'));
        return none;
      case 'weight':
      case 'bias':
      case 'running_mean':
      case 'running_var':
        return new Unknown(`${m.type}.${name} (a tensor of parameters)`);
      case 'parameters':
      case 'named_parameters':
        return new Native(name, () => new Unknown('the parameters'));
      case 'training':
        return false;
      case '__class__':
        return m.pyClass ?? new QName(`torch.nn.${m.type}`);
    }
    // Not an attribute the interpreter knows: calling it could change the module tree, so it is opaque.
    return new Unknown(`${m.type}.${name}`, true);
  }

  private fail(message: string): never {
    throw new Stuck(message);
  }

  private tensorAttr(x: Tensor, name: string): unknown {
    const dims = (a: Args): unknown[] => (a.positional.length === 1 && Array.isArray(a.positional[0]) ? (a.positional[0] as unknown[]) : [...a.positional]);
    switch (name) {
      case 'shape':
        return [...x.shape];
      case 'size':
        return new Native('size', (a) => {
          if (a.positional.length === 0) return [...x.shape];
          const i = this.intArg(a.positional[0], 'dim');
          return x.shape[i < 0 ? x.shape.length + i : i];
        });
      case 'dim':
        return new Native('dim', () => x.shape.length);
      case 'view':
      case 'reshape':
        return new Native(name, (a) => {
          const want = dims(a).map((d) => this.intArg(d, `${name}() size`));
          const total = x.shape.reduce((p, n) => p * n, 1);
          const known = want.filter((d) => d !== -1).reduce((p, n) => p * n, 1);
          const shape = want.map((d) => (d === -1 ? total / known : d));
          if (shape.reduce((p, n) => p * n, 1) !== total || !shape.every(isInt))
            throw new Stuck(`${x.toString()}.${name}(${want.join(', ')}): the sizes do not match (PyTorch raises here)`);
          return new Tensor(shape);
        });
      case 'flatten':
        return new Native(name, (a) =>
          flatten(
            x,
            a.positional.length > 0 ? this.intArg(a.positional[0], 'start_dim') : 0,
            a.positional.length > 1 ? this.intArg(a.positional[1], 'end_dim') : -1,
          ),
        );
      case 'mean':
      case 'sum':
      case 'amax':
        return new Native(name, (a) => this.reduce(x, a.keywords.get('dim') ?? (a.positional.length > 0 ? dims(a) : null), Boolean(a.keywords.get('keepdim'))));
      case 'squeeze':
        return new Native(name, (a) => {
          if (a.positional.length === 0) return new Tensor(x.shape.filter((n) => n !== 1));
          const i = this.intArg(a.positional[0], 'dim');
          const d = i < 0 ? x.shape.length + i : i;
          return x.shape[d] === 1 ? new Tensor(x.shape.filter((_, j) => j !== d)) : x;
        });
      case 'unsqueeze':
        return new Native(name, (a) => {
          const i = this.intArg(a.positional[0], 'dim');
          const d = i < 0 ? x.shape.length + 1 + i : i;
          return new Tensor([...x.shape.slice(0, d), 1, ...x.shape.slice(d)]);
        });
      case 'expand_as':
        return new Native(name, (a) => {
          const other = a.positional[0];
          if (!(other instanceof Tensor)) throw new Stuck(`expand_as(${describe(other)})`);
          return broadcast(x, other, 'expand_as');
        });
      case 'relu':
      case 'relu_':
      case 'sigmoid':
      case 'sigmoid_':
      case 'contiguous':
      case 'clone':
      case 'detach':
      case 'float':
      case 'to':
      case 'mul':
      case 'add':
      case 'add_':
      case 'mul_':
        return new Native(name, (a) =>
          a.positional.length > 0 && (name.startsWith('mul') || name.startsWith('add')) ? this.binary(name[0] === 'm' ? '*' : '+', x, a.positional[0]) : x,
        );
    }
    throw new Stuck(`tensor.${name} is not followed by the interpreter`);
  }

  /** A dotted name: torchvision's ResNet classes, workspace modules, else a name known only by its text. */
  qualified(q: string, from?: FileCtx): unknown {
    const parts = q.split('.');
    const last = parts[parts.length - 1]!;
    const module = parts.slice(0, -1).join('.');
    if (TORCHVISION_MODULES.includes(module) && TORCHVISION_NAMES.has(last)) return this.moduleName(this.torchvisionFile(), last);
    if (q.startsWith('.') && from) return this.relative(q, from);
    if (!LIBRARIES.test(q) && this.workspace && from) {
      const found = this.absolute(parts, from);
      if (found !== undefined) return found;
    }
    return new QName(q);
  }

  private torchvisionFile(): FileCtx {
    return (this.torchvision ??= fileCtx(TORCHVISION_FILE, TORCHVISION_RESNET_SOURCE));
  }

  /** `from .a.b import C` is ".a.b.C"; `from . import m` is "..m" (values.ts joins the dots and the names). */
  private relative(q: string, from: FileCtx): unknown {
    const dots = /^\.+/.exec(q)![0].length;
    const rest = q.slice(dots).split('.');
    const level = rest.length > 1 ? dots : dots - 1;
    let dir = path.dirname(from.path);
    for (let i = 1; i < level; i++) dir = path.dirname(dir);
    const value = this.fromFiles(dir, rest);
    if (value === undefined) throw new Stuck(`${q.replace(/\.(\w+)$/, ' import $1')}: no such file in the workspace`);
    return value;
  }

  private absolute(parts: readonly string[], from: FileCtx): unknown {
    for (const dir of [path.dirname(from.path), this.workspace!.root]) {
      const v = this.fromFiles(dir, parts);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  /** parts = module path + names: the longest module path that is a file under `dir`, then the names in it. */
  private fromFiles(dir: string, parts: readonly string[]): unknown {
    for (let i = parts.length; i >= 0; i--) {
      const modPath = parts.slice(0, i);
      const file = this.moduleFile(dir, modPath);
      if (!file) continue;
      let v: unknown = new PyModule(file);
      for (const name of parts.slice(i)) v = this.attr(v, name);
      return v;
    }
    return undefined;
  }

  private moduleFile(dir: string, modPath: readonly string[]): FileCtx | undefined {
    const base = path.join(dir, ...modPath);
    for (const candidate of modPath.length === 0 ? [path.join(base, '__init__.py')] : [`${base}.py`, path.join(base, '__init__.py')]) {
      const f = this.load(candidate);
      if (f) return f;
    }
    return undefined;
  }

  private load(file: string): FileCtx | undefined {
    if (!this.workspace) return undefined;
    const rel = path.relative(this.workspace.root, file);
    if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
    if (!this.files.has(file)) {
      const source = this.workspace.read(file);
      this.files.set(file, source === undefined ? null : fileCtx(file, source));
    }
    const f = this.files.get(file) ?? undefined;
    this.deps.set(`f\0${file}`, { kind: 'file', file, name: '', fp: f?.source ?? '\0none' });
    return f;
  }

  /** A module-level name of a file, as the module has it once it has run (its last binding). */
  private dependOnModuleName(file: FileCtx, name: string): void {
    const key = `m\0${file.path}\0${name}`;
    if (!this.deps.has(key)) this.deps.set(key, { kind: 'module', file: file.path, name, fp: moduleFingerprint(file, name) });
  }

  moduleName(file: FileCtx, name: string): unknown {
    this.dependOnModuleName(file, name);
    const b = lookup(name, file.analysis.module, Infinity);
    if (b) return this.binding(b, file, name);
    // `from pkg import submodule`
    if (path.basename(file.path) === '__init__.py') {
      const sub = this.moduleFile(path.dirname(file.path), [name]);
      if (sub) return new PyModule(sub);
    }
    throw new Stuck(`${name} is not defined in ${file.path}`);
  }

  private binding(b: Binding, file: FileCtx, name: string): unknown {
    switch (b.kind) {
      case 'value': {
        const key = `${file.path}:${b.node.from}`;
        if (this.bindingValues.has(key)) return this.bindingValues.get(key);
        this.bindingValues.set(key, new Unknown(`${name} refers to itself`));
        let v: unknown;
        try {
          v = this.expr(b.node, new Frame(file, undefined, b.scope, b.pos));
        } catch (error) {
          if (!(error instanceof Stuck)) throw error;
          v = new Unknown(`${name}: ${error.message}`);
        }
        this.bindingValues.set(key, v);
        return v;
      }
      case 'param':
        return b.param.defaultNode ? this.expr(b.param.defaultNode, new Frame(file, undefined, b.scope, b.pos)) : new Unknown(`the parameter ${name}`);
      case 'import':
        return this.qualified(b.qualified, file);
      case 'class':
        return this.classOf(file, b.info.node);
      case 'function': {
        const n = b.node.getChild('VariableName');
        return new PyFunction(n ? text(file, n) : name, file, b.node, undefined, undefined);
      }
      case 'unknown':
        return new Unknown(`${name} is not a constant`);
    }
  }

  private name(id: string, frame: Frame, node: SyntaxNode): unknown {
    for (let f: Frame | undefined = frame; f; f = f.parent) if (f.locals.has(id)) return f.locals.get(id);
    let root = frame;
    while (root.parent) root = root.parent;
    const b = lookup(id, root.scope, root.pos === Infinity ? Infinity : Math.min(root.pos, node.from));
    if (root.scope === frame.file.analysis.module) this.dependOnModuleName(frame.file, id);
    else {
      const fp = fingerprint(b, frame.file);
      this.deps.set(`c\0${id}\0${fp}`, { kind: 'call', file: frame.file.path, name: id, fp });
    }
    if (b) return this.binding(b, frame.file, id);
    return this.builtin(id, frame);
  }

  private builtin(id: string, frame: Frame): unknown {
    const nat = (fn: (a: Args) => unknown): Native => new Native(id, fn);
    const num = (v: unknown): number => {
      if (typeof v === 'number') return v;
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (typeof v === 'string' && id !== 'len' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
      throw new Stuck(`${id}() is given ${describe(v)}`);
    };
    switch (id) {
      case 'range':
        return nat((a) => {
          const n = a.positional.map((v) => this.intArg(v, 'range()'));
          const [start, stop, stepBy] = n.length === 1 ? [0, n[0]!, 1] : [n[0]!, n[1]!, n[2] ?? 1];
          if (stepBy === 0) throw new Stuck('range() step is 0');
          const out: number[] = [];
          for (let i = start; stepBy > 0 ? i < stop : i > stop; i += stepBy) {
            this.step();
            out.push(i);
          }
          return out;
        });
      case 'len':
        return nat((a) => {
          const v = a.positional[0];
          if (v instanceof Unknown) return v;
          return this.iterate(v).length;
        });
      case 'int':
        return nat((a) => (a.positional.length === 0 ? 0 : Math.trunc(num(a.positional[0]))));
      case 'float':
        return nat((a) => (a.positional.length === 0 ? 0 : num(a.positional[0])));
      case 'round':
        return nat((a) => {
          const x = num(a.positional[0]);
          const r = Math.round(x);
          // Python rounds halves to even.
          return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
        });
      case 'abs':
        return nat((a) => Math.abs(num(a.positional[0])));
      case 'max':
      case 'min':
        return nat((a) => {
          const items = (a.positional.length === 1 ? this.iterate(a.positional[0]) : [...a.positional]).map(num);
          return id === 'max' ? Math.max(...items) : Math.min(...items);
        });
      case 'sum':
        return nat((a) =>
          this.iterate(a.positional[0])
            .map(num)
            .reduce((p, n) => p + n, 0),
        );
      case 'list':
      case 'tuple':
        return nat((a) => (a.positional.length === 0 ? [] : this.iterate(a.positional[0])));
      case 'dict':
        return nat((a) => new PyDict(new Map(a.keywords)));
      case 'enumerate':
        return nat((a) => this.iterate(a.positional[0]).map((v, i) => [i + ((a.positional[1] as number | undefined) ?? 0), v]));
      case 'zip':
        return nat((a) => {
          const lists = a.positional.map((v) => this.iterate(v));
          const n = Math.min(...lists.map((l) => l.length));
          return Array.from({ length: n }, (_, i) => lists.map((l) => l[i]));
        });
      case 'reversed':
        return nat((a) => this.iterate(a.positional[0]).reverse());
      case 'str':
        return nat((a) => (typeof a.positional[0] === 'number' || typeof a.positional[0] === 'string' ? String(a.positional[0]) : new Unknown('str()')));
      case 'bool':
        return nat((a) =>
          a.positional.length === 0 ? false : this.truthy(a.positional[0], frame.fn?.node ?? (frame.file.analysis.module as never), frame.file),
        );
      case 'isinstance':
        return nat((a) => this.isInstance(a.positional[0], a.positional[1]));
      case 'hasattr':
        return nat((a) => {
          const v = this.attr(a.positional[0], String(a.positional[1]));
          return !(v instanceof Unknown);
        });
      case 'getattr':
        return nat((a) => {
          if (typeof a.positional[1] !== 'string') throw new Stuck(`getattr(…, ${describe(a.positional[1])})`);
          const v = this.attr(a.positional[0], a.positional[1]);
          return v instanceof Unknown && a.positional.length > 2 ? a.positional[2] : v;
        });
      case 'setattr':
        return nat((a) => {
          if (typeof a.positional[1] !== 'string') throw new Stuck(`setattr(…, ${describe(a.positional[1])}, …): the name is not known`);
          this.setAttr(a.positional[0], a.positional[1], a.positional[2]);
          return null;
        });
      case 'print':
        return nat(() => null);
      case 'super':
        return nat((a) => {
          const self = a.positional[1] ?? frame.self;
          const cls = a.positional[0] instanceof PyClass ? a.positional[0] : (frame.fn?.owner ?? this.enclosingOwner(frame));
          if (!cls) throw new Stuck('super() outside a method');
          return new SuperProxy(self, cls);
        });
      case 'object':
        return new QName('object');
      case 'NotImplementedError':
      case 'ValueError':
      case 'TypeError':
      case 'Exception':
        return new QName(id);
    }
    return new Unknown(`${id} is not defined here`, true);
  }

  private enclosingOwner(frame: Frame): PyClass | undefined {
    for (let f: Frame | undefined = frame; f; f = f.parent) if (f.fn?.owner) return f.fn.owner;
    return undefined;
  }

  private isInstance(v: unknown, cls: unknown): boolean | Unknown {
    if (Array.isArray(cls)) {
      const results = cls.map((c) => this.isInstance(v, c));
      return results.some((r) => r === true) ? true : results.some((r) => r instanceof Unknown) ? new Unknown('isinstance') : false;
    }
    if (v instanceof ModuleObj) {
      if (cls instanceof PyClass) return v.pyClass instanceof PyClass && v.pyClass.mro().includes(cls);
      if (cls instanceof QName) {
        const t = torchName(cls.q);
        if (t === 'Module') return true;
        if (t !== undefined) return v.type === t && !(v.pyClass instanceof PyClass);
      }
      return new Unknown('isinstance');
    }
    if (cls instanceof QName && ['int', 'float', 'str', 'list', 'tuple', 'bool'].includes(cls.q)) {
      const t = cls.q;
      return t === 'int'
        ? isInt(v)
        : t === 'float'
          ? typeof v === 'number'
          : t === 'str'
            ? typeof v === 'string'
            : t === 'bool'
              ? typeof v === 'boolean'
              : Array.isArray(v);
    }
    return new Unknown('isinstance');
  }

  args(argList: SyntaxNode, frame: Frame): Args {
    const positional: unknown[] = [];
    const keywords = new Map<string, unknown>();
    const parts = kids(argList).filter((c) => c.name !== '(' && c.name !== ')');
    let group: SyntaxNode[] = [];
    const flush = (): void => {
      if (group.length === 0) return;
      const [a, b, c] = group;
      if (a!.name === '*') positional.push(...this.iterate(this.expr(b!, frame), b, frame.file));
      else if (a!.name === '**') {
        const d = this.expr(b!, frame);
        if (!(d instanceof PyDict)) throw new Stuck(`**${text(frame.file, b!)} is ${describe(d)}`);
        for (const [k, v] of d.map) keywords.set(String(k), v);
      } else if (b?.name === 'AssignOp' && c) keywords.set(text(frame.file, a!), this.expr(c, frame));
      else if (group.length === 1) positional.push(this.expr(a!, frame));
      else throw new Stuck(`the argument ${text(frame.file, a!)}… is not followed`);
      group = [];
    };
    for (const c of parts) {
      if (c.name === ',') flush();
      else group.push(c);
    }
    flush();
    return { positional, keywords };
  }

  expr(node: SyntaxNode, frame: Frame): unknown {
    this.step();
    const f = frame.file;
    switch (node.name) {
      case 'Number': {
        const t = text(f, node).replace(/_/g, '').toLowerCase();
        if (t.endsWith('j')) return new Unknown('a complex number');
        return Number(t);
      }
      case 'String': {
        const m = /^([a-zA-Z]*)('''|"""|'|")([\s\S]*)\2$/.exec(text(f, node));
        if (!m || /[bf]/i.test(m[1]!)) return new Unknown('a string');
        return /r/i.test(m[1]!) ? m[3]! : m[3]!.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t' })[c] ?? c);
      }
      case 'FormatString':
        return this.formatString(node, frame);
      case 'Boolean':
        return text(f, node) === 'True';
      case 'None':
        return null;
      case 'Ellipsis':
        return new Unknown('...');
      case 'VariableName':
        return this.name(text(f, node), frame, node);
      case 'self':
        return this.name('self', frame, node);
      case 'ParenthesizedExpression': {
        const inner = kids(node).filter((c) => c.name !== '(' && c.name !== ')');
        return inner.length === 1 ? this.expr(inner[0]!, frame) : new Unknown('a generator');
      }
      case 'TupleExpression':
      case 'ArrayExpression': {
        const out: unknown[] = [];
        let star = false;
        for (const c of kids(node)) {
          if (['(', ')', '[', ']', ','].includes(c.name)) continue;
          if (c.name === '*') star = true;
          else if (star) {
            out.push(...this.iterate(this.expr(c, frame), c, f));
            star = false;
          } else out.push(this.expr(c, frame));
        }
        return out;
      }
      case 'ArrayComprehensionExpression':
        return this.comprehension(node, frame);
      case 'DictionaryExpression': {
        const d = new PyDict();
        const parts = kids(node).filter((c) => c.name !== '{' && c.name !== '}');
        for (let i = 0; i < parts.length; i++) {
          const p = parts[i]!;
          if (p.name === ',') continue;
          if (p.name === '**') {
            const v = this.expr(parts[++i]!, frame);
            if (v instanceof PyDict) for (const [k, x] of v.map) d.map.set(k, x);
            continue;
          }
          if (parts[i + 1]?.name !== ':') return new Unknown('a dict comprehension');
          d.map.set(this.expr(p, frame), this.expr(parts[i + 2]!, frame));
          i += 2;
        }
        return d;
      }
      case 'UnaryExpression': {
        const [op, operand] = kids(node);
        const v = this.expr(operand!, frame);
        const o = text(f, op!);
        if (o === 'not') return v instanceof Unknown ? v : !this.truthy(v, operand!, f);
        if (typeof v === 'boolean' || typeof v === 'number') return o === '-' ? -Number(v) : o === '+' ? Number(v) : ~Number(v);
        if (v instanceof Tensor) return v;
        return v instanceof Unknown ? v : new Unknown(`${o}${describe(v)}`);
      }
      case 'BinaryExpression': {
        const all = kids(node);
        const left = all[0];
        const right = all[all.length - 1];
        const o = all
          .slice(1, -1)
          .map((c) => text(f, c))
          .join(' ');
        const a = this.expr(left!, frame);
        if (o === 'and') return a instanceof Unknown ? a : !this.truthy(a, left!, f) ? a : this.expr(right!, frame);
        if (o === 'or') return a instanceof Unknown ? a : this.truthy(a, left!, f) ? a : this.expr(right!, frame);
        return this.binary(o, a, this.expr(right!, frame));
      }
      case 'ConditionalExpression': {
        const [yes, , cond, , no] = kids(node);
        return this.truthy(this.expr(cond!, frame), cond!, f) ? this.expr(yes!, frame) : this.expr(no!, frame);
      }
      case 'MemberExpression': {
        const [object, punct, prop] = kids(node);
        const obj = this.expr(object!, frame);
        if (punct?.name === '.') return this.attr(obj, text(f, prop!));
        return this.subscript(obj, node, frame);
      }
      case 'CallExpression': {
        const [callee, argList] = kids(node);
        const fn = this.expr(callee!, frame);
        return this.call(fn, this.args(argList!, frame));
      }
      case 'LambdaExpression':
        return new PyFunction('<lambda>', f, node, frame, undefined);
    }
    return new Unknown(`${text(f, node).slice(0, 40)}`);
  }

  private formatString(node: SyntaxNode, frame: Frame): unknown {
    const f = frame.file;
    const raw = text(f, node);
    const m = /^([a-zA-Z]*)('''|"""|'|")/.exec(raw);
    if (!m) return new Unknown('an f-string');
    let out = '';
    let pos = node.from + m[0].length;
    const end = node.to - m[2]!.length;
    for (const r of kids(node)) {
      if (r.name !== 'FormatReplacement') continue;
      out += f.source.slice(pos, r.from);
      const inner = kids(r).filter((c) => c.name !== '{' && c.name !== '}');
      if (inner.length !== 1) return new Unknown('an f-string with a format');
      const v = this.expr(inner[0]!, frame);
      if (typeof v !== 'number' && typeof v !== 'string') return new Unknown('an f-string');
      out += String(v);
      pos = r.to;
    }
    return out + f.source.slice(pos, end);
  }

  private comprehension(node: SyntaxNode, frame: Frame): unknown {
    const parts = kids(node).filter((c) => c.name !== '[' && c.name !== ']');
    const forAt = parts.findIndex((p) => p.name === 'for');
    const inAt = parts.findIndex((p) => p.name === 'in');
    if (forAt !== 1 || inAt < 0 || parts.filter((p) => p.name === 'for').length > 1) return new Unknown('a nested comprehension');
    const targets = parts.slice(forAt + 1, inAt).filter((p) => p.name !== ',');
    const iterable = parts[inAt + 1]!;
    const ifAt = parts.findIndex((p, i) => i > inAt && p.name === 'if');
    const inner = new Frame(frame.file, frame, frame.scope, frame.pos, frame.fn, frame.self);
    const out: unknown[] = [];
    for (const item of this.iterate(this.expr(iterable, frame), iterable, frame.file)) {
      this.step();
      if (targets.length === 1) this.assign(targets[0]!, item, inner);
      else this.unpack(targets, item, inner);
      if (ifAt >= 0 && !this.truthy(this.expr(parts[ifAt + 1]!, inner), parts[ifAt + 1]!, frame.file)) continue;
      out.push(this.expr(parts[0]!, inner));
    }
    return out;
  }

  private subscript(obj: unknown, node: SyntaxNode, frame: Frame): unknown {
    const f = frame.file;
    const inside = kids(node).slice(2, -1);
    if (inside.some((c) => c.name === ':')) {
      // a[i:j:k] on a list or tuple
      const bounds: (number | undefined)[] = [undefined, undefined, undefined];
      let slot = 0;
      for (const c of inside) {
        if (c.name === ':') slot++;
        else if (c.name === ',') return obj instanceof Tensor ? new Unknown('a tensor slice') : new Unknown('a multi-dimensional slice');
        else bounds[slot] = this.intArg(this.expr(c, frame), 'a slice bound');
      }
      if (!Array.isArray(obj)) return obj instanceof Unknown ? obj : new Unknown(`a slice of ${describe(obj)}`);
      const [s, e, st] = bounds;
      if (st !== undefined && st !== 1) {
        const list = obj as unknown[];
        const out: unknown[] = [];
        const n = list.length;
        const norm = (i: number): number => (i < 0 ? n + i : i);
        if (st > 0) for (let i = s === undefined ? 0 : norm(s); i < (e === undefined ? n : norm(e)); i += st) out.push(list[i]);
        else for (let i = s === undefined ? n - 1 : norm(s); i > (e === undefined ? -1 : norm(e)); i += st) out.push(list[i]);
        return out;
      }
      return (obj as unknown[]).slice(s, e);
    }
    if (inside.length !== 1) return new Unknown('a multi-dimensional index');
    const index = this.expr(inside[0]!, frame);
    if (Array.isArray(obj)) {
      if (!isInt(index)) return new Unknown(`${text(f, node)}`);
      const v = obj[index < 0 ? obj.length + index : index];
      if (v === undefined && !(index < obj.length && index >= -obj.length))
        throw new Stuck(`${text(f, node)}: index ${index} is out of range (PyTorch raises here)`);
      return v;
    }
    if (obj instanceof PyDict) return obj.map.has(index) ? obj.map.get(index) : new Unknown(`${text(f, node)}`);
    if (typeof obj === 'string' && isInt(index)) return obj[index < 0 ? obj.length + index : index];
    if (obj instanceof ModuleObj && isInt(index)) {
      const list = [...obj.children.values()];
      const v = list[index < 0 ? list.length + index : index];
      if (!v) throw new Stuck(`${text(f, node)}: index ${index} is out of range`);
      return v;
    }
    if (obj instanceof Unknown) return obj;
    return new Unknown(`${text(f, node)}`);
  }

  binary(o: string, a: unknown, b: unknown): unknown {
    if ((a instanceof Tensor || b instanceof Tensor) && this.recorder) {
      const r = this.recorder;
      this.recorder = undefined;
      try {
        return r.op(BINARY_OPS[o] ?? o, [a, b], this.binary(o, a, b));
      } finally {
        this.recorder = r;
      }
    }
    if (a instanceof Tensor || b instanceof Tensor) {
      if (['+', '-', '*', '/'].includes(o)) {
        if (a instanceof Tensor && b instanceof Tensor) return broadcast(a, b, o);
        const t = (a instanceof Tensor ? a : b) as Tensor;
        const other = a instanceof Tensor ? b : a;
        if (typeof other === 'number') return t;
        throw new Stuck(`a tensor ${o} ${describe(other)} is not followed`);
      }
      throw new Stuck(`the operator ${o} on tensors is not followed`);
    }
    if (a instanceof Unknown) return a;
    if (b instanceof Unknown) return b;
    switch (o) {
      case '==':
        return this.equal(a, b);
      case '!=':
        return !this.equal(a, b);
      case 'is':
        return a === b || (a === null && b === null);
      case 'is not':
        return !(a === b || (a === null && b === null));
      case 'in':
        return this.iterate(b).some((x) => this.equal(x, a));
      case 'not in':
        return !this.iterate(b).some((x) => this.equal(x, a));
    }
    if (typeof a === 'boolean') a = a ? 1 : 0;
    if (typeof b === 'boolean') b = b ? 1 : 0;
    if (typeof a === 'number' && typeof b === 'number') {
      switch (o) {
        case '<':
          return a < b;
        case '>':
          return a > b;
        case '<=':
          return a <= b;
        case '>=':
          return a >= b;
      }
      const n = numberOp(o, a, b);
      if (n !== undefined) return n;
      if (b === 0 && ['/', '//', '%'].includes(o)) throw new Stuck('division by zero');
    }
    if (typeof a === 'string' && typeof b === 'string' && o === '+') return a + b;
    if (Array.isArray(a) && Array.isArray(b) && o === '+') return [...(a as unknown[]), ...(b as unknown[])];
    if (o === '*' && ((Array.isArray(a) && isInt(b)) || (isInt(a) && Array.isArray(b)))) {
      const list = (Array.isArray(a) ? a : b) as unknown[];
      const n = (isInt(a) ? a : b) as number;
      if (n * list.length > 1_000_000) throw new Stuck('a list of more than 1,000,000 items');
      return Array.from({ length: Math.max(0, n) }, () => list).flat();
    }
    if (typeof a === 'string' && o === '%') {
      // 'layer%d' % i: %d, %i and %s with known numbers and strings.
      const values = Array.isArray(b) ? [...(b as unknown[])] : [b];
      let ok = true;
      const out = a.replace(/%([dis%])/g, (_, c: string) => {
        if (c === '%') return '%';
        const v = values.shift();
        if (typeof v === 'number' && c !== 's') return String(Math.trunc(v));
        if (typeof v === 'number' || typeof v === 'string') return String(v);
        ok = false;
        return '';
      });
      return ok && values.length === 0 ? out : new Unknown('a formatted string');
    }
    throw new Stuck(`${describe(a)} ${o} ${describe(b)} is not followed`);
  }

  private equal(a: unknown, b: unknown): boolean {
    if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => this.equal(x, b[i]));
    if (a instanceof QName && b instanceof QName) return a.q === b.q;
    return a === b;
  }
}
