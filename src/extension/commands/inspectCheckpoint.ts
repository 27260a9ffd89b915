/**
 * "ResNeXt: Inspect Checkpoint": what a checkpoint holds, read in the worker without running anything and without
 * reading tensor data (the core's inspectWeights, the same as `resnext inspect`), shown as a tree in the ResNeXt side bar's
 * "Checkpoint Inspector" view: the file and its format, every global the pickle names (allowed, or recorded and not
 * run), the state-dict candidates (the chosen one marked), the architecture, and the key tree down to each tensor.
 */
import * as vscode from 'vscode';
import type { InspectionData } from '../../shared/protocol';
import type { InspectNode } from '../../shared/data';
import { describeCandidate, describeNode, describeNodeShort, describeInspection, groupByModule } from '../../model/weights/inspectText';
import { checkpointArg, fileName, showCheckpointError, stateDictKeySetting } from '../checkpointFiles';
import { runWithProgress, type Services } from '../services';
import { modelTitle, titledModel } from '../../shared/names';

export const INSPECTOR_VIEW_ID = 'resnext.checkpointInspector';
const VISIBLE_CONTEXT_KEY = 'resnext.checkpointInspected';

type Item =
  | { readonly kind: 'line'; readonly label: string; readonly description?: string; readonly tooltip?: string; readonly icon?: string }
  | {
      readonly kind: 'group';
      readonly label: string;
      readonly description?: string;
      readonly icon?: string;
      readonly children: readonly Item[];
      readonly expanded: boolean;
    }
  | { readonly kind: 'node'; readonly node: InspectNode };

class InspectorTree implements vscode.TreeDataProvider<Item> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private roots: Item[] = [];
  inspection: InspectionData | undefined;
  uri: vscode.Uri | undefined;

  show(inspection: InspectionData, uri: vscode.Uri): void {
    this.inspection = inspection;
    this.uri = uri;
    this.roots = rootItems(inspection);
    this.changed.fire();
  }

  getChildren(item?: Item): Item[] {
    if (item === undefined) return this.roots;
    if (item.kind === 'group') return [...item.children];
    // A state dict's dotted keys as the module tree, so that labels stay short and shapes readable in the side bar.
    if (item.kind === 'node') return groupByModule(item.node.children ?? []).map((node) => ({ kind: 'node', node }));
    return [];
  }

  getTreeItem(item: Item): vscode.TreeItem {
    if (item.kind === 'node') {
      const { node } = item;
      const hasChildren = (node.children?.length ?? 0) > 0;
      const tree = new vscode.TreeItem(
        node.name === '' ? '(root)' : node.name,
        hasChildren ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
      );
      // The shape first (it is what a narrow sidebar must show); dtype and size in the tooltip.
      const more = node.omitted ? ` (+${node.omitted} not shown)` : '';
      tree.description = describeNodeShort(node) + more;
      tree.tooltip = `${node.name}: ${describeNode(node)}${more}`;
      tree.iconPath = new vscode.ThemeIcon(
        node.type === 'tensor'
          ? 'symbol-array'
          : node.type === 'object'
            ? 'symbol-class'
            : node.type === 'module'
              ? 'symbol-module'
              : hasChildren
                ? 'symbol-namespace'
                : 'symbol-field',
      );
      return tree;
    }
    const collapsible =
      item.kind === 'group'
        ? item.expanded
          ? vscode.TreeItemCollapsibleState.Expanded
          : vscode.TreeItemCollapsibleState.Collapsed
        : vscode.TreeItemCollapsibleState.None;
    const tree = new vscode.TreeItem(item.label, collapsible);
    tree.description = item.description;
    tree.tooltip = item.kind === 'line' ? (item.tooltip ?? `${item.label} ${item.description ?? ''}`) : undefined;
    if (item.icon) tree.iconPath = new vscode.ThemeIcon(item.icon);
    return tree;
  }
}

