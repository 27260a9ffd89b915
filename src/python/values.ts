/**
 * Scopes, bindings and constant values of a Python syntax tree (lezer's), as far as they can be known without
 * running anything: literals, names bound to literals in the same function or module, default parameter values,
 * and the dotted names that imports bind. Anything else is "unknown" (undefined), never a guess.
 */
import type { SyntaxNode, Tree } from '@lezer/common';

/** A reference to something that is not a constant: an imported name or a class, by its qualified dotted name. */
export class Ref {
  constructor(readonly qualified: string) {}
}

/** A Python constant as far as the scanner understands one. `undefined` means unknown. */
export type Value = number | string | boolean | null | Ref | readonly (Value | undefined)[];

export interface ClassInfo {
  readonly name: string;
  readonly node: SyntaxNode;
  /** The scope the class statement is in (where its base classes and __init__ defaults are evaluated). */
  readonly scope: Scope;
  readonly bases: readonly SyntaxNode[];
  /** __init__'s parameters without `self`, or undefined when the class body defines no __init__. */
  readonly initParams?: readonly Param[];
}

export interface Param {
  readonly name: string;
  /** `*args` / `**kwargs`. */
  readonly star: '' | '*' | '**';
  readonly defaultNode?: SyntaxNode;
}

export type Binding =
  | { readonly kind: 'value'; readonly pos: number; readonly node: SyntaxNode; readonly scope: Scope }
  | { readonly kind: 'param'; readonly pos: number; readonly param: Param; readonly scope: Scope }
  | { readonly kind: 'import'; readonly pos: number; readonly qualified: string }
  | { readonly kind: 'class'; readonly pos: number; readonly info: ClassInfo }
  | { readonly kind: 'function'; readonly pos: number; readonly node: SyntaxNode }
  | { readonly kind: 'unknown'; readonly pos: number };

export class Scope {
  readonly bindings = new Map<string, Binding[]>();
  /** Modules imported with `from M import *` in this scope. */
  readonly starImports: string[] = [];
  constructor(
    readonly kind: 'module' | 'function' | 'class',
    readonly parent: Scope | undefined,
    /** Offset where the scope's statement starts (its `def`/`class`). */
    readonly pos: number,
  ) {}

  bind(name: string, binding: Binding): void {
    const list = this.bindings.get(name);
    if (list) list.push(binding);
    else this.bindings.set(name, [binding]);
  }
}

export interface CallSite {
  readonly node: SyntaxNode;
  readonly scope: Scope;
}

export interface Analysis {
  readonly source: string;
  readonly module: Scope;
  /** Every call outside strings and f-strings, in source order. */
  readonly calls: readonly CallSite[];
}

const text = (source: string, node: SyntaxNode): string => source.slice(node.from, node.to);

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

/** `def f(self, a, b=1, *args, c: int = 2, **kw)` → parameters with their default expressions. */
export function parseParams(source: string, paramList: SyntaxNode): Param[] {
  const params: Param[] = [];
  let star: Param['star'] = '';
  let current: { name: string; star: Param['star']; defaultNode?: SyntaxNode } | undefined;
  let expectDefault = false;
  for (const c of children(paramList)) {
    if (c.name === '*' || c.name === '**') {
      star = c.name;
    } else if (c.name === ',' || c.name === ')') {
      if (current) params.push(current);
      current = undefined;
      star = '';
      expectDefault = false;
    } else if (c.name === 'AssignOp') {
      expectDefault = true;
    } else if (expectDefault && current) {
      current.defaultNode = c;
      expectDefault = false;
    } else if (c.name === 'VariableName' && !current) {
      current = { name: text(source, c), star };
    }
  }
  if (current) params.push(current);
  return params;
}

/** Dotted name of an import's module path: `torchvision . models` → "torchvision.models" (relative: leading dots). */
function dotted(source: string, nodes: readonly SyntaxNode[]): string {
  return nodes.map((n) => text(source, n)).join('');
}

