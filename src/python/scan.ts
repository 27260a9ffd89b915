/**
 * Finds the calls in Python source that build a ResNet-family network, with the configuration they build:
 * - torchvision constructors (`models.resnext50_32x4d(num_classes=10)`) through every import form;
 * - `torch.hub.load("pytorch/vision[:tag]", "<preset>", …)` (and facebookresearch/WSL-Images' names);
 * - `timm.create_model("<name>[.<tag>]", num_classes=…)` (every preset's timm names: resnet18d, seresnext26t_32x4d,
 *   ecaresnext26t_32x4d, skresnext50_32x4d, gluon_resnet50_v1s / resnet50s, …);
 * - classes with torchvision's ResNet signature, recognised by shape (a list or tuple of 4 positive ints, and
 *   groups / width_per_group / num_classes by keyword or position), including classes defined in the file.
 * The input size comes from a torchsummary/torchinfo `summary` call on the same variable, else 224.
 * It parses with @lezer/python (error-tolerant), so comments and strings never count and a syntax error elsewhere
 * does not stop it. Nothing is executed. No vscode, no TF.js: the extension host and `resnext scan` use it as is.
 */
import { TreeFragment, type SyntaxNode, type Tree } from '@lezer/common';
import { parser } from '@lezer/python';
import { resolveConfig, type ConfigOverrides } from '../model/architecture';
import { configName, isPresetName, type NetworkConfig, type PresetName } from '../model/config';
import { presetForAlias } from '../model/catalog';
import { ConfigError, isInputError, type FieldNames } from '../model/errors';
import { analyse, callArgs, Evaluator, lookup, Ref, type CallArgs, type ClassInfo, type Param, type Scope, type Value } from './values';
import {
  Cancelled,
  fileCtx,
  fingerprint,
  Interpreter,
  lineAt,
  moduleFingerprint,
  Stuck,
  type Dependency,
  type FileCtx,
  type PyClass,
  type Workspace,
} from './interp/interp';
import { argumentsKey, callArguments, classOfCallee, insideModuleClass, isResNetLike, readClass, type ClassReading } from './interp/read';

export type DetectionKind = 'torchvision' | 'hub' | 'timm' | 'class';

export interface Detection {
  readonly kind: DetectionKind;
  /** Offsets of the whole call and of its callee in the scanned text. */
  readonly from: number;
  readonly to: number;
  readonly calleeFrom: number;
  readonly calleeTo: number;
  /** 1-based line and column of the call's first character, 1-based last line. */
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  /** The callee as written, e.g. `tvm.resnext50_32x4d`, `torch.hub.load`, `ResNeXt`. */
  readonly source: string;
  /** The preset name when the configuration is one, else a description relative to the nearest (configName). */
  readonly model: string;
  /** The preset the call names (constructors, hub, timm) or the preset of the same shape, if any. */
  readonly preset?: PresetName;
  /** The configuration the core counts; absent for a class of the user's read by the interpreter (see `interpreted`). */
  readonly config?: NetworkConfig;
  /** A class of the user's, read by the interpreter: its module tree, exact params, MACs or why not. */
  readonly interpreted?: ClassReading;
  /** The weights argument as written (`weights=…`, `pretrained=True`), if any. */
  readonly weights?: string;
  /** Arguments whose value could not be known and the default that was assumed instead. */
  readonly notes: readonly string[];
}

