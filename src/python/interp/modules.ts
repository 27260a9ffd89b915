/**
 * The torch.nn objects the interpreter builds: a module tree (what `model.modules()` would list, with each module's
 * own parameter count) and the layers' arithmetic: constructor arguments → parameters, input shape → output shape and
 * MACs (Conv2d: Cout·Cin/groups·kh·kw·Hout·Wout, Linear: in·out; the rule the PyTorch forward hooks of the fixtures
 * use). Pure: no vscode, no TF.js, nothing executed.
 */

/** A Python error the interpreter stops on: what it could not follow, at which node (line given by the caller). */
export class Stuck extends Error {
  constructor(
    message: string,
    /** Offset in the file where it stopped, when known. */
    readonly at?: { readonly file: string; readonly offset: number },
  ) {
    super(message);
  }
}

/** A tensor in forward(): only its shape is known (batch 1). */
export class Tensor {
  constructor(readonly shape: readonly number[]) {}
  toString(): string {
    return `[${this.shape.join(', ')}]`;
  }
}

export interface LayerSpec {
  readonly type: string;
  /** Constructor arguments by torch's parameter names, as numbers, booleans, tuples or strings. */
  readonly args: Readonly<Record<string, unknown>>;
}

/** An nn.Module: a torch layer (leaf, with `layer`) or a container / class of the user's (children in registration order). */
export class ModuleObj {
  readonly children = new Map<string, ModuleObj>();
  readonly attrs = new Map<string, unknown>();
  constructor(
    /** The class name: "Conv2d", "Sequential", the user's class name. */
    readonly type: string,
    /** Parameters the module holds itself (not its children's). */
    public ownParams = 0,
    readonly layer?: LayerSpec,
    /** The user class (interp's PyClass) for modules of the user's code. */
    readonly pyClass?: unknown,
  ) {}

  /** Every module once, this one first, depth first (nn.Module.modules()). */
  modules(seen = new Set<ModuleObj>()): ModuleObj[] {
    if (seen.has(this)) return [];
    seen.add(this);
    const out: ModuleObj[] = [this];
    for (const c of this.children.values()) out.push(...c.modules(seen));
    return out;
  }

  /** sum(p.numel() for p in model.parameters()): shared modules counted once. */
  params(): number {
    return this.modules().reduce((n, m) => n + m.ownParams, 0);
  }
}

/** The module tree as JSON: what the summary and the scan's JSON show of an interpreted class. */
export interface ModuleNode {
  readonly name: string;
  readonly type: string;
  /** Parameters of this module and everything under it. */
  readonly params: number;
  readonly children?: readonly ModuleNode[];
}

export function moduleTree(m: ModuleObj, name = '', seen = new Set<ModuleObj>()): ModuleNode {
  seen.add(m);
  const children = [...m.children].filter(([, c]) => !seen.has(c)).map(([n, c]) => moduleTree(c, n, seen));
  const params = m.ownParams + children.reduce((n, c) => n + c.params, 0);
  return { name, type: m.type, params, ...(children.length > 0 ? { children } : {}) };
}

const pair = (v: unknown, what: string): [number, number] => {
  if (typeof v === 'number' && Number.isInteger(v)) return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isInteger(x))) return [v[0] as number, v[1] as number];
  throw new Stuck(`${what} is ${describe(v)}, not an int or a pair of ints`);
};

const int = (v: unknown, what: string): number => {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new Stuck(`${what} is ${describe(v)}, not a known int`);
};

const bool = (v: unknown, what: string): boolean => {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (v === null) return false;
  throw new Stuck(`${what} is ${describe(v)}, not a known bool`);
};

export function describe(v: unknown): string {
  if (v === undefined) return 'unknown';
  if (v === null) return 'None';
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `a sequence of ${v.length}`;
  if (v instanceof Tensor) return `a tensor ${v.toString()}`;
  if (v instanceof ModuleObj) return `a ${v.type}`;
  const d = (v as { describe?: () => string }).describe;
  return typeof d === 'function' ? d.call(v) : 'an object the interpreter does not know';
}

type Args = { positional: readonly unknown[]; keywords: ReadonlyMap<string, unknown> };