function rootItems(i: InspectionData): Item[] {
  const [headline] = describeInspection(i);
  // The network's name (as every title names it), the exact model string in the tooltip.
  const architecture = i.architecture && {
    model: i.architecture.model,
    title: modelTitle(i.architecture.model, { ...i.architecture.config, inputShape: [1, 3, 224, 224] }),
  };
  const globals: Item[] = i.globals.map((g) => {
    const allowed = i.globalStatus[g] === 'allowed';
    return {
      kind: 'line',
      label: g,
      description: allowed ? 'allowed' : 'not run',
      icon: allowed ? 'pass' : 'shield',
      tooltip: allowed ? `${g}: on the allow-list, interpreted as data` : `${g}: recorded by name; nothing was imported or run`,
    };
  });
  const candidates: Item[] = i.candidates.map((c) => ({
    kind: 'line',
    label: c.key === '' ? '(the file itself)' : c.key,
    description: `${c.key === i.chosen ? 'chosen · ' : ''}${describeCandidate(c).replace(/^[^:]*: /, '')}`,
    icon: c.key === i.chosen ? 'check' : 'circle-outline',
  }));
  const chosen =
    i.chosen === null
      ? 'none'
      : `${i.chosen === '' ? 'the file itself' : `'${i.chosen}'`}${i.strippedPrefix !== null ? `, prefix '${i.strippedPrefix}' stripped` : ''}${i.ignoredKeys.length > 0 ? `, ${i.ignoredKeys.length} keys left out` : ''}`;
  return [
    { kind: 'line', label: i.file.split(/[\\/]/).pop() ?? i.file, description: headline!.replace(/^[^:]*: /, ''), icon: 'file-binary', tooltip: headline },
    {
      kind: 'line',
      label: 'Architecture',
      description: architecture ? architecture.title : `not inferred: ${i.architectureError ?? 'unknown'}`,
      icon: i.architecture ? 'circuit-board' : 'warning',
      tooltip: architecture ? titledModel(architecture.title, architecture.model) : i.architectureError,
    },
    { kind: 'line', label: 'State dict used', description: chosen, icon: 'target' },
    {
      kind: 'group',
      label: `Candidates (${i.candidates.length})`,
      description: 'in the order they are tried',
      icon: 'list-ordered',
      children: candidates,
      expanded: i.candidates.length > 1,
    },
    { kind: 'group', label: `Globals (${i.globals.length})`, description: 'nothing was imported or run', icon: 'shield', children: globals, expanded: false },
    {
      kind: 'group',
      label: 'Contents',
      description: `${i.tensors.count} tensors`,
      icon: 'list-tree',
      children: [{ kind: 'node', node: i.tree }],
      expanded: true,
    },
  ];
}

let tree: InspectorTree | undefined;
let view: vscode.TreeView<Item> | undefined;

/** The view is created on first use (activation stays registration only); it is shown once something was inspected. */
function ensureView(services: Services): InspectorTree {
  if (tree && view) return tree;
  tree = new InspectorTree();
  view = vscode.window.createTreeView(INSPECTOR_VIEW_ID, { treeDataProvider: tree, showCollapseAll: true });
  services.context.subscriptions.push(view);
  return tree;
}

/** The file last inspected (for the view's title actions). */
export function inspectedUri(): vscode.Uri | undefined {
  return tree?.uri;
}

export async function inspectCheckpointCommand(services: Services, arg?: unknown): Promise<InspectionData | undefined> {
  const uri = await checkpointArg(arg, 'Inspect a checkpoint', 'Inspect');
  if (!uri) return undefined;
  const name = fileName(uri);
  try {
    const result = await runWithProgress(services, `Inspecting ${name}`, { type: 'inspectCheckpoint', path: uri.fsPath, ...stateDictKeySetting() });
    const provider = ensureView(services);
    provider.show(result.inspection, uri);
    await vscode.commands.executeCommand('setContext', VISIBLE_CONTEXT_KEY, true);
    view!.title = `Checkpoint: ${name}`;
    await vscode.commands.executeCommand(`${INSPECTOR_VIEW_ID}.focus`);
    return result.inspection;
  } catch (error) {
    void showCheckpointError(services, error, `Inspecting ${name}`, uri, 'resnext.inspectCheckpoint');
    return undefined;
  }
}