export interface ScanProblem {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export interface ScanResult {
  readonly detections: readonly Detection[];
  /** Calls recognised as a network whose configuration is not one the core can build (e.g. groups that do not divide). */
  readonly problems: readonly ScanProblem[];
}

const TORCHVISION_MODULES = ['torchvision.models', 'torchvision.models.resnet'];
const TORCHVISION_RESNET = new Set(TORCHVISION_MODULES.map((m) => `${m}.ResNet`));
const HUB_LOAD = new Set(['torch.hub.load']);
const TIMM_CREATE = new Set(['timm.create_model', 'timm.models.create_model', 'timm.models._factory.create_model']);
/** The last parts of HUB_LOAD, TIMM_CREATE and SUMMARY_FUNCTIONS: the lower-case names a call's qualified name can end in. */
const CALLED_NAMES: ReadonlySet<string> = new Set(['load', 'create_model', 'summary']);
const SUMMARY_FUNCTIONS = new Set(['torchsummary.summary', 'torchsummary.torchsummary.summary', 'torchinfo.summary', 'torchinfo.torchinfo.summary']);
/** torchvision.models.resnet.ResNet.__init__ (torchvision 0.14+). */
const TORCHVISION_SIGNATURE: readonly Param[] = [
  'block',
  'layers',
  'num_classes',
  'zero_init_residual',
  'groups',
  'width_per_group',
  'replace_stride_with_dilation',
  'norm_layer',
].map((name) => ({ name, star: '' }));
const GROUPS_NAMES = ['groups', 'cardinality'];
const WIDTH_NAMES = ['width_per_group', 'bottleneck_width'];
const CLASSES_NAMES = ['num_classes', 'n_classes'];
const DEFAULT_INPUT_PX = 224;

/**
 * The preset a model name from timm or torch.hub means: the name itself, or (timm and WSL-Images spell the weakly
 * supervised ResNeXts without or with `_wsl`) the other spelling. Goes through the core's preset list, so presets
 * added there are found here.
 */
export function presetForModelName(name: string): PresetName | undefined {
  if (isPresetName(name)) return name;
  // timm's other names for a preset (resnet50s for gluon_resnet50_v1s), from the catalog's aliases.
  const alias = presetForAlias(name);
  if (alias) return alias;
  if (isPresetName(`${name}_wsl`)) return `${name}_wsl` as PresetName;
  if (name.endsWith('_wsl') && isPresetName(name.slice(0, -4))) return name.slice(0, -4) as PresetName;
  return undefined;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** Length of the common prefix of two texts: compared a block at a time natively, then character by character. */
function commonPrefix(a: string, b: string, max: number): number {
  const BLOCK = 512;
  let n = 0;
  while (n + BLOCK <= max && a.substring(n, n + BLOCK) === b.substring(n, n + BLOCK)) n += BLOCK;
  while (n < max && a.charCodeAt(n) === b.charCodeAt(n)) n++;
  return n;
}

/** Length of the common suffix of two texts, at most `max` characters. */
function commonSuffix(a: string, b: string, max: number): number {
  const BLOCK = 512;
  let n = 0;
  while (n + BLOCK <= max && a.substring(a.length - n - BLOCK, a.length - n) === b.substring(b.length - n - BLOCK, b.length - n)) n += BLOCK;
  while (n < max && a.charCodeAt(a.length - 1 - n) === b.charCodeAt(b.length - 1 - n)) n++;
  return n;
}

function lineOf(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

const isInt = (v: Value | undefined): v is number => typeof v === 'number' && Number.isInteger(v);
const isStageDepths = (v: Value | undefined): v is readonly number[] => Array.isArray(v) && v.length === 4 && v.every((n) => isInt(n) && n > 0);

interface SummaryCall {
  readonly node: SyntaxNode;
  readonly scope: Scope;
  readonly modelArg: SyntaxNode;
  /** The model argument as written, without whitespace (`model`, `self.net`). */
  readonly modelText: string;
  readonly hw: { readonly h: number; readonly w: number };
}

/** The summary calls by where their model argument starts and by its text (each list in source order). */
interface SummaryIndex {
  readonly byArg: Map<number, SummaryCall>;
  readonly byText: Map<string, SummaryCall[]>;
}

interface Found {
  readonly kind: DetectionKind;
  /** A class of the user's that the interpreter reads instead of matching torchvision's signature. */
  readonly pyClass?: PyClass;
  readonly preset?: PresetName;
  readonly overrides: ConfigOverrides;
  readonly weights?: string;
  readonly notes: string[];
}

class Scanner {
  private readonly ev: Evaluator;
  private readonly starts: number[];
  private readonly detections: Detection[] = [];
  private readonly problems: ScanProblem[] = [];
  private interpCache: { interp: Interpreter; file: FileCtx } | undefined;
  /** Whether a class is of the ResNet family, once per class and scan. */
  private readonly resNetLike = new Map<PyClass, boolean>();
  /** Workspace files the interpreters of this scan read, parsed once. */
  private readonly importedFiles = new Map<string, FileCtx | null>();
  /** Module names' fingerprints in this text, computed once per scan (memoised readings check them). */
  private readonly moduleFps = new Map<string, string>();

  constructor(
    private readonly source: string,
    tree: Tree,
    private readonly options: ScanOptions = {},
  ) {
    this.ev = new Evaluator(analyse(source, tree));
    this.starts = lineStarts(source);
  }

  /** The interpreter, made on the first class of the user's (most files have none). */
  private get interp(): Interpreter {
    return this.reader().interp;
  }

  private get file(): FileCtx {
    return this.reader().file;
  }

  private reader(): { interp: Interpreter; file: FileCtx } {
    return (this.interpCache ??= {
      interp: new Interpreter(this.options.workspace, undefined, this.options.shouldStop, this.importedFiles),
      file: fileCtx(this.options.file ?? '<source>', this.source, this.ev.analysis, this.starts),
    });
  }

  run(): ScanResult {
    // Each call's callee and its qualified name, once: most calls are rejected on the name alone.
    const calls = this.ev.analysis.calls.map((c) => {
      const callee = c.node.firstChild;
      return { node: c.node, scope: c.scope, callee, q: callee && this.mayMatter(callee) ? this.qualified(callee, c.scope) : undefined };
    });
    const summaries = this.summaryCalls(calls);
    const stop = this.options.shouldStop;
    let n = 0;
    for (const call of calls) {
      if (stop && (++n & 63) === 0 && stop()) throw new ScanCancelled();
      if (!call.callee) continue;
      const found = this.recognise(call.node, call.callee, call.q, call.scope);
      if (!found) continue;
      const input = this.inputSize(call.node, call.scope, summaries);
      this.emit(call.node, found, input, call.scope);
    }
    return { detections: this.detections, problems: this.problems };
  }

  /**
   * Whether a callee's qualified name can matter: `a.b.name(…)`'s qualified name ends in `.name`, and only a class
   * (capitalised), a constructor, `load`, `create_model` and `summary` are ever looked at — `json.loads(…)`,
   * `out.append(…)` are rejected without resolving them. A bare name may be an alias: always resolved.
   */
  private mayMatter(callee: SyntaxNode): boolean {
    if (callee.name !== 'MemberExpression') return true;
    const property = callee.lastChild;
    if (property?.name !== 'PropertyName') return true;
    const name = this.ev.text(property);
    return /^[A-Z]/.test(name) || isPresetName(name) || CALLED_NAMES.has(name);
  }

  private qualified(node: SyntaxNode, scope: Scope): string | undefined {
    if (node.name !== 'VariableName' && node.name !== 'MemberExpression') return undefined;
    const v = this.ev.value(node, scope);
    return v instanceof Ref ? v.qualified : undefined;
  }

  private recognise(call: SyntaxNode, callee: SyntaxNode, q: string | undefined, scope: Scope): Found | undefined {
    if (q === undefined) return undefined;
    const dot = q.lastIndexOf('.');
    const name = q.slice(dot + 1);
    const module = dot < 0 ? '' : q.slice(0, dot);
    // Most calls are neither a known constructor nor a class: they are rejected before their arguments are read.
    const isClass = /^[A-Z]/.test(name);
    if (!isClass && !isPresetName(name) && !HUB_LOAD.has(q) && !TIMM_CREATE.has(q)) return undefined;
    const argList = call.lastChild;
    if (argList?.name !== 'ArgList' || argList.from === callee.from) return undefined;
    const args = (): CallArgs => callArgs(this.source, argList);
    if (TORCHVISION_MODULES.includes(module) && isPresetName(name)) return this.constructorCall('torchvision', name, args(), scope);
    if (HUB_LOAD.has(q)) return this.hubCall(args(), scope);
    if (TIMM_CREATE.has(q)) return this.timmCall(args(), scope);
    return isClass ? this.classCall(callee, q, args, scope) : undefined;
  }

  /** `num_classes=` and `weights=`/`pretrained=` of a constructor-like call. */
  private constructorCall(kind: DetectionKind, preset: PresetName, args: CallArgs, scope: Scope): Found {
    const notes: string[] = [];
    const overrides: { numClasses?: number } = {};
    const classes = args.keywords.get('num_classes');
    if (classes) {
      const v = this.ev.value(classes, scope);
      if (isInt(v)) overrides.numClasses = v;
      else notes.push(`num_classes=${this.ev.text(classes)} is not a constant here; the preset's 1000 is assumed`);
    }
    const weightsNode = args.keywords.get('weights') ?? args.keywords.get('pretrained');
    const weights = weightsNode ? `${this.ev.text(weightsNode.prevSibling!.prevSibling!)}=${this.ev.text(weightsNode)}` : undefined;
    return { kind, preset, overrides, notes, ...(weights !== undefined ? { weights } : {}) };
  }

  private hubCall(args: CallArgs, scope: Scope): Found | undefined {
    const repo = this.ev.value(args.positional[0] ?? args.keywords.get('repo_or_dir'), scope);
    const model = this.ev.value(args.positional[1] ?? args.keywords.get('model'), scope);
    const source = this.ev.value(args.keywords.get('source'), scope);
    if (typeof repo !== 'string' || typeof model !== 'string' || source === 'local') return undefined;
    const repoName = repo.split(':')[0]!.toLowerCase();
    if (repoName !== 'pytorch/vision' && repoName !== 'facebookresearch/wsl-images') return undefined;
    const preset = presetForModelName(model);
    return preset ? this.constructorCall('hub', preset, args, scope) : undefined;
  }

  private timmCall(args: CallArgs, scope: Scope): Found | undefined {
    const name = this.ev.value(args.positional[0] ?? args.keywords.get('model_name'), scope);
    if (typeof name !== 'string') return undefined;
    // "hf-hub:timm/resnext50_32x4d.a1h_in1k" and "timm/resnext50_32x4d.a1h_in1k" name the same model.
    const bare = name.replace(/^hf[-_]hub:/, '').replace(/^timm\//, '');
    const preset = presetForModelName(bare.split('.')[0]!);
    return preset ? this.constructorCall('timm', preset, args, scope) : undefined;
  }

  /** A class called with torchvision's ResNet signature, recognised by its 4 stage depths. */
  private classCall(callee: SyntaxNode, q: string, lazyArgs: () => CallArgs, scope: Scope): Found | undefined {
    const className = q.slice(q.lastIndexOf('.') + 1);
    // A class of the user's (this file, the notebook, a workspace import): read by the interpreter, never guessed.
    const pyClass = classOfCallee(this.interp, this.file, callee, scope);
    if (pyClass) {
      let resNetLike = this.resNetLike.get(pyClass);
      if (resNetLike === undefined) this.resNetLike.set(pyClass, (resNetLike = isResNetLike(this.interp, pyClass)));
      if (!resNetLike || insideModuleClass(this.interp, this.file, callee)) return undefined;
      return { kind: 'class', pyClass, overrides: {}, notes: [] };
    }
    const local = this.ev.classOf(callee, scope);
    const torchvision = TORCHVISION_RESNET.has(q);
    const signature = torchvision ? TORCHVISION_SIGNATURE : local ? this.signatureOf(local, new Set()) : undefined;
    const looksLikeResNet = /resne/i.test(className);
    // A class of the user's own counts when its name or its signature says ResNet (groups, width per group).
    if (!torchvision && !looksLikeResNet && !(signature && signature.some((p) => GROUPS_NAMES.includes(p.name) || WIDTH_NAMES.includes(p.name)))) {
      return undefined;
    }
    const args = lazyArgs();
    // Bind arguments to parameter names: the class's own __init__, torchvision's, or (unknown class) torchvision's
    // when a block comes first, else only the depths by position.
    const bound = new Map<string, { node: SyntaxNode; scope: Scope }>();
    const firstIsDepths = isStageDepths(this.ev.value(args.positional[0], scope));
    const params: readonly Param[] | undefined = signature ?? (firstIsDepths ? [{ name: 'layers', star: '' }] : TORCHVISION_SIGNATURE);
    const positional = params.filter((p) => p.star === '');
    args.positional.forEach((node, i) => {
      const p = positional[i];
      if (p) bound.set(p.name, { node, scope });
    });
    for (const [name, node] of args.keywords) bound.set(name, { node, scope });
    if (local && signature) {
      for (const p of signature) if (!bound.has(p.name) && p.defaultNode) bound.set(p.name, { node: p.defaultNode, scope: local.scope });
    }
    const valueOf = (names: readonly string[]): { name: string; value: Value | undefined; text: string } | undefined => {
      for (const name of names) {
        const b = bound.get(name);
        if (b) return { name, value: this.ev.value(b.node, b.scope), text: this.ev.text(b.node) };
      }
      return undefined;
    };
    // torchvision's BasicBlock makes ResNet-18/34 (two 3x3 convs per block, no groups).
    const block = bound.get('block');
    const blockValue = block ? this.ev.value(block.node, block.scope) : undefined;
    const basic = blockValue instanceof Ref && blockValue.qualified.endsWith('BasicBlock');
    // The stage depths: the `layers` argument, or whichever bound argument is 4 positive ints.
    let layers: readonly number[] | undefined;
    for (const [name, b] of bound) {
      const v = this.ev.value(b.node, b.scope);
      if (isStageDepths(v) && (layers === undefined || name === 'layers')) layers = v;
    }
    if (!layers) return undefined;
    const notes: string[] = [];
    const overrides: { -readonly [K in keyof ConfigOverrides]: ConfigOverrides[K] } = { layers, ...(basic ? { block: 'basic' as const } : {}) };
    const fields = [
      ['groups', GROUPS_NAMES, 1],
      ['widthPerGroup', WIDTH_NAMES, 64],
      ['numClasses', CLASSES_NAMES, 1000],
    ] as const;
    for (const [key, names, fallback] of fields) {
      const found = valueOf(names);
      if (found === undefined) overrides[key] = fallback;
      else if (isInt(found.value)) overrides[key] = found.value;
      else {
        overrides[key] = fallback;
        notes.push(`${found.name}=${found.text} is not a constant here; torchvision's default ${fallback} is assumed`);
      }
    }
    if (args.spread) notes.push('the call passes *args/**kwargs, which are not read');
    return { kind: 'class', overrides, notes };
  }

  /** __init__'s parameters of a class defined in the source, or inherited from its base (one defined here or torchvision's ResNet). */
  private signatureOf(info: ClassInfo, seen: Set<ClassInfo>): readonly Param[] | undefined {
    if (info.initParams) return info.initParams;
    if (seen.has(info)) return undefined;
    seen.add(info);
    for (const base of info.bases) {
      const q = this.qualified(base, info.scope);
      if (q !== undefined && TORCHVISION_RESNET.has(q)) return TORCHVISION_SIGNATURE;
      const local = this.ev.classOf(base, info.scope);
      const inherited = local ? this.signatureOf(local, seen) : undefined;
      if (inherited) return inherited;
    }
    return undefined;
  }

  /** The interpreter's reading of a class construction, memoised (per file text, call text and input size). */
  private read(cls: PyClass, call: SyntaxNode, scope: Scope, input: { h: number; w: number }): ClassReading {
    // Memoised by the class's text, the arguments' values (else the call's text) and the input size, and kept while
    // what the reading depended on (names, the bindings they resolve to, imported files) reads the same: an edit
    // elsewhere in the file does not read the class again.
    let r: ClassReading | { stuck: string } | undefined;
    // A fresh interpreter per reading (imported files shared): what it records is what this reading depended on.
    const interp = new Interpreter(this.options.workspace, undefined, this.options.shouldStop, this.importedFiles);
    try {
      cls = interp.classOf(cls.file, cls.node);
      const args = callArguments(interp, this.file, call, scope);
      // The class's line is part of it: the reading's `defined` and `why` name lines.
      const key = `${cls.file.path}:${lineAt(cls.file, cls.node.from)}\0${classKey(cls.file.source.slice(cls.node.from, cls.node.to))}\0${argumentsKey(args) ?? this.ev.text(call)}\0${input.h}x${input.w}`;
      const entries = readingCache.get(key) ?? [];
      // A traced reading (summarize, graph) is read afresh and not memoised: scans never carry a trace.
      const trace = this.options.trace === true;
      r = trace ? undefined : entries.find((e) => this.stillHolds(e.deps, scope, call.from))?.reading;
      if (trace) {
        try {
          r = readClass(interp, this.file, cls, call, scope, input, (p) => this.options.displayPath?.(p) ?? p, args, true);
        } catch (error) {
          if (!(error instanceof Stuck)) throw error;
          r = { stuck: error.message };
        }
      } else if (r === undefined) {
        try {
          r = readClass(interp, this.file, cls, call, scope, input, (p) => this.options.displayPath?.(p) ?? p, args);
        } catch (error) {
          if (!(error instanceof Stuck)) throw error;
          r = { stuck: error.message };
        }
        if (!readingCache.has(key) && readingCache.size >= READING_CACHE_SIZE) readingCache.delete(readingCache.keys().next().value!);
        readingCache.set(key, [{ deps: [...interp.deps.values()], reading: r }, ...entries].slice(0, 4));
      }
    } catch (error) {
      if (error instanceof Cancelled) throw new ScanCancelled();
      throw error;
    }
    if ('stuck' in r) throw new Stuck(r.stuck);
    return r;
  }

  /** Whether a memoised reading's dependencies read the same in this text (at this call). */
  private stillHolds(deps: readonly Dependency[], scope: Scope, pos: number): boolean {
    for (const d of deps) {
      if (d.kind === 'file') {
        if ((this.options.workspace?.read(d.file) ?? '\0none') !== d.fp) return false;
      } else if (d.file !== this.file.path) {
        continue; // a name of an imported file: its text is a dependency of its own
      } else if (d.kind === 'module') {
        let fp = this.moduleFps.get(d.name);
        if (fp === undefined) this.moduleFps.set(d.name, (fp = moduleFingerprint(this.file, d.name)));
        if (fp !== d.fp) return false;
      } else if (fingerprint(lookup(d.name, scope, pos), this.file) !== d.fp) return false;
    }
    return true;
  }

  /** The torchsummary/torchinfo `summary` calls: the model argument and the H×W their input size gives, read once. */
  private summaryCalls(calls: readonly { node: SyntaxNode; scope: Scope; q: string | undefined }[]): SummaryIndex {
    const out: SummaryIndex = { byArg: new Map(), byText: new Map() };
    for (const c of calls) {
      if (c.q === undefined || !SUMMARY_FUNCTIONS.has(c.q)) continue;
      const args = callArgs(this.source, c.node.lastChild!);
      const modelArg = args.positional[0] ?? args.keywords.get('model');
      if (!modelArg) continue;
      const size = this.ev.value(args.positional[1] ?? args.keywords.get('input_size'), c.scope, c.node.from);
      const shape = Array.isArray(size) && size.length === 1 && Array.isArray(size[0]) ? (size[0] as readonly Value[]) : size;
      if (Array.isArray(shape) && (shape.length === 3 || shape.length === 4) && shape.every(isInt) && shape[shape.length - 3] === 3) {
        const hw = { h: shape[shape.length - 2] as number, w: shape[shape.length - 1] as number };
        const s = { node: c.node, scope: c.scope, modelArg, modelText: this.ev.text(modelArg).replace(/\s+/g, ''), hw };
        if (!out.byArg.has(modelArg.from)) out.byArg.set(modelArg.from, s);
        const list = out.byText.get(s.modelText);
        if (list) list.push(s);
        else out.byText.set(s.modelText, [s]);
      }
    }
    return out;
  }

  /** H×W from `summary(model, (3, H, W))` (torchsummary) or `summary(model, input_size=(1, 3, H, W))` (torchinfo). */
  private inputSize(call: SyntaxNode, scope: Scope, summaries: SummaryIndex): { h: number; w: number } | undefined {
    // The call itself is the summary's model argument (or inside it): `summary(models.resnet50(), …)`.
    for (let n: SyntaxNode | null = call; n; n = n.parent) {
      const direct = summaries.byArg.get(n.from);
      if (direct && direct.modelArg.to >= call.to) return direct.hw;
      if (n.name.endsWith('Statement')) break;
    }
    // Else the first later summary of the variable the call is assigned to, in the same scope, not rebound before it.
    const target = this.assignedName(call);
    const list = target === undefined ? undefined : summaries.byText.get(target);
    if (!list) return undefined;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.node.from < call.from) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < list.length; i++) {
      const s = list[i]!;
      if (s.scope !== scope) continue;
      if (s.modelArg.name === 'VariableName' && this.ev.reboundBetween(target!, scope, call.from, s.node.from)) return undefined;
      return s.hw;
    }
    return undefined;
  }

  /** `model = <call>` or `model = <call>.to(device).eval()` → "model" (attribute targets as written, e.g. "self.net"). */
  private assignedName(call: SyntaxNode): string | undefined {
    let node: SyntaxNode = call;
    for (let parent = node.parent; parent; parent = node.parent) {
      if (
        (parent.name === 'MemberExpression' || parent.name === 'CallExpression') &&
        parent.firstChild?.from === node.from &&
        parent.firstChild.to === node.to
      ) {
        node = parent;
        continue;
      }
      break;
    }
    const statement = node.parent;
    if (statement?.name !== 'AssignStatement' || node.prevSibling?.name !== 'AssignOp') return undefined;
    const target = statement.firstChild;
    if (!target || (target.name !== 'VariableName' && target.name !== 'MemberExpression') || target.nextSibling?.name !== 'AssignOp') return undefined;
    return this.ev.text(target).replace(/\s+/g, '');
  }

  private emit(call: SyntaxNode, found: Found, input: { h: number; w: number } | undefined, scope: Scope): void {
    const callee = call.firstChild!;
    const line = lineOf(this.starts, call.from);
    const position = { line: line + 1, column: call.from - this.starts[line]! + 1 };
    const where = {
      from: call.from,
      to: call.to,
      calleeFrom: callee.from,
      calleeTo: callee.to,
      ...position,
      endLine: lineOf(this.starts, call.to) + 1,
      source: this.ev.text(callee),
    };
    if (found.pyClass) {
      let interpreted: ClassReading;
      try {
        interpreted = this.read(found.pyClass, call, scope, input ?? { h: DEFAULT_INPUT_PX, w: DEFAULT_INPUT_PX });
      } catch (error) {
        if (!(error instanceof Stuck)) throw error;
        this.problems.push({ ...position, message: `${this.ev.text(callee)}(…) cannot be read without running it: ${error.message}` });
        return;
      }
      this.detections.push({
        kind: 'class',
        ...where,
        model: found.pyClass.name,
        interpreted,
        notes: interpreted.why !== undefined ? [`MACs not counted: ${interpreted.why}`] : [],
      });
      return;
    }
    const overrides = { ...found.overrides, inputHeightPx: input?.h ?? DEFAULT_INPUT_PX, inputWidthPx: input?.w ?? DEFAULT_INPUT_PX };
    const resolved = resolveCached(found.preset, overrides);
    if ('error' in resolved) {
      this.problems.push({ ...position, message: `${this.ev.text(callee)}(…) builds a network the inspector cannot count: ${resolved.error}` });
      return;
    }
    const { config, model } = resolved;
    const samePreset = found.preset ?? (isPresetName(model) ? model : undefined);
    this.detections.push({
      kind: found.kind,
      ...where,
      model,
      ...(samePreset !== undefined ? { preset: samePreset } : {}),
      config,
      ...(found.weights !== undefined ? { weights: found.weights } : {}),
      notes: found.notes,
    });
  }
}

/** Readings of the user's classes by what determines them: the file's text, the call as written, the input size. */
const readingCache = new Map<string, { deps: readonly Dependency[]; reading: ClassReading | { stuck: string } }[]>();
const READING_CACHE_SIZE = 256;

/** How a configuration error names the fields in Python: the keyword arguments of torchvision's ResNet. */
const PYTHON_FIELD_NAMES: FieldNames = {
  layers: 'layers',
  groups: 'groups',
  widthPerGroup: 'width_per_group',
  baseWidth: 'base width',
  numClasses: 'num_classes',
  input: 'input size',
  se: 'SE',
  stem: 'stem',
  avgDown: 'avg-down',
  cifar: 'the CIFAR layout',
  block: 'block',
  eca: 'ECA',
  stemWidth: 'stem_width',
};

/** Validated configurations by what the code asked for: a file is rescanned on every edit and repeats few of them. */
const resolvedCache = new Map<string, { config: NetworkConfig; model: string } | { error: string }>();
const RESOLVED_CACHE_SIZE = 256;

function resolveCached(preset: PresetName | undefined, overrides: ConfigOverrides): { config: NetworkConfig; model: string } | { error: string } {
  const key = JSON.stringify([preset, overrides]);
  let resolved = resolvedCache.get(key);
  if (resolved === undefined) {
    try {
      const config = resolveConfig(preset, overrides).config;
      resolved = { config, model: configName(config) };
    } catch (error) {
      if (!isInputError(error)) throw error;
      resolved = { error: error instanceof ConfigError ? error.worded(PYTHON_FIELD_NAMES) : error.message };
    }
    if (resolvedCache.size >= RESOLVED_CACHE_SIZE) resolvedCache.delete(resolvedCache.keys().next().value!);
    resolvedCache.set(key, resolved);
  }
  return resolved;
}

/** Thrown by a scan whose `shouldStop` said so (a newer edit made it stale). */
export class ScanCancelled extends Error {
  override readonly name = 'ScanCancelled';
  constructor() {
    super('scan cancelled: a newer version of the text is being scanned');
  }
}

export interface ScanOptions {
  /** Polled while parsing, between calls and while interpreting: true stops the scan with ScanCancelled. */
  readonly shouldStop?: () => boolean;
  /** The file's path (for imports relative to it and the `defined` field of classes). */
  readonly file?: string;
  /** Where imports of the user's classes are read from; without it, only classes in the text itself are read. */
  readonly workspace?: Workspace;
  /** How a path is shown in `defined.file` (e.g. relative to the workspace). */
  readonly displayPath?: (file: string) => string;
  /** Record forward()'s calls of each class read (ClassReading.trace), for a summary or a graph; not memoised. */
  readonly trace?: boolean;
}

/** A class's text in the readings' memo key: itself when short (hashed natively by the Map), else its FNV-1a hash and length. */
function classKey(text: string): string {
  return text.length <= 16_384 ? text : `${hashText(text)}:${text.length}`;
}

/** FNV-1a over the text: a cheap fingerprint for the readings' memo (the key also holds the length). */
function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Every network-building call in a Python source text. Never throws on malformed Python. */
export function scanPython(source: string, options: ScanOptions = {}): ScanResult {
  return new Scanner(source, parse(source, undefined, options.shouldStop), options).run();
}

/** Parses in slices (lezer's resumable parse) so that a stale scan stops mid-parse when `shouldStop` says so. */
function parse(text: string, fragments: readonly TreeFragment[] | undefined, shouldStop: (() => boolean) | undefined): Tree {
  if (!shouldStop) return parser.parse(text, fragments);
  const p = parser.startParse(text, fragments);
  for (;;) {
    const tree = p.advance();
    if (tree) return tree;
    if (shouldStop()) throw new ScanCancelled();
  }
}

/**
 * Scans successive versions of one text (a document as it is edited): each parse reuses the unchanged parts of the
 * previous syntax tree (lezer's incremental parsing), the change being found by comparing the two texts' common
 * prefix and suffix. The results are the same as scanPython's.
 */
export class IncrementalScanner {
  private previous: { text: string; tree: Tree } | undefined;

  scan(text: string, options: ScanOptions = {}): ScanResult {
    let tree: Tree;
    const prev = this.previous;
    if (prev === undefined) {
      tree = parse(text, undefined, options.shouldStop);
    } else if (prev.text === text) {
      tree = prev.tree;
    } else {
      const max = Math.min(prev.text.length, text.length);
      const prefix = commonPrefix(prev.text, text, max);
      const suffix = commonSuffix(prev.text, text, max - prefix);
      const change = { fromA: prefix, toA: prev.text.length - suffix, fromB: prefix, toB: text.length - suffix };
      tree = parse(text, TreeFragment.applyChanges(TreeFragment.addTree(prev.tree), [change]), options.shouldStop);
    }
    this.previous = { text, tree };
    return new Scanner(text, tree, options).run();
  }
}
