/**
 * `resnext inspect` and the extension's Inspect Checkpoint view (schema `resnext-inspector/inspect@1`): what a weights
 * file holds, read without running it and without reading any tensor data — the container format, every global the
 * pickle names (allowed, or recorded and not run), the key tree down to each tensor (shape, dtype, bytes), the
 * state-dict candidates, the one chosen, the prefix stripped and the architecture inferred from the shapes.
 */
import { configName } from '../config';
import { GLOBAL_STATUSES, INSPECT_SCHEMA, type Inspection, type InspectNode } from '../../shared/data';
import { isInputError, WeightsError } from '../errors';
import { chooseStateDict, findCandidates, type Candidate, type CandidateSummary } from './find';
import { inferConfig } from './infer';
import { sniffWeightsFormat, type ReadWeightsOptions, type WeightsFormat } from './load';
import { describePickleValue, pickleObjectKind, recordClassName, STORAGE_ELEMENT_SIZES, type PickleValue, type PyDict, type PyObject, type TensorRef } from './pickle';
import { openPth, tensorExtent, TORCH_DTYPE_NAMES } from './pth';
import { readSafetensorsHeader } from './safetensors';

export { INSPECT_SCHEMA, type Inspection, type InspectNode } from '../../shared/data';
export const INSPECT_FORMATS = ['table', 'json'] as const;
export type InspectFormat = (typeof INSPECT_FORMATS)[number];

export const RECORDED_NOT_RUN = 'recorded, not run';
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
    ...choose(candidates.map((c) => ({ ...c, tensors: shapesOf(c.tensors) })), file, options),
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
  const seen = new Set<PickleValue>();
  const pending: PickleValue[] = [root];
  while (pending.length > 0) {
    const value = pending.pop()!;
    const kind = pickleObjectKind(value);
    if (kind === undefined || seen.has(value)) continue;
    seen.add(value);
    if (kind === 'tensor') yield value as TensorRef;
    else pending.push(...childValues(value).map(([, v]) => v));
  }
}

const keyText = (key: PickleValue): string => (typeof key === 'string' ? key : typeof key === 'number' || typeof key === 'bigint' ? String(key) : describePickleValue(key));

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
      if (state !== undefined && pickleObjectKind(state) === 'dict') out.push(...[...(state as PyDict).entries].map(([k, v]): [string, PickleValue] => [keyText(k), v]));
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

const formatBytes = (bytes: number): string =>
  bytes < 1024 ? `${bytes} B` : bytes < 1024 ** 2 ? `${(bytes / 1024).toFixed(1)} KiB` : bytes < 1024 ** 3 ? `${(bytes / 1024 ** 2).toFixed(1)} MiB` : `${(bytes / 1024 ** 3).toFixed(2)} GiB`;

const FORMAT_NAMES: Record<WeightsFormat, string> = {
  zip: 'PyTorch zip checkpoint (torch ≥ 1.6)',
  legacy: 'legacy PyTorch checkpoint (torch < 1.6)',
  torchscript: 'TorchScript archive (its code/ is never run)',
  safetensors: 'safetensors',
};

/** One line for a node of the tree, as the table and the extension's tree view show it. */
export function describeNode(node: InspectNode): string {
  if (node.type === 'tensor') return `${node.dtype} [${node.shape!.join(', ')}] ${formatBytes(node.bytes!)}`;
  if (node.type === 'object') return `${node.value} object (${RECORDED_NOT_RUN})`;
  if (node.type === 'ref') return `same object as ${node.value}`;
  if (node.type === 'str') return JSON.stringify(node.value);
  if (node.value !== undefined) return `${node.type} ${node.value}`;
  return node.type;
}

export function describeCandidate(c: CandidateSummary): string {
  const where = c.key === '' ? 'the file itself' : `'${c.key}'`;
  const names =
    c.torchvisionPrefix === undefined ? "names are not torchvision's" : c.torchvisionPrefix === '' ? "torchvision's names" : `torchvision's names behind '${c.torchvisionPrefix}'`;
  return `${where}: ${c.kind}${c.className ? ` ${c.className}` : ''}, ${c.tensors} tensors, ${names}`;
}

export function formatInspection(inspection: Inspection, format: InspectFormat): string {
  if (format === 'json') return `${JSON.stringify(inspection, null, 2)}\n`;
  const i = inspection;
  const lines = [
    `${i.file}: ${FORMAT_NAMES[i.format]}, ${formatBytes(i.sizeBytes)}; ${i.tensors.count} tensors, ${formatBytes(i.tensors.bytes)}`,
    '',
    `Globals named by the pickle (${i.globals.length}; nothing was imported or run):`,
    ...(i.globals.length === 0 ? ['  (none)'] : i.globals.map((g) => `  ${(i.globalStatus[g] ?? RECORDED_NOT_RUN).padEnd(RECORDED_NOT_RUN.length)}  ${g}`)),
    '',
    `State-dict candidates (${i.candidates.length}, in the order they are tried):`,
    ...(i.candidates.length === 0 ? ['  (none)'] : i.candidates.map((c) => `  ${c.key === i.chosen ? '*' : ' '} ${describeCandidate(c)}`)),
  ];
  if (i.chosen !== null) {
    const chosen = i.chosen === '' ? 'the file itself' : `'${i.chosen}'`;
    lines.push(`Chosen: ${chosen}${i.strippedPrefix !== null ? `, prefix '${i.strippedPrefix}' stripped` : ''}${i.ignoredKeys.length > 0 ? `, ${i.ignoredKeys.length} keys outside it left out` : ''}`);
  }
  lines.push(i.architecture !== null ? `Architecture: ${i.architecture.model}` : `Architecture: not inferred (${i.architectureError ?? 'unknown'})`);
  if (i.metadata && Object.keys(i.metadata).length > 0) {
    lines.push('', 'Metadata:', ...Object.entries(i.metadata).map(([k, v]) => `  ${k}: ${v}`));
  }
  lines.push('', 'Contents:');
  const walk = (node: InspectNode, indent: string): void => {
    for (const child of node.children ?? []) {
      lines.push(`${indent}${child.name}: ${describeNode(child)}`);
      walk(child, `${indent}  `);
    }
    if (node.omitted) lines.push(`${indent}… ${node.omitted} more (not shown)`);
  };
  lines.push(`  ${describeNode(i.tree)}`);
  walk(i.tree, '    ');
  return `${lines.join('\n')}\n`;
}
