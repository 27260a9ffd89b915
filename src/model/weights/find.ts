/**
 * Finding the weights in whatever a checkpoint holds (issue 8): the unpickled tree is walked, never run, and every
 * place that holds named tensors becomes a candidate —
 *  - a state dict (a dict of str → tensor) at any depth: the file itself, `state_dict`, `model`, `state_dict_ema`, …;
 *  - a whole `torch.save(model)` module (a record whose state has `_parameters`, `_buffers`, `_modules`), its names
 *    rebuilt as `Module.state_dict()` would;
 *  - a TorchScript module (a `__torch__.…` record whose state holds its tensors and submodules as attributes).
 * A candidate is chosen by torchvision's key pattern (`conv1.weight`, `layer1.0.conv1.weight`, `fc.weight`), with any
 * single prefix in front stripped (`module.` from DataParallel, Lightning's `model.` / `net.`). Several matching
 * candidates are taken in the documented order (CANDIDATE_ORDER, EMA copies last) unless the caller names one.
 */
import { WeightsError } from '../errors';
import type { CandidateSummary } from '../../shared/data';
import type { TensorData } from './stateDict';
import { describePickleValue, pickleObjectKind, recordClassName, type PickleValue, type PyDict, type PyObject, type TensorRef } from './pickle';

export type CandidateKind = CandidateSummary['kind'];

export interface Candidate<T> {
  /** Where it is: '' for the file itself, else the keys from the root joined with '/' (e.g. `state_dict_ema`). */
  readonly key: string;
  readonly kind: CandidateKind;
  readonly tensors: ReadonlyMap<string, T>;
  /** The record's class for a module (`__main__.TinyResNeXt`). */
  readonly className?: string;
}

/** The preferred places, in this order; any other candidate follows in file order, and EMA copies come last. */
export const CANDIDATE_ORDER = ['', 'state_dict', 'model_state_dict', 'model', 'module', 'net', 'network', 'weights', 'params'] as const;
const isEma = (key: string): boolean => /(^|[/_])ema($|[/_])/i.test(key);

/** The names torchvision's ResNet family always has (relative to the prefix). */
const TORCHVISION_KEYS = ['conv1.weight', 'layer1.0.conv1.weight', 'fc.weight'] as const;

/** How deep the walk goes into dicts, lists and records (checkpoints nest 2–5 levels). */
const MAX_DEPTH = 16;

export const describeCandidateKey = (key: string): string => (key === '' ? 'the file itself' : `'${key}'`);

const isTensor = (value: PickleValue | undefined): value is TensorRef => value !== undefined && pickleObjectKind(value) === 'tensor';

/** A record's BUILD state as a dict, if it has one. */
function stateOf(record: PyObject): Map<PickleValue, PickleValue> | undefined {
  const state = record.state;
  return state !== undefined && pickleObjectKind(state) === 'dict' ? (state as PyDict).entries : undefined;
}

const entriesOf = (value: PickleValue | undefined): Map<PickleValue, PickleValue> | undefined => {
  if (value === undefined) return undefined;
  const kind = pickleObjectKind(value);
  if (kind === 'dict') return (value as PyDict).entries;
  return undefined;
};

function asStateDict(value: PickleValue): Map<string, TensorRef> | undefined {
  const entries = entriesOf(value);
  if (entries === undefined || entries.size === 0) return undefined;
  for (const [key, tensor] of entries) if (typeof key !== 'string' || !isTensor(tensor)) return undefined;
  return entries as unknown as Map<string, TensorRef>;
}

const isModuleRecord = (record: PyObject): boolean => {
  const state = stateOf(record);
  return state !== undefined && state.has('_modules') && state.has('_parameters');
};
const isTorchScriptRecord = (record: PyObject): boolean => recordClassName(record).startsWith('__torch__.') && stateOf(record) !== undefined;

/**
 * The tensors of a module tree from `root`, depth first, each module once and at most MAX_DEPTH deep: `collect` puts a
 * module's own tensors in `out` and walks on into the children it names.
 */
