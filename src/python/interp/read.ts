/**
 * What the scanner asks of the interpreter: given a call that builds a class of the user's, the module tree with
 * exact params and, where forward() can be followed, the output shape and MACs of one 1×3×H×W forward pass; or why
 * not. Readings are memoised by the file's text, the call's arguments and the input size.
 */
import * as path from 'node:path';
import type { SyntaxNode } from '@lezer/common';
import type { Scope } from '../values';
import { Frame, Interpreter, lineAt, PyClass, QName, Stuck, type Args, type FileCtx, type Workspace } from './interp';
import { describe, ModuleObj, moduleTree, Tensor, type ModuleNode } from './modules';
import { TORCHVISION_FILE } from './torchvision';
import { ForwardRecorder, type TracedNode } from './trace';

export interface ClassReading {
  readonly className: string;
  /** Where the class is defined: its file (as the workspace names it) and 1-based line. */
  readonly defined: { readonly file: string; readonly line: number };
  readonly params: number;
  /** Conv and linear MACs of one forward pass, or null when forward() could not be followed (why says where). */
  readonly macs: number | null;
  readonly why?: string;
  readonly output?: readonly number[];
  readonly input: { readonly h: number; readonly w: number };
  readonly tree: ModuleNode;
  /** forward()'s calls, when asked for (summarize, graph): as far as forward() was followed. */
  readonly trace?: readonly TracedNode[];
}

/** The class a callee names, when it is one the interpreter can read (defined in the file or the workspace). */
export function classOfCallee(interp: Interpreter, file: FileCtx, callee: SyntaxNode, scope: Scope): PyClass | undefined {
  try {
    const v = interp.expr(callee, new Frame(file, undefined, scope, callee.from));
    return v instanceof PyClass && v.file.path !== TORCHVISION_FILE ? v : undefined;
  } catch (error) {
    if (error instanceof Stuck) return undefined;
    throw error;
  }
}

const GROUP_NAMES = /^(groups|cardinality|width_per_group|bottleneck_width|base_width)$/;

/** Whether a class is an nn.Module of the ResNet family: a name or base saying ResNet/ResNeXt, or a groups/width parameter. */
export function isResNetLike(interp: Interpreter, cls: PyClass): boolean {
  let mro: unknown[];
  try {
    mro = cls.mro();
  } catch (error) {
    if (error instanceof Stuck) return false;
    throw error;
  }
  if (!mro.some((b) => b instanceof QName && /^torch\.nn(\.modules\.\w+)?\.(Module|Sequential)$/.test(b.q))) return false;
  if (mro.some((b) => (b instanceof PyClass ? /resne/i.test(b.name) : false))) return true;
  for (const b of mro) {
    if (!(b instanceof PyClass)) continue;
    const init = b.methods.get('__init__');
    const params = init?.getChild('ParamList');
    if (params && params.getChildren('VariableName').some((n) => GROUP_NAMES.test(b.file.source.slice(n.from, n.to)))) return true;
  }
  void interp;
  return false;
}

/** Whether a call is inside the body of an nn.Module class (a block built by a network, not a network built by the user). */
export function insideModuleClass(interp: Interpreter, file: FileCtx, call: SyntaxNode): boolean {
  for (let p = call.parent; p; p = p.parent) {
    if (p.name !== 'ClassDefinition') continue;
    try {
      const cls = interp.classOf(file, p);
      if (cls.mro().some((b) => b instanceof QName && /^torch\.nn(\.modules\.\w+)?\.(Module|Sequential)$/.test(b.q))) return true;
    } catch (error) {
      if (!(error instanceof Stuck)) throw error;
    }
  }
  return false;
}

function where(error: Stuck, file: FileCtx, interpFile: (p: string) => FileCtx | undefined): string {
  if (!error.at) return error.message;
  const f = error.at.file === file.path ? file : interpFile(error.at.file);
  const line = f ? lineAt(f, error.at.offset) : undefined;
  const name = error.at.file === file.path ? '' : `${path.basename(error.at.file)} `;
  return line === undefined ? error.message : `${name}line ${line}: ${error.message}`;
}

/** The arguments of a call as the interpreter evaluates them where the call is. Throws Stuck. */
export function callArguments(interp: Interpreter, file: FileCtx, call: SyntaxNode, scope: Scope): Args {
  interp.mode = 'init';
  return interp.args(call.lastChild!, new Frame(file, undefined, scope, call.from));
}

/**
 * A key for the values of a call's arguments (numbers, strings, lists, classes by where they are defined), or
 * undefined when one of them is not such a value: calls with equal keys build equal modules.
 */
export function argumentsKey(a: Args): string | undefined {
  const plain = (v: unknown): unknown => {
    if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
    if (Array.isArray(v)) return v.map(plain);
    if (v instanceof PyClass) return { class: `${v.file.path}:${v.node.from}` };
    if (v instanceof QName) return { name: v.q };
    throw new Stuck('not a plain value');
  };
  try {
    return JSON.stringify([a.positional.map(plain), [...a.keywords].map(([k, v]) => [k, plain(v)])]);
  } catch (error) {
    if (error instanceof Stuck) return undefined;
    throw error;
  }
}

/**
 * Builds `cls(args…)` as written at `call` and follows its forward(). Throws Stuck (with where) when __init__ cannot
 * be read: then there is no count to show.
 */
export function readClass(
  interp: Interpreter,
  file: FileCtx,
  cls: PyClass,
  call: SyntaxNode,
  scope: Scope,
  input: { h: number; w: number },
  displayPath: (p: string) => string,
  args?: Args,
  /** Record forward()'s calls (the summary's rows, the graph's nodes). */
  trace = false,
): ClassReading {
  const files = (p: string): FileCtx | undefined => interp.fileByPath(p);
  let model: unknown;
  try {
    interp.mode = 'init';
    model = interp.instantiate(cls, args ?? callArguments(interp, file, call, scope));
  } catch (error) {
    if (error instanceof Stuck) throw new Stuck(`${cls.name}.__init__ ${where(error, file, files)}`);
    throw error;
  }
  if (!(model instanceof ModuleObj)) throw new Stuck(`${cls.name} is ${describe(model)}, not an nn.Module`);
  const params = model.params();
  const nameNode = cls.node.getChild('VariableName');
  const defined = { file: displayPath(cls.file.path), line: lineAt(cls.file, nameNode?.from ?? cls.node.from) };
  const base = { className: cls.name, defined, params, input, tree: moduleTree(model) };
  const x = new Tensor([1, 3, input.h, input.w]);
  const recorder = trace ? new ForwardRecorder(model, x) : undefined;
  const traced = recorder ? { trace: recorder.nodes } : {};
  try {
    interp.mode = 'forward';
    interp.macs = 0;
    interp.recorder = recorder;
    const y = interp.call(model, { positional: [x], keywords: new Map() });
    if (!(y instanceof Tensor)) return { ...base, ...traced, macs: null, why: `forward() returns ${describe(y)}, not a tensor` };
    recorder?.finish(y);
    return { ...base, ...traced, macs: interp.macs, output: y.shape };
  } catch (error) {
    if (!(error instanceof Stuck)) throw error;
    return { ...base, ...traced, macs: null, why: `forward() ${where(error, file, files)}` };
  } finally {
    interp.mode = 'init';
    interp.recorder = undefined;
  }
}

export type { Workspace };
