/**
 * `resnext inspect` and the extension's Inspect Checkpoint view (schema `resnext-inspector/inspect@1`): what a weights
 * file holds, read without running it and without reading any tensor data — the container format, every global the
 * pickle names (allowed, or recorded and not run), the key tree down to each tensor (shape, dtype, bytes), the
 * state-dict candidates, the one chosen, the prefix stripped and the architecture inferred from the shapes.
 */
import { configName } from '../config';
import { GLOBAL_STATUSES, INSPECT_SCHEMA, type Inspection, type InspectNode } from '../../shared/data';
import { isInputError, WeightsError } from '../errors';
import { chooseStateDict, findCandidates, type Candidate } from './find';
import { inferConfig } from './infer';
import { sniffWeightsFormat, type ReadWeightsOptions } from './load';
import {
  describePickleValue,
  everyObject,
  pickleObjectKind,
  recordClassName,
  STORAGE_ELEMENT_SIZES,
  type PickleValue,
  type PyDict,
  type PyObject,
  type TensorRef,
} from './pickle';
import { openPth, tensorExtent, TORCH_DTYPE_NAMES } from './pth';
import { readSafetensorsHeader } from './safetensors';

export { INSPECT_SCHEMA, type Inspection, type InspectNode } from '../../shared/data';
export { formatInspection, INSPECT_FORMATS, RECORDED_NOT_RUN, type InspectFormat } from './inspectText';
import { RECORDED_NOT_RUN } from './inspectText';
export type GlobalStatus = (typeof GLOBAL_STATUSES)[number];

/** The tree is capped so that a hostile pickle cannot make the view unbounded; real checkpoints stay far below. */
const MAX_TREE_NODES = 50_000;
const MAX_TREE_DEPTH = 48;
const MAX_VALUE_CHARS = 120;

interface Shape {
  readonly shape: readonly number[];
}

export function inspectWeights(bytes: Uint8Array, file: string, options: ReadWeightsOptions = {}): Inspection {
  const sniffed = sniffWeightsFormat(bytes);
  if (sniffed === 'safetensors') return inspectSafetensors(bytes, file, options);
  if (sniffed !== 'pth') {
    throw new WeightsError(
      sniffed === 'empty' ? `${file} is empty` : `${file} is not a weights file this reader knows (neither a zip header, a pickle, nor a safetensors header)`,
    );
  }
  const archive = openPth(bytes, file);
  const candidates = findCandidates(archive.root);
  const tree = new TreeBuilder().build(archive.root);
  const globalStatus: Record<string, GlobalStatus> = {};
  for (const [name, allowed] of archive.globals) globalStatus[name] = allowed ? 'allowed' : RECORDED_NOT_RUN;
  let count = 0;
  let tensorBytes = 0;
  for (const ref of allTensors(archive.root)) {
    count++;
    tensorBytes += tensorExtent(ref).count * STORAGE_ELEMENT_SIZES[ref.storage.dtype];
  }
  return {
    schema: INSPECT_SCHEMA,
    file,
    format: archive.format,
    sizeBytes: bytes.length,
    globals: [...archive.globals.keys()],
    globalStatus,
    tensors: { count, bytes: tensorBytes },
    tree,
    ...choose(
      candidates.map((c) => ({ ...c, tensors: shapesOf(c.tensors) })),
      file,
      options,
    ),
  };
}

function shapesOf(tensors: ReadonlyMap<string, TensorRef>): Map<string, Shape> {
  return new Map([...tensors].map(([name, ref]) => [name, { shape: ref.size }]));
}

function choose(
  candidates: readonly Candidate<Shape>[],
  file: string,
  options: ReadWeightsOptions,
): Pick<Inspection, 'candidates' | 'chosen' | 'strippedPrefix' | 'ignoredKeys' | 'architecture' | 'architectureError'> {
  if (candidates.length === 0) {
    return {
      candidates: [],
      chosen: null,
      strippedPrefix: null,
      ignoredKeys: [],
      architecture: null,
      architectureError: 'no state dict, pickled module or TorchScript module was found in the file',
    };
  }
  // A wrong --state-dict key is the user's mistake and says so (as reading would).
  const choice = chooseStateDict(candidates, file, options.stateDictKey);
  let architecture: Inspection['architecture'] = null;
  let architectureError: string | undefined;
  try {
    const { inputHeightPx: _h, inputWidthPx: _w, ...config } = inferConfig(choice.tensors, file);
    architecture = { model: configName({ ...config, inputHeightPx: 224, inputWidthPx: 224 }), config };
  } catch (error) {
    if (!isInputError(error)) throw error;
    architectureError = error.message;
  }
  return {
    candidates: choice.candidates,
    chosen: choice.chosen.key,
    strippedPrefix: choice.strippedPrefix ?? null,
    ignoredKeys: choice.ignoredKeys,
    architecture,
    ...(architectureError !== undefined && { architectureError }),
  };
}

