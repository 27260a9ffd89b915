/**
 * How an inspection (inspect.ts, schema resnext-inspector/inspect@1) reads as text: the CLI's table and the lines of
 * the extension's Checkpoint Inspector view. Pure formatting of the plain JSON; nothing here reads a file.
 */
import type { CandidateSummary, Inspection, InspectNode } from '../../shared/data';

export const INSPECT_FORMATS = ['table', 'json'] as const;
export type InspectFormat = (typeof INSPECT_FORMATS)[number];
export const RECORDED_NOT_RUN = 'recorded, not run';

const formatBytes = (bytes: number): string =>
  bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 ** 2
      ? `${(bytes / 1024).toFixed(1)} KiB`
      : bytes < 1024 ** 3
        ? `${(bytes / 1024 ** 2).toFixed(1)} MiB`
        : `${(bytes / 1024 ** 3).toFixed(2)} GiB`;

const FORMAT_NAMES: Record<Inspection['format'], string> = {
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
  if (node.type === 'module') return node.value ?? 'module';
  if (node.type === 'str') return JSON.stringify(node.value);
  if (node.value !== undefined) return `${node.type} ${node.value}`;
  return node.type;
}

/**
 * A state dict's flat keys as PyTorch's module tree, for a narrow tree view: `layer1.0.bn1.weight` becomes layer1 ›
 * 0 › bn1 › weight, so each row's label is short and its shape stays readable. Keys without a dot stay where they
 * are; groups keep the order of their first key; a group is a node of type 'module' whose value counts its tensors.
 */
export function groupByModule(children: readonly InspectNode[]): InspectNode[] {
  if (!children.some((c) => c.name.includes('.'))) return [...children];
  const out: (InspectNode | { name: string; members: InspectNode[] })[] = [];
  const groups = new Map<string, { name: string; members: InspectNode[] }>();
  for (const child of children) {
    const dot = child.name.indexOf('.');
    if (dot <= 0) {
      out.push(child);
      continue;
    }
    const head = child.name.slice(0, dot);
    let group = groups.get(head);
    if (!group) {
      group = { name: head, members: [] };
      groups.set(head, group);
      out.push(group);
    }
    group.members.push({ ...child, name: child.name.slice(dot + 1) });
  }
  const tensors = (n: InspectNode): number => (n.type === 'tensor' ? 1 : (n.children ?? []).reduce((a, c) => a + tensors(c), 0));
  return out.map((entry) => {
    if (!('members' in entry)) return entry;
    const nested = groupByModule(entry.members);
    const count = nested.reduce((a, c) => a + tensors(c), 0);
    return { name: entry.name, type: 'module', value: `${count} tensor${count === 1 ? '' : 's'}`, children: nested };
  });
}

/** The part of a node's line that must stay readable in a narrow tree row: a tensor's shape (the rest goes in the tooltip). */
export function describeNodeShort(node: InspectNode): string {
  return node.type === 'tensor' ? `[${node.shape!.join(', ')}]` : describeNode(node);
}

export function describeCandidate(c: CandidateSummary): string {
  const where = c.key === '' ? 'the file itself' : `'${c.key}'`;
  const names =
    c.torchvisionPrefix === undefined
      ? "names are not torchvision's"
      : c.torchvisionPrefix === ''
        ? "torchvision's names"
        : `torchvision's names behind '${c.torchvisionPrefix}'`;
  return `${where}: ${c.kind}${c.className ? ` ${c.className}` : ''}, ${c.tensors} tensors, ${names}`;
}

/** The headline: file, container format, size and tensors. */
export function describeInspection(i: Inspection): string[] {
  return [`${i.file}: ${FORMAT_NAMES[i.format]}, ${formatBytes(i.sizeBytes)}; ${i.tensors.count} tensors, ${formatBytes(i.tensors.bytes)}`];
}

export function formatInspection(inspection: Inspection, format: InspectFormat): string {
  if (format === 'json') return `${JSON.stringify(inspection, null, 2)}\n`;
  const i = inspection;
  const lines = [
    ...describeInspection(i),
    '',
    `Globals named by the pickle (${i.globals.length}; nothing was imported or run):`,
    ...(i.globals.length === 0 ? ['  (none)'] : i.globals.map((g) => `  ${(i.globalStatus[g] ?? RECORDED_NOT_RUN).padEnd(RECORDED_NOT_RUN.length)}  ${g}`)),
    '',
    `State-dict candidates (${i.candidates.length}, in the order they are tried):`,
    ...(i.candidates.length === 0 ? ['  (none)'] : i.candidates.map((c) => `  ${c.key === i.chosen ? '*' : ' '} ${describeCandidate(c)}`)),
  ];
  if (i.chosen !== null) {
    const chosen = i.chosen === '' ? 'the file itself' : `'${i.chosen}'`;
    lines.push(
      `Chosen: ${chosen}${i.strippedPrefix !== null ? `, prefix '${i.strippedPrefix}' stripped` : ''}${i.ignoredKeys.length > 0 ? `, ${i.ignoredKeys.length} keys outside it left out` : ''}`,
    );
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