function walkModules(
  root: PyObject,
  collect: (module: PyObject, prefix: string, out: Map<string, TensorRef>, child: (module: PyObject, prefix: string) => void) => void,
): Map<string, TensorRef> {
  const out = new Map<string, TensorRef>();
  const seen = new Set<PyObject>();
  const visit = (module: PyObject, prefix: string, depth: number): void => {
    if (seen.has(module) || depth > MAX_DEPTH) return;
    seen.add(module);
    collect(module, prefix, out, (child, childPrefix) => visit(child, childPrefix, depth + 1));
  };
  visit(root, '', 0);
  return out;
}

/** `nn.Module.state_dict()` of a pickled module: parameters, persistent buffers, then submodules, depth first. */
function moduleTensors(root: PyObject): Map<string, TensorRef> {
  return walkModules(root, (module, prefix, out, child) => {
    const state = stateOf(module);
    if (state === undefined) return;
    const nonPersistent = new Set<PickleValue>();
    const skip = state.get('_non_persistent_buffers_set');
    if (skip !== undefined && (pickleObjectKind(skip) === 'set' || pickleObjectKind(skip) === 'list')) {
      for (const name of (skip as { items: PickleValue[] }).items) nonPersistent.add(name);
    }
    for (const field of ['_parameters', '_buffers'] as const) {
      for (const [name, tensor] of entriesOf(state.get(field)) ?? []) {
        if (typeof name === 'string' && isTensor(tensor) && !(field === '_buffers' && nonPersistent.has(name))) out.set(prefix + name, tensor);
      }
    }
    for (const [name, submodule] of entriesOf(state.get('_modules')) ?? []) {
      if (typeof name === 'string' && pickleObjectKind(submodule) === 'object') child(submodule as PyObject, `${prefix}${name}.`);
    }
  });
}

/** A TorchScript module's tensors: tensor attributes, then `__torch__` submodules' attributes, in file order. */
function torchScriptTensors(root: PyObject): Map<string, TensorRef> {
  return walkModules(root, (module, prefix, out, child) => {
    for (const [name, value] of stateOf(module) ?? []) {
      if (typeof name !== 'string') continue;
      if (isTensor(value)) out.set(prefix + name, value);
      else if (pickleObjectKind(value) === 'object' && isTorchScriptRecord(value as PyObject)) child(value as PyObject, `${prefix}${name}.`);
    }
  });
}

/** Every candidate in the tree, breadth first (so in file order level by level), without recursion or revisits. */
export function findCandidates(root: PickleValue): Candidate<TensorRef>[] {
  const found: Candidate<TensorRef>[] = [];
  const seen = new Set<PickleValue>();
  const pending: { value: PickleValue; path: string[] }[] = [{ value: root, path: [] }];
  const keyText = (key: PickleValue): string => (typeof key === 'string' ? key : typeof key === 'number' ? String(key) : describePickleValue(key));
  for (let next = 0; next < pending.length; next++) {
    const { value, path } = pending[next]!;
    const kind = pickleObjectKind(value);
    if (kind === undefined || kind === 'tensor' || kind === 'storage' || kind === 'global' || seen.has(value)) continue;
    seen.add(value);
    const key = path.join('/');
    const deeper = path.length < MAX_DEPTH;
    if (kind === 'dict') {
      const stateDict = asStateDict(value);
      if (stateDict !== undefined) {
        found.push({ key, kind: 'state dict', tensors: stateDict });
        continue;
      }
      // An optimizer's state_dict ({state: {param id: {momentum_buffer, …}}, param_groups}) holds per-parameter
      // buffers, not weights.
      const entries = (value as PyDict).entries;
      if (entries.has('state') && entries.has('param_groups')) continue;
      if (deeper) for (const [k, v] of entries) pending.push({ value: v, path: [...path, keyText(k)] });
    } else if (kind === 'list' || kind === 'tuple' || kind === 'set') {
      if (deeper) (value as { items: readonly PickleValue[] }).items.forEach((v, i) => pending.push({ value: v, path: [...path, String(i)] }));
    } else if (kind === 'object') {
      const record = value as PyObject;
      if (isModuleRecord(record)) {
        const tensors = moduleTensors(record);
        if (tensors.size > 0) found.push({ key, kind: 'module', tensors, className: recordClassName(record) });
        continue;
      }
      if (isTorchScriptRecord(record)) {
        const tensors = torchScriptTensors(record);
        if (tensors.size > 0) found.push({ key, kind: 'TorchScript module', tensors, className: recordClassName(record) });
        continue;
      }
      if (!deeper) continue;
      // Any other record (argparse.Namespace, a dict subclass, …): look at its state, items and arguments.
      for (const [k, v] of stateOf(record) ?? []) pending.push({ value: v, path: [...path, keyText(k)] });
      for (const [k, v] of record.dictItems) pending.push({ value: v, path: [...path, keyText(k)] });
      record.listItems.forEach((v, i) => pending.push({ value: v, path: [...path, String(i)] }));
      if (record.state !== undefined && stateOf(record) === undefined) pending.push({ value: record.state, path });
      record.args.forEach((v) => pending.push({ value: v, path }));
    }
  }
  return found;
}