export function bindImport(source: string, node: SyntaxNode, scope: Scope): void {
  const parts = children(node);
  const pos = node.from;
  if (parts[0]?.name === 'from') {
    const importIndex = parts.findIndex((p) => p.name === 'import');
    const module = dotted(source, parts.slice(1, importIndex));
    const rest = parts.slice(importIndex + 1).filter((p) => p.name !== '(' && p.name !== ')');
    for (let i = 0; i < rest.length; i++) {
      const p = rest[i]!;
      if (p.name === '*') scope.starImports.push(module);
      if (p.name !== 'VariableName') continue;
      const name = text(source, p);
      let alias = name;
      if (rest[i + 1]?.name === 'as' && rest[i + 2]) {
        alias = text(source, rest[i + 2]!);
        i += 2;
      }
      scope.bind(alias, { kind: 'import', pos, qualified: `${module}.${name}` });
    }
    return;
  }
  // import a.b.c [as x], d
  let path: SyntaxNode[] = [];
  const flush = (alias?: string): void => {
    if (path.length === 0) return;
    const full = dotted(source, path);
    if (alias !== undefined) scope.bind(alias, { kind: 'import', pos, qualified: full });
    else {
      const head = text(source, path[0]!);
      scope.bind(head, { kind: 'import', pos, qualified: head });
    }
    path = [];
  };
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.name === 'as' && parts[i + 1]) {
      flush(text(source, parts[i + 1]!));
      i++;
    } else if (p.name === ',') flush();
    else path.push(p);
  }
  flush();
}

/** Targets of an assignment (`a = b = value`, `a, b = 1, 2`), each with its value node when it has one of its own. */
function bindAssignment(source: string, node: SyntaxNode, scope: Scope): void {
  // Most assignments are `name = value`: bound without listing the statement's parts.
  const first = node.firstChild;
  if (first?.name === 'VariableName') {
    const op = first.nextSibling;
    const value = op?.name === 'AssignOp' ? op.nextSibling : null;
    if (value && value.name !== ',' && !value.nextSibling) {
      scope.bind(text(source, first), { kind: 'value', pos: node.from, node: value, scope });
      return;
    }
  }
  const parts = children(node);
  const ops = parts.map((p, i) => (p.name === 'AssignOp' ? i : -1)).filter((i) => i >= 0);
  if (ops.length === 0) return;
  const lastOp = ops[ops.length - 1]!;
  const valueParts = parts.slice(lastOp + 1).filter((p) => p.name !== ',');
  const single = valueParts.length === 1 ? valueParts[0] : undefined;
  let start = 0;
  for (const op of ops) {
    const targets = parts.slice(start, op).filter((p) => p.name !== ',' && p.name !== 'TypeDef');
    start = op + 1;
    const unpacked = targets.length > 1 || targets[0]?.name === 'TupleExpression' || targets[0]?.name === 'ArrayExpression';
    const names = targets.length === 1 && unpacked ? children(targets[0]!).filter((p) => p.name === 'VariableName') : targets;
    const values = unpacked
      ? valueParts.length > 1
        ? valueParts
        : single && (single.name === 'TupleExpression' || single.name === 'ArrayExpression')
          ? children(single).filter((c) => !isPunctuation(c))
          : []
      : [];
    names.forEach((t, i) => {
      if (t.name !== 'VariableName') return;
      const valueNode = unpacked ? (values.length === names.length ? values[i] : undefined) : single;
      scope.bind(text(source, t), valueNode ? { kind: 'value', pos: node.from, node: valueNode, scope } : { kind: 'unknown', pos: node.from });
    });
  }
}

const isPunctuation = (n: SyntaxNode): boolean => n.name === ',' || n.name === '(' || n.name === ')' || n.name === '[' || n.name === ']';

/** Names bound by `for x in`, `with … as x`, `x += 1`, `except E as x`, `x := …`: their value is not a constant. */
function bindUnknownTargets(source: string, node: SyntaxNode, scope: Scope): void {
  const parts = children(node);
  if (node.name === 'UpdateStatement' || node.name === 'AssignmentExpression') {
    if (parts[0]?.name === 'VariableName') scope.bind(text(source, parts[0]), { kind: 'unknown', pos: node.from });
    return;
  }
  // A for statement's targets are between `for` and its first `in`.
  const inAt = node.name === 'ForStatement' ? parts.findIndex((q) => q.name === 'in') : -1;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const isTarget = node.name === 'ForStatement' ? i > 0 && i < inAt : parts[i - 1]?.name === 'as';
    if (!isTarget) continue;
    const names = p.name === 'VariableName' ? [p] : children(p).filter((q) => q.name === 'VariableName');
    for (const n of names) scope.bind(text(source, n), { kind: 'unknown', pos: node.from });
  }
}