function inspectSafetensors(bytes: Uint8Array, file: string, options: ReadWeightsOptions): Inspection {
  const { entries, metadata } = readSafetensorsHeader(bytes, file);
  let tensorBytes = 0;
  const children: InspectNode[] = entries.map((e) => {
    tensorBytes += e.end - e.begin;
    return { name: e.name, type: 'tensor', shape: e.shape, dtype: e.dtype, bytes: e.end - e.begin };
  });
  return {
    schema: INSPECT_SCHEMA,
    file,
    format: 'safetensors',
    sizeBytes: bytes.length,
    globals: [],
    globalStatus: {},
    tensors: { count: entries.length, bytes: tensorBytes },
    tree: { name: '', type: 'dict', value: `${children.length} items`, children },
    metadata,
    ...choose(entries.length > 0 ? [{ key: '', kind: 'state dict', tensors: new Map(entries.map((e) => [e.name, { shape: e.shape }])) }] : [], file, options),
  };
}

/** Every tensor reference in the tree, each once. */
function* allTensors(root: PickleValue): Generator<TensorRef> {
  for (const value of everyObject(root)) if (value.kind === 'tensor') yield value;
}

const keyText = (key: PickleValue): string =>
  typeof key === 'string' ? key : typeof key === 'number' || typeof key === 'bigint' ? String(key) : describePickleValue(key);

/** The children of a container or record, named as the tree shows them. */
function childValues(value: PickleValue): [string, PickleValue][] {
  switch (pickleObjectKind(value)) {
    case 'dict':
      return [...(value as PyDict).entries].map(([k, v]) => [keyText(k), v]);
    case 'list':
    case 'tuple':
    case 'set':
      return (value as { items: readonly PickleValue[] }).items.map((v, i) => [String(i), v]);
    case 'object': {
      const record = value as PyObject;
      const out: [string, PickleValue][] = [];
      if (record.args.length > 0) out.push(['(arguments)', { kind: 'tuple', items: record.args }]);
      if (record.kwargs !== undefined) out.push(['(keyword arguments)', record.kwargs]);
      const state = record.state;
      if (state !== undefined && pickleObjectKind(state) === 'dict') for (const [k, v] of (state as PyDict).entries) out.push([keyText(k), v]);
      else if (state !== undefined) out.push(['(state)', state]);
      record.listItems.forEach((v, i) => out.push([String(i), v]));
      for (const [k, v] of record.dictItems) out.push([keyText(k), v]);
      return out;
    }
    default:
      return [];
  }
}

class TreeBuilder {
  private nodes = 0;
  private readonly paths = new Map<PickleValue, string>();

  build(root: PickleValue): InspectNode {
    return this.node('', root, '', 0);
  }

  private node(name: string, value: PickleValue, path: string, depth: number): InspectNode {
    this.nodes++;
    if (value === null) return { name, type: 'None' };
    switch (typeof value) {
      case 'boolean':
        return { name, type: 'bool', value: value ? 'True' : 'False' };
      case 'number':
        return { name, type: Number.isInteger(value) ? 'int' : 'float', value: String(value) };
      case 'bigint':
        return { name, type: 'int', value: String(value) };
      case 'string':
        return { name, type: 'str', value: value.length > MAX_VALUE_CHARS ? `${value.slice(0, MAX_VALUE_CHARS)}…` : value };
      default:
    }
    if (value instanceof Uint8Array) return { name, type: 'bytes', value: `${value.length} bytes` };
    const kind = value.kind;
    if (kind === 'tensor') {
      const ref = value;
      return {
        name,
        type: 'tensor',
        shape: ref.size,
        dtype: TORCH_DTYPE_NAMES[ref.storage.dtype],
        bytes: tensorExtent(ref).count * STORAGE_ELEMENT_SIZES[ref.storage.dtype],
      };
    }
    if (kind === 'global') return { name, type: 'global', value: `${value.module}.${value.name}` };
    if (kind === 'storage') return { name, type: 'storage', value: `${value.storageType} '${value.key}', ${value.numel} elements` };
    const seenAt = this.paths.get(value);
    if (seenAt !== undefined) return { name, type: 'ref', value: seenAt === '' ? '(the root)' : seenAt };
    this.paths.set(value, path);
    const label = kind === 'object' ? recordClassName(value) : undefined;
    const entries = childValues(value);
    const children: InspectNode[] = [];
    let omitted = 0;
    for (const [childName, child] of entries) {
      if (depth >= MAX_TREE_DEPTH || this.nodes >= MAX_TREE_NODES) {
        omitted++;
        continue;
      }
      children.push(this.node(childName, child, path === '' ? childName : `${path}/${childName}`, depth + 1));
    }
    return {
      name,
      type: kind,
      ...(label !== undefined && { value: label }),
      ...(kind !== 'object' && { value: `${entries.length} ${entries.length === 1 ? 'item' : 'items'}` }),
      children,
      ...(omitted > 0 && { omitted }),
    };
  }
}