/** Binds constructor arguments to torch's parameter names, with defaults. */
function bind(type: string, names: readonly string[], defaults: Readonly<Record<string, unknown>>, a: Args): Record<string, unknown> {
  if (a.positional.length > names.length) throw new Stuck(`nn.${type} takes at most ${names.length} positional arguments, got ${a.positional.length}`);
  const out: Record<string, unknown> = { ...defaults };
  a.positional.forEach((v, i) => (out[names[i]!] = v));
  for (const [k, v] of a.keywords) {
    if (!names.includes(k)) throw new Stuck(`nn.${type} has no argument ${k}=`);
    out[k] = v;
  }
  for (const n of names) if (!(n in out)) throw new Stuck(`nn.${type} needs ${n}`);
  return out;
}

const SIGNATURES: Record<string, { names: string[]; defaults: Record<string, unknown> }> = {
  Conv2d: {
    names: ['in_channels', 'out_channels', 'kernel_size', 'stride', 'padding', 'dilation', 'groups', 'bias', 'padding_mode', 'device', 'dtype'],
    defaults: { stride: 1, padding: 0, dilation: 1, groups: 1, bias: true, padding_mode: 'zeros', device: null, dtype: null },
  },
  BatchNorm2d: {
    names: ['num_features', 'eps', 'momentum', 'affine', 'track_running_stats', 'device', 'dtype'],
    defaults: { eps: 1e-5, momentum: 0.1, affine: true, track_running_stats: true, device: null, dtype: null },
  },
  GroupNorm: { names: ['num_groups', 'num_channels', 'eps', 'affine', 'device', 'dtype'], defaults: { eps: 1e-5, affine: true, device: null, dtype: null } },
  Linear: { names: ['in_features', 'out_features', 'bias', 'device', 'dtype'], defaults: { bias: true, device: null, dtype: null } },
  MaxPool2d: {
    names: ['kernel_size', 'stride', 'padding', 'dilation', 'return_indices', 'ceil_mode'],
    defaults: { stride: null, padding: 0, dilation: 1, return_indices: false, ceil_mode: false },
  },
  AvgPool2d: {
    names: ['kernel_size', 'stride', 'padding', 'ceil_mode', 'count_include_pad', 'divisor_override'],
    defaults: { stride: null, padding: 0, ceil_mode: false, count_include_pad: true, divisor_override: null },
  },
  AdaptiveAvgPool2d: { names: ['output_size'], defaults: {} },
  AdaptiveMaxPool2d: { names: ['output_size', 'return_indices'], defaults: { return_indices: false } },
  Flatten: { names: ['start_dim', 'end_dim'], defaults: { start_dim: 1, end_dim: -1 } },
  Dropout: { names: ['p', 'inplace'], defaults: { p: 0.5, inplace: false } },
  Dropout2d: { names: ['p', 'inplace'], defaults: { p: 0.5, inplace: false } },
  ReLU: { names: ['inplace'], defaults: { inplace: false } },
  ReLU6: { names: ['inplace'], defaults: { inplace: false } },
  SiLU: { names: ['inplace'], defaults: { inplace: false } },
  Hardswish: { names: ['inplace'], defaults: { inplace: false } },
  LeakyReLU: { names: ['negative_slope', 'inplace'], defaults: { negative_slope: 0.01, inplace: false } },
  Sigmoid: { names: [], defaults: {} },
  Tanh: { names: [], defaults: {} },
  GELU: { names: ['approximate'], defaults: { approximate: 'none' } },
  Identity: { names: [], defaults: {} },
  Softmax: { names: ['dim'], defaults: { dim: null } },
};

/** The torch.nn classes the interpreter knows, by class name. */
export const LAYER_TYPES: ReadonlySet<string> = new Set([...Object.keys(SIGNATURES), 'Sequential', 'ModuleList']);

