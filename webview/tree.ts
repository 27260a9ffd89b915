/**
 * The summary's rows as a tree, stage → block → layer (pure, unit-tested). Stem and head have no blocks; a block is
 * `layerN.i`. `visibleRows` flattens it the way the treegrid shows it: sorted, filtered, collapsed groups closed.
 */
import type { LayerRowData, ProfileData, ProfileLayerData, SummaryData, WebviewState } from '../src/shared/protocol';
import { saving } from '../src/shared/format';
import { isColumnKey, type ColumnKey } from './columns';
import type { LayerFilter } from './filter';

interface Aggregate {
  params: number;
  macs: number;
  denseParams: number;
  denseMacs: number;
  /** Measured time (the profile's), summed over a group's layers; 0 before profiling. */
  ms: number;
}

export interface LayerNode extends Aggregate {
  readonly kind: 'layer';
  readonly key: string;
  readonly order: number;
  readonly row: LayerRowData;
  /** The profile's row for this layer, once profiled. */
  readonly timing: ProfileLayerData | undefined;
}

export interface GroupNode extends Aggregate {
  readonly kind: 'stage' | 'block';
  readonly key: string;
  readonly order: number;
  readonly label: string;
  readonly type: string;
  outputShape: readonly number[];
  groups: number | undefined;
  readonly children: TreeNode[];
}

export type TreeNode = LayerNode | GroupNode;

// torchvision/timm stages `layerN` and blocks `layerN.i`; the CIFAR port's `stage_N` and `stage_N.stage_N_bottleneck_i`;
// the head is torchvision's avgpool/fc, timm's global_pool.*/fc or the port's classifier.
export function stageOf(name: string): string {
  const match = /^(layer\d+|stage_\d+)\./.exec(name);
  if (match) return match[1]!;
  return /^(avgpool|fc|classifier|global_pool)(\.|$)/.test(name) ? 'head' : 'stem';
}

export function blockOf(name: string): string | undefined {
  return /^(layer\d+\.\d+|stage_\d+\.stage_\d+_bottleneck_\d+)\./.exec(name)?.[1];
}

/**
 * The profile's row for each summary row, matched by torch layer name: the k-th row named N gets the profile's k-th
 * row named N (a ReLU module called three times per block has three rows of one name). undefined where none matches.
 */
export function matchProfile(summary: SummaryData, profile: ProfileData | undefined): (ProfileLayerData | undefined)[] {
  if (!profile) return summary.layers.map(() => undefined);
  const key = (name: string, seen: Map<string, number>): string => {
    const k = seen.get(name) ?? 0;
    seen.set(name, k + 1);
    return `${k}:${name}`;
  };
  const seenProfile = new Map<string, number>();
  const byKey = new Map(profile.layers.map((l) => [key(l.name, seenProfile), l]));
  const seenSummary = new Map<string, number>();
  return summary.layers.map((row) => {
    const timing = byKey.get(key(row.name, seenSummary));
    return timing?.type === row.type ? timing : undefined;
  });
}