/** The candidate order: the preferred places in CANDIDATE_ORDER, then the rest in file order, EMA copies last. */
export function rankCandidates<T>(candidates: readonly Candidate<T>[]): Candidate<T>[] {
  const rank = (c: Candidate<T>, index: number): number => {
    const preferred = (CANDIDATE_ORDER as readonly string[]).indexOf(c.key);
    return (isEma(c.key) ? 2e6 : preferred >= 0 ? 0 : 1e6) + (preferred >= 0 ? preferred : index);
  };
  return candidates
    .map((c, i) => ({ c, r: rank(c, i) }))
    .sort((a, b) => a.r - b.r)
    .map((x) => x.c);
}

/**
 * The prefix in front of torchvision's names ('' when there is none), or undefined when the keys do not follow
 * torchvision's pattern even with one (the shortest prefix wins).
 */
export function torchvisionPrefix(keys: Iterable<string>): string | undefined {
  const set = keys instanceof Set ? (keys as Set<string>) : new Set(keys);
  let best: string | undefined;
  for (const key of set) {
    if (!key.endsWith(TORCHVISION_KEYS[0])) continue;
    const prefix = key.slice(0, key.length - TORCHVISION_KEYS[0].length);
    if (prefix !== '' && !prefix.endsWith('.')) continue;
    if (TORCHVISION_KEYS.every((k) => set.has(prefix + k)) && (best === undefined || prefix.length < best.length)) best = prefix;
  }
  return best;
}

export type { CandidateSummary } from '../../shared/data';

export interface Choice<T> {
  /** The chosen candidate's tensors under torchvision's names (prefix stripped, other keys left out). */
  readonly tensors: Map<string, T>;
  readonly chosen: CandidateSummary;
  readonly strippedPrefix?: string;
  /** Keys of the chosen candidate outside the prefix (left out). */
  readonly ignoredKeys: readonly string[];
  /** Every candidate, in the documented order. */
  readonly candidates: readonly CandidateSummary[];
}

/** What reading a weights file gives: the state dict used, the container format, and how the state dict was found. */
export interface ChosenStateDict<Format extends string> {
  readonly stateDict: Map<string, TensorData>;
  readonly format: Format;
  /** Which state dict was used, the prefix stripped, and the other candidates. */
  readonly choice: Omit<Choice<unknown>, 'tensors'>;
  /** Set when the state dict was found inside the file (`state_dict`, `model`, …) rather than being it. */
  readonly wrapperKey?: string;
  /** Set when a prefix in front of torchvision's names (`module.`, Lightning's `model.`) was removed from every key. */
  readonly strippedPrefix?: string;
}

export interface StateDictOptions {
  /** Which state dict to use when the file holds several (a key from `resnext inspect`, e.g. `state_dict_ema`); by default the first in the documented order. */
  readonly stateDictKey?: string;
}

export function summarizeCandidate<T>(candidate: Candidate<T>): CandidateSummary {
  const prefix = torchvisionPrefix(candidate.tensors.keys());
  return {
    key: candidate.key,
    kind: candidate.kind,
    tensors: candidate.tensors.size,
    ...(candidate.className !== undefined && { className: candidate.className }),
    ...(prefix !== undefined && { torchvisionPrefix: prefix }),
  };
}