/** nn.<type>(…) → the module with its own parameters. Identity accepts and ignores any arguments, as torch's does. */
export function makeLayer(type: string, a: Args): ModuleObj {
  if (type === 'Identity') return new ModuleObj(type, 0, { type, args: {} });
  const sig = SIGNATURES[type];
  if (!sig) throw new Stuck(`nn.${type} is not a layer the interpreter knows`);
  const args = bind(type, sig.names, sig.defaults, a);
  let params = 0;
  switch (type) {
    case 'Conv2d': {
      const cin = int(args.in_channels, 'in_channels');
      const cout = int(args.out_channels, 'out_channels');
      const groups = int(args.groups, 'groups');
      const [kh, kw] = pair(args.kernel_size, 'kernel_size');
      pair(args.stride, 'stride');
      if (args.padding !== 'same' && args.padding !== 'valid') pair(args.padding, 'padding');
      pair(args.dilation, 'dilation');
      if (groups <= 0 || cin % groups !== 0 || cout % groups !== 0)
        throw new Stuck(`nn.Conv2d(${cin}, ${cout}, groups=${groups}): in_channels and out_channels must be divisible by groups (PyTorch raises here)`);
      params = cout * (cin / groups) * kh * kw + (bool(args.bias, 'bias') ? cout : 0);
      break;
    }
    case 'BatchNorm2d':
      params = bool(args.affine, 'affine') ? 2 * int(args.num_features, 'num_features') : (int(args.num_features, 'num_features'), 0);
      break;
    case 'GroupNorm': {
      const g = int(args.num_groups, 'num_groups');
      const c = int(args.num_channels, 'num_channels');
      if (g <= 0 || c % g !== 0) throw new Stuck(`nn.GroupNorm(${g}, ${c}): num_channels must be divisible by num_groups (PyTorch raises here)`);
      params = bool(args.affine, 'affine') ? 2 * c : 0;
      break;
    }
    case 'Linear': {
      const i = int(args.in_features, 'in_features');
      const o = int(args.out_features, 'out_features');
      params = i * o + (bool(args.bias, 'bias') ? o : 0);
      break;
    }
    case 'MaxPool2d':
    case 'AvgPool2d':
      pair(args.kernel_size, 'kernel_size');
      break;
  }
  return new ModuleObj(type, params, { type, args });
}

/** Attributes of a layer that code reads (`self.fc.in_features`, `conv.out_channels`, `conv.kernel_size`). */
export function layerAttribute(m: ModuleObj, name: string): unknown {
  const args = m.layer?.args;
  if (!args || !(name in args)) return undefined;
  const v = args[name];
  if (name === 'kernel_size' || name === 'stride' || name === 'dilation' || (name === 'padding' && typeof v === 'number')) return pair(v, name);
  return v;
}

const out = (size: number, k: number, s: number, p: number, d: number, ceil: boolean): number => {
  const n = (size + 2 * p - d * (k - 1) - 1) / s + 1;
  let o = ceil ? Math.ceil(n) : Math.floor(n);
  // PyTorch's pooling: with ceil_mode the last window must start inside the input or its left padding.
  if (ceil && (o - 1) * s >= size + p) o--;
  return o;
};

function image(x: unknown, type: string): [number, number, number, number] {
  if (!(x instanceof Tensor)) throw new Stuck(`${type} is called with ${describe(x)}, not a tensor`);
  if (x.shape.length !== 4) throw new Stuck(`${type} expects an N×C×H×W tensor, gets ${x.toString()}`);
  return x.shape as [number, number, number, number];
}

/** The output of a pooling window over an image tensor (MaxPool2d, AvgPool2d, F.max_pool2d, F.avg_pool2d). */
export function pool(type: string, x: unknown, kernel: unknown, stride: unknown, padding: unknown, dilation: unknown, ceil: boolean): Tensor {
  const [n, c, h, w] = image(x, type);
  const [kh, kw] = pair(kernel, 'kernel_size');
  const [sh, sw] = stride === null || stride === undefined || (Array.isArray(stride) && stride.length === 0) ? [kh, kw] : pair(stride, 'stride');
  const [ph, pw] = pair(padding, 'padding');
  const [dh, dw] = pair(dilation, 'dilation');
  const oh = out(h, kh, sh, ph, dh, ceil);
  const ow = out(w, kw, sw, pw, dw, ceil);
  if (oh <= 0 || ow <= 0) throw new Stuck(`${type} with kernel ${kh}×${kw} on a ${h}×${w} input gives an empty output (PyTorch raises here)`);
  return new Tensor([n, c, oh, ow]);
}

export function adaptivePool(type: string, x: unknown, size: unknown): Tensor {
  const [n, c, h, w] = image(x, type);
  const [oh, ow] = Array.isArray(size) && size.length === 2 ? [size[0] ?? h, size[1] ?? w] : pair(size, 'output_size');
  return new Tensor([n, c, int(oh, 'output_size'), int(ow, 'output_size')]);
}