export function buildTree(summary: SummaryData, profile?: ProfileData): GroupNode[] {
  const timings = matchProfile(summary, profile);
  const stages = new Map<string, GroupNode>();
  const blocks = new Map<string, GroupNode>();
  const group = (kind: 'stage' | 'block', key: string, type: string, order: number): GroupNode => ({
    kind,
    key,
    order,
    label: key,
    type,
    outputShape: [],
    groups: undefined,
    children: [],
    params: 0,
    macs: 0,
    denseParams: 0,
    denseMacs: 0,
    ms: 0,
  });
  // A class of the user's: grouped by its top-level modules (the summary's stage rows), not torchvision's stages.
  const readFromCode = 'readFrom' in summary;
  summary.layers.forEach((row, order) => {
    const stageName = readFromCode ? row.name.split('.')[0]! : stageOf(row.name);
    let stage = stages.get(stageName);
    if (!stage) {
      stage = group('stage', stageName, stageName === 'stem' ? 'Stem' : stageName === 'head' ? 'Head' : 'Stage', order);
      stages.set(stageName, stage);
    }
    const timing = timings[order];
    const layer: LayerNode = {
      kind: 'layer',
      key: `${order}`,
      order,
      row,
      timing,
      params: row.params,
      macs: row.macs,
      denseParams: row.denseParams,
      denseMacs: row.denseMacs,
      ms: timing?.ms ?? 0,
    };
    const blockName = blockOf(row.name);
    let parents: GroupNode[] = [stage];
    if (blockName !== undefined) {
      let block = blocks.get(blockName);
      if (!block) {
        block = group('block', blockName, readFromCode ? 'Block' : 'Bottleneck', order);
        blocks.set(blockName, block);
        stage.children.push(block);
      }
      block.children.push(layer);
      parents = [stage, block];
    } else {
      stage.children.push(layer);
    }
    for (const p of parents) {
      p.params += row.params;
      p.macs += row.macs;
      p.denseParams += row.denseParams;
      p.denseMacs += row.denseMacs;
      p.ms += layer.ms;
      p.outputShape = row.outputShape;
      if (row.groups !== undefined && row.groups > 1) p.groups = row.groups;
    }
  });
  return [...stages.values()];
}

export function allGroupKeys(tree: readonly TreeNode[]): string[] {
  const keys: string[] = [];
  const walk = (nodes: readonly TreeNode[]): void => {
    for (const n of nodes) {
      if (n.kind === 'layer') continue;
      keys.push(n.key);
      walk(n.children);
    }
  };
  walk(tree);
  return keys;
}

function sortValue(node: TreeNode, column: ColumnKey): number | string {
  switch (column) {
    case 'name':
    case 'outputShape':
      return node.order;
    case 'type':
      return node.kind === 'layer' ? node.row.type : node.type;
    case 'groups':
      return (node.kind === 'layer' ? node.row.groups : node.groups) ?? 0;
    case 'saving':
      return saving(node.params, node.denseParams);
    case 'gmacPerSecond':
    case 'intensity':
      return node.kind === 'layer' ? (node.timing?.[column] ?? 0) : 0;
    default:
      return node[column];
  }
}

export function sorted(nodes: readonly TreeNode[], sort: WebviewState['sort']): TreeNode[] {
  if (!sort) return [...nodes];
  const key: ColumnKey = isColumnKey(sort.column) ? sort.column : 'name';
  return [...nodes].sort((a, b) => {
    const va = sortValue(a, key);
    const vb = sortValue(b, key);
    const order = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
    return (sort.descending ? -order : order) || a.order - b.order;
  });
}

/** One row as the treegrid shows it (aria-level, -setsize, -posinset, -expanded). */
export interface VisibleRow {
  readonly node: TreeNode;
  readonly level: number;
  readonly setSize: number;
  readonly posInSet: number;
  /** undefined for layers (leaves). */
  readonly expanded: boolean | undefined;
  readonly parentKey: string | undefined;
}

function hasMatch(node: TreeNode, filter: LayerFilter): boolean {
  return node.kind === 'layer' ? filter.matches(node.row) : node.children.some((c) => hasMatch(c, filter));
}

/** The rows in display order. While filtering, groups with matches are open so the matches are seen. */
export function visibleRows(tree: readonly TreeNode[], filter: LayerFilter, collapsed: ReadonlySet<string>, sort: WebviewState['sort']): VisibleRow[] {
  const rows: VisibleRow[] = [];
  const walk = (nodes: readonly TreeNode[], level: number, parentKey: string | undefined): void => {
    const visible = sorted(nodes, sort).filter((n) => !filter.active || hasMatch(n, filter));
    visible.forEach((node, i) => {
      const expanded = node.kind === 'layer' ? undefined : filter.active || !collapsed.has(node.key);
      rows.push({ node, level, setSize: visible.length, posInSet: i + 1, expanded, parentKey });
      if (node.kind !== 'layer' && expanded) walk(node.children, level + 1, node.key);
    });
  };
  walk(tree, 1, undefined);
  return rows;
}