function classInfo(source: string, node: SyntaxNode, scope: Scope): ClassInfo {
  const parts = children(node);
  const name = text(
    source,
    parts.find((p) => p.name === 'VariableName')!,
  );
  const argList = parts.find((p) => p.name === 'ArgList');
  const bases = argList ? children(argList).filter((c) => !isPunctuation(c) && c.name !== 'AssignOp') : [];
  const body = parts.find((p) => p.name === 'Body');
  let initParams: Param[] | undefined;
  for (const stmt of body ? children(body) : []) {
    const def = stmt.name === 'DecoratedStatement' ? stmt.getChild('FunctionDefinition') : stmt.name === 'FunctionDefinition' ? stmt : null;
    if (!def) continue;
    const defName = def.getChild('VariableName');
    const paramList = def.getChild('ParamList');
    if (defName && paramList && text(source, defName) === '__init__') initParams = parseParams(source, paramList).slice(1);
  }
  return { name, node, scope, bases, ...(initParams ? { initParams } : {}) };
}

/** One pass over the tree: scopes and their bindings, and every call that is code (not inside a string). */
export function analyse(source: string, tree: Tree): Analysis {
  const module = new Scope('module', undefined, 0);
  const calls: CallSite[] = [];
  const stack: Scope[] = [module];
  const cursor = tree.cursor();
  // Ends of the scope-opening nodes (def, lambda, class), innermost last; a scope ends where its node ends.
  const openedTo: number[] = [];
  for (;;) {
    // Read the cursor's name and position; a node object is made only for the few kinds handled below.
    const from = cursor.from;
    while (openedTo.length > 0 && from >= openedTo[openedTo.length - 1]!) {
      openedTo.pop();
      stack.pop();
    }
    const scope = stack[stack.length - 1]!;
    let descend = true;
    switch (cursor.name) {
      case 'String':
      case 'FormatString':
      case 'Comment':
        descend = false;
        break;
      case 'ImportStatement':
        bindImport(source, cursor.node, scope);
        descend = false;
        break;
      case 'AssignStatement':
        bindAssignment(source, cursor.node, scope);
        break;
      case 'UpdateStatement':
      case 'ForStatement':
      case 'WithStatement':
      case 'TryStatement':
      case 'AssignmentExpression':
        bindUnknownTargets(source, cursor.node, scope);
        break;
      case 'FunctionDefinition':
      case 'LambdaExpression': {
        const node = cursor.node;
        const nameNode = node.name === 'FunctionDefinition' ? node.getChild('VariableName') : null;
        if (nameNode) scope.bind(text(source, nameNode), { kind: 'function', pos: node.from, node });
        const fn = new Scope('function', scope, node.from);
        const paramList = node.getChild('ParamList');
        if (paramList) for (const param of parseParams(source, paramList)) fn.bind(param.name, { kind: 'param', pos: node.from, param, scope });
        stack.push(fn);
        openedTo.push(node.to);
        break;
      }
      case 'ClassDefinition': {
        const node = cursor.node;
        const info = classInfo(source, node, scope);
        scope.bind(info.name, { kind: 'class', pos: node.from, info });
        stack.push(new Scope('class', scope, node.from));
        openedTo.push(node.to);
        break;
      }
      case 'CallExpression':
        calls.push({ node: cursor.node, scope });
        break;
    }
    if (descend && cursor.firstChild()) continue;
    while (!cursor.nextSibling()) {
      if (!cursor.parent()) return { source, module, calls };
    }
  }
}