export function flatten(x: unknown, start: number, end: number): Tensor {
  if (!(x instanceof Tensor)) throw new Stuck(`flatten is called with ${describe(x)}, not a tensor`);
  const r = x.shape.length;
  const s = start < 0 ? r + start : start;
  const e = end < 0 ? r + end : end;
  if (s < 0 || e >= r || s > e) return x;
  const merged = x.shape.slice(s, e + 1).reduce((a, b) => a * b, 1);
  return new Tensor([...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)]);
}

/** A layer's forward: its output and the MACs it adds (conv and linear only). */
export function layerForward(m: ModuleObj, x: unknown): { y: Tensor; macs: number } {
  const type = m.type;
  const args = m.layer?.args ?? {};
  switch (type) {
    case 'Conv2d': {
      const [n, c, h, w] = image(x, 'nn.Conv2d');
      const cin = args.in_channels as number;
      const cout = args.out_channels as number;
      if (c !== cin) throw new Stuck(`nn.Conv2d(${cin}, ${cout}, …) is given ${c} channels`);
      const [kh, kw] = pair(args.kernel_size, 'kernel_size');
      const [sh, sw] = pair(args.stride, 'stride');
      const [dh, dw] = pair(args.dilation, 'dilation');
      let oh: number;
      let ow: number;
      if (args.padding === 'same') [oh, ow] = [h, w];
      else {
        const [ph, pw] = args.padding === 'valid' ? [0, 0] : pair(args.padding, 'padding');
        oh = out(h, kh, sh, ph, dh, false);
        ow = out(w, kw, sw, pw, dw, false);
      }
      if (oh <= 0 || ow <= 0) throw new Stuck(`nn.Conv2d with kernel ${kh}×${kw} on a ${h}×${w} input gives an empty output (PyTorch raises here)`);
      const groups = args.groups as number;
      return { y: new Tensor([n, cout, oh, ow]), macs: cout * (cin / groups) * kh * kw * oh * ow };
    }
    case 'Linear': {
      if (!(x instanceof Tensor)) throw new Stuck(`nn.Linear is called with ${describe(x)}, not a tensor`);
      const i = args.in_features as number;
      const o = args.out_features as number;
      const last = x.shape[x.shape.length - 1];
      if (last !== i) throw new Stuck(`nn.Linear(${i}, ${o}) is given a tensor ${x.toString()} (its last dimension must be ${i})`);
      return { y: new Tensor([...x.shape.slice(0, -1), o]), macs: i * o };
    }
    case 'BatchNorm2d': {
      const [, c] = image(x, 'nn.BatchNorm2d');
      if (c !== args.num_features) throw new Stuck(`nn.BatchNorm2d(${String(args.num_features)}) is given ${c} channels`);
      return { y: x as Tensor, macs: 0 };
    }
    case 'GroupNorm': {
      if (!(x instanceof Tensor) || x.shape[1] !== args.num_channels) throw new Stuck(`nn.GroupNorm(…, ${String(args.num_channels)}) is given ${describe(x)}`);
      return { y: x, macs: 0 };
    }
    case 'MaxPool2d':
      return { y: pool('nn.MaxPool2d', x, args.kernel_size, args.stride, args.padding, args.dilation, bool(args.ceil_mode, 'ceil_mode')), macs: 0 };
    case 'AvgPool2d':
      return { y: pool('nn.AvgPool2d', x, args.kernel_size, args.stride, args.padding, 1, bool(args.ceil_mode, 'ceil_mode')), macs: 0 };
    case 'AdaptiveAvgPool2d':
    case 'AdaptiveMaxPool2d':
      return { y: adaptivePool(`nn.${type}`, x, args.output_size), macs: 0 };
    case 'Flatten':
      return { y: flatten(x, int(args.start_dim, 'start_dim'), int(args.end_dim, 'end_dim')), macs: 0 };
    default:
      if (!(x instanceof Tensor)) throw new Stuck(`nn.${type} is called with ${describe(x)}, not a tensor`);
      return { y: x, macs: 0 };
  }
}

/** Shape of an elementwise operation (`out + identity`, `x * w`): NumPy broadcasting. */
export function broadcast(a: Tensor, b: Tensor, op: string): Tensor {
  const r = Math.max(a.shape.length, b.shape.length);
  const shape: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a.shape[a.shape.length - r + i] ?? 1;
    const y = b.shape[b.shape.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new Stuck(`${a.toString()} ${op} ${b.toString()}: the shapes do not match (PyTorch raises here)`);
    shape.push(x === 1 ? y : x);
  }
  return new Tensor(shape);
}