/**
 * Picks the state dict: the one named by `requested` (a candidate key, e.g. `state_dict_ema`), else the first in the
 * documented order whose names are torchvision's, else the first of all (whose names the architecture check will then
 * report). Strips the prefix in front of torchvision's names. Throws when there is nothing to choose from.
 */
export function chooseStateDict<T>(candidates: readonly Candidate<T>[], source: string, requested?: string, emptyHint = ''): Choice<T> {
  const ranked = rankCandidates(candidates);
  const summaries = ranked.map(summarizeCandidate);
  const list = (): string => summaries.map((c) => `${c.key === '' ? "'' (the file itself)" : `'${c.key}'`} (${c.kind}, ${c.tensors} tensors)`).join(', ');
  if (ranked.length === 0) {
    throw new WeightsError(
      `${source} holds no weights: no state dict (a dict of names to tensors), pickled module or TorchScript module was found in it${emptyHint}. ` +
        `Run 'resnext inspect ${source}' (or ResNeXt: Inspect Checkpoint) to see what it holds.`,
    );
  }
  let index: number;
  if (requested !== undefined) {
    const wanted = requested === '(the file itself)' || requested === '/' ? '' : requested.replace(/^\/+|\/+$/g, '');
    index = ranked.findIndex((c) => c.key === wanted);
    if (index < 0) {
      throw new WeightsError(
        `${source} has no state dict at '${requested}'; it has ${list()}. Choose one of these keys (--state-dict KEY, or the resnext.stateDictKey setting).`,
      );
    }
  } else {
    index = summaries.findIndex((c) => c.torchvisionPrefix !== undefined);
    if (index < 0) index = 0;
  }
  const candidate = ranked[index]!;
  const summary = summaries[index]!;
  const prefix = summary.torchvisionPrefix ?? commonDataParallelPrefix(candidate.tensors.keys());
  const tensors = new Map<string, T>();
  const ignoredKeys: string[] = [];
  for (const [name, tensor] of candidate.tensors) {
    if (name.startsWith(prefix)) tensors.set(name.slice(prefix.length), tensor);
    else ignoredKeys.push(name);
  }
  return { tensors, chosen: summary, ...(prefix !== '' && { strippedPrefix: prefix }), ignoredKeys, candidates: summaries };
}

/** `module.` when every key has it (DataParallel) even though the rest is not torchvision's; '' otherwise. */
function commonDataParallelPrefix(keys: Iterable<string>): string {
  let all = true;
  let any = false;
  for (const key of keys) {
    any = true;
    if (!key.startsWith('module.') || key.length === 'module.'.length) all = false;
  }
  return any && all ? 'module.' : '';
}

/** "state dict 'state_dict' (prefix 'model.' stripped; also found: 'state_dict_ema')", or '' for a plain state dict. */
export function describeChoice(choice: Pick<Choice<unknown>, 'chosen' | 'strippedPrefix' | 'ignoredKeys' | 'candidates'>): string {
  const parts: string[] = [];
  const { chosen } = choice;
  if (chosen.key !== '' || chosen.kind !== 'state dict') {
    parts.push(
      chosen.key === ''
        ? `the ${chosen.kind}${chosen.className ? ` ${chosen.className}` : ''}`
        : `${chosen.kind} '${chosen.key}'${chosen.className ? ` (${chosen.className})` : ''}`,
    );
  }
  if (choice.strippedPrefix !== undefined) parts.push(`prefix '${choice.strippedPrefix}' stripped`);
  if (choice.ignoredKeys.length > 0) parts.push(`${choice.ignoredKeys.length} other keys left out`);
  const others = choice.candidates.filter((c) => c.key !== chosen.key);
  if (others.length > 0) {
    const shown = others.slice(0, 4).map((c) => describeCandidateKey(c.key));
    parts.push(`also found: ${shown.join(', ')}${others.length > shown.length ? ` and ${others.length - shown.length} more` : ''}`);
  }
  return parts.join('; ');
}