/** The binding of `name` visible at `pos` from `scope` (Python's LEGB without builtins; class bodies are skipped from inside functions). */
export function lookup(name: string, scope: Scope, pos: number): Binding | undefined {
  let innermost = true;
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    if (!innermost && s.kind === 'class') continue;
    const list = s.bindings.get(name);
    if (list && list.length > 0) {
      // Bindings are recorded in source order: the last one at or before pos, by binary search (a name can be bound
      // 100,000 times in a generated file).
      const i = lastAtOrBefore(list, pos);
      if (i >= 0) return list[i];
      // Bound only later in the same function: unbound at this point. From an inner function, a module's names are
      // read when the function runs, usually after the whole module ran: its last binding.
      return innermost ? { kind: 'unknown', pos } : list[list.length - 1];
    }
    for (const module of s.starImports) if (name.length > 0) return { kind: 'import', pos: s.pos, qualified: `${module}.${name}` };
    innermost = false;
  }
  return undefined;
}

/**
 * Python's arithmetic on two numbers (`//` and `%` floor like Python's), or undefined for an operator it is not or a
 * division by zero. The scanner's constants and the interpreter share it.
 */
export function numberOp(o: string, a: number, b: number): number | undefined {
  switch (o) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return b === 0 ? undefined : a / b;
    case '//':
      return b === 0 ? undefined : Math.floor(a / b);
    case '%':
      return b === 0 ? undefined : a - b * Math.floor(a / b);
    case '**':
      return a ** b;
    case '&':
      return a & b;
    case '|':
      return a | b;
    case '<<':
      return a << b;
    case '>>':
      return a >> b;
  }
  return undefined;
}

/** Index of the last binding whose pos is ≤ pos in a list sorted by pos, or -1. */
function lastAtOrBefore(list: readonly Binding[], pos: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.pos <= pos) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

const MAX_DEPTH = 32;

function parseNumber(literal: string): number | undefined {
  const t = literal.replace(/_/g, '').toLowerCase();
  if (t.endsWith('j')) return undefined;
  if (/^0[box]/.test(t)) return Number(t);
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/** A string literal's value; f-strings and bytes are unknown. */
function parseString(literal: string): string | undefined {
  const match = /^([a-zA-Z]*)('''|"""|'|")/.exec(literal);
  if (!match) return undefined;
  const prefix = match[1]!.toLowerCase();
  if (prefix.includes('f') || prefix.includes('b')) return undefined;
  const quote = match[2]!;
  if (!literal.endsWith(quote) || literal.length < match[0].length + quote.length) return undefined;
  const body = literal.slice(match[0].length, literal.length - quote.length);
  if (prefix.includes('r') || !body.includes('\\')) return body;
  return body.replace(/\\(.)/gs, (_, c: string) => ({ n: '\n', t: '\t', '\\': '\\', "'": "'", '"': '"' })[c] ?? `\\${c}`);
}

export class Evaluator {
  constructor(readonly analysis: Analysis) {}

  text(node: SyntaxNode): string {
    return text(this.analysis.source, node);
  }

  /** The value of an expression in `scope` at `pos`, or undefined when it is not a constant the scanner can know. */
  value(node: SyntaxNode | undefined | null, scope: Scope, pos: number = node?.from ?? 0, depth = 0): Value | undefined {
    if (!node || depth > MAX_DEPTH) return undefined;
    switch (node.name) {
      case 'Number':
        return parseNumber(this.text(node));
      case 'String':
        return parseString(this.text(node));
      case 'Boolean':
        return this.text(node) === 'True';
      case 'None':
        return null;
      case 'ParenthesizedExpression': {
        const inner = children(node).filter((c) => !isPunctuation(c));
        return inner.length === 1 ? this.value(inner[0], scope, pos, depth + 1) : undefined;
      }
      case 'TupleExpression':
      case 'ArrayExpression': {
        // `(batch_size, *image_size)`: a starred item spreads a known tuple or list.
        const out: (Value | undefined)[] = [];
        let star = false;
        for (const c of children(node)) {
          if (isPunctuation(c)) continue;
          if (c.name === '*') star = true;
          else if (star) {
            const v = this.value(c, scope, pos, depth + 1);
            if (!Array.isArray(v)) return undefined;
            out.push(...(v as readonly (Value | undefined)[]));
            star = false;
          } else out.push(this.value(c, scope, pos, depth + 1));
        }
        return out;
      }
      case 'UnaryExpression': {
        const [op, operand] = children(node);
        const v = this.value(operand, scope, pos, depth + 1);
        if (typeof v !== 'number' || !op) return undefined;
        const o = this.text(op);
        return o === '-' ? -v : o === '+' ? v : undefined;
      }
      case 'BinaryExpression': {
        const [left, op, right] = children(node);
        if (!op) return undefined;
        const a = this.value(left, scope, pos, depth + 1);
        const b = this.value(right, scope, pos, depth + 1);
        const o = this.text(op);
        if (typeof a === 'string' && typeof b === 'string' && o === '+') return a + b;
        if (typeof a !== 'number' || typeof b !== 'number') return undefined;
        return o === '/' || o === '%' ? undefined : numberOp(o, a, b);
      }
      case 'VariableName': {
        const binding = lookup(this.text(node), scope, pos);
        if (!binding) return new Ref(this.text(node));
        switch (binding.kind) {
          case 'value':
            return this.value(binding.node, binding.scope, binding.pos, depth + 1);
          case 'param':
            return binding.param.defaultNode ? this.value(binding.param.defaultNode, binding.scope, binding.pos, depth + 1) : undefined;
          case 'import':
            return new Ref(binding.qualified);
          case 'class':
            return new Ref(binding.info.name);
          case 'function':
          case 'unknown':
            return undefined;
        }
        return undefined;
      }
      case 'MemberExpression': {
        const [object, punct, property, close] = children(node);
        if (punct?.name === '[') {
          // `image_size[1]`, `sizes[-1]`: a constant index into a known tuple or list.
          const seq = this.value(object, scope, pos, depth + 1);
          const index = close?.name === ']' ? this.value(property, scope, pos, depth + 1) : undefined;
          if (!Array.isArray(seq) || typeof index !== 'number' || !Number.isInteger(index)) return undefined;
          const list = seq as readonly (Value | undefined)[];
          return list[index < 0 ? list.length + index : index];
        }
        if (!object || property?.name !== 'PropertyName') return undefined;
        const base = this.value(object, scope, pos, depth + 1);
        return base instanceof Ref ? new Ref(`${base.qualified}.${this.text(property)}`) : undefined;
      }
      default:
        return undefined;
    }
  }

  /** The class statement a callee names, when it is a class defined in the scanned source. */
  classOf(node: SyntaxNode, scope: Scope): ClassInfo | undefined {
    if (node.name !== 'VariableName') return undefined;
    const binding = lookup(this.text(node), scope, node.from);
    return binding?.kind === 'class' ? binding.info : undefined;
  }

  /** Whether `name` is rebound in `scope` strictly between two offsets. */
  reboundBetween(name: string, scope: Scope, from: number, to: number): boolean {
    const list = scope.bindings.get(name) ?? [];
    const next = list[lastAtOrBefore(list, from) + 1];
    return next !== undefined && next.pos < to;
  }
}

export interface CallArgs {
  readonly positional: readonly SyntaxNode[];
  readonly keywords: ReadonlyMap<string, SyntaxNode>;
  /** `*args` or `**kwargs` present: arguments the scanner cannot see. */
  readonly spread: boolean;
}

export function callArgs(source: string, argList: SyntaxNode): CallArgs {
  const positional: SyntaxNode[] = [];
  const keywords = new Map<string, SyntaxNode>();
  let spread = false;
  let group: SyntaxNode[] = [];
  const flush = (): void => {
    if (group.length === 0) return;
    const first = group[0]!;
    if (first.name === '*' || first.name === '**') spread = true;
    else if (group.length >= 3 && group[1]!.name === 'AssignOp' && first.name === 'VariableName') keywords.set(text(source, first), group[2]!);
    else if (group.length === 1) positional.push(first);
    group = [];
  };
  for (const c of children(argList)) {
    if (c.name === '(' || c.name === ')' || c.name === ',') flush();
    else group.push(c);
  }
  flush();
  return { positional, keywords, spread };
}
