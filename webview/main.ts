/**
 * The summary webview: renders a SummaryData it is given, never computes one (DESIGN §1). Layout: header with the
 * configuration and totals, a toolbar (filter, expand/collapse, copy, export), per-stage charts of params and MACs
 * against their dense equivalents, and a treegrid stage → block → layer with torchsummary's lines in the footer.
 * Copy and export are requests to the extension, which formats with the core's report module.
 *
 * Security: runs under `default-src 'none'` with a nonce; all text goes in through textContent/createElement, never
 * innerHTML, because layer names can come from a checkpoint.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import './style.css';
import type { ExportFormat, HostMessage, LayerRowData, SummaryData, WebviewMessage, WebviewState } from '../src/shared/protocol';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: WebviewState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();

// Light shape checks. The full validators live in src/shared/protocol.ts, but the webview imports only types from
// there (DESIGN §1) and everything it receives comes from the extension host, which validated it; these guard
// against a stale saved state from an older version rather than against an attacker.
const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
function isSummary(x: unknown): x is SummaryData {
  return isObject(x) && typeof x.model === 'string' && Array.isArray(x.layers) && Array.isArray(x.stages) && isObject(x.totals) && isObject(x.config) && isObject(x.timingsMs);
}
function isWebviewState(x: unknown): x is WebviewState {
  return isObject(x) && isSummary(x.summary) && Array.isArray(x.collapsed) && typeof x.filter === 'string' && (x.sort === null || isObject(x.sort));
}
function isHostMessage(x: unknown): x is HostMessage {
  if (!isObject(x)) return false;
  if (x.type === 'summary') return isSummary(x.summary);
  return (x.type === 'done' || x.type === 'error') && typeof x.id === 'number' && typeof x.message === 'string';
}

// ---------------------------------------------------------------------------------------------------------------
// Formatting (the webview imports nothing from the core: these mirror src/model/report/format.ts)

const formatInt = (n: number): string => n.toLocaleString('en-US');
const formatShape = (shape: readonly number[]): string => `[${shape.join(', ')}]`;
const formatMiB = (mib: number): string => mib.toFixed(2);
function formatSi(n: number): string {
  const units: [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [scale, unit] of units) if (Math.abs(n) >= scale) return `${(n / scale).toFixed(2)} ${unit}`;
  return String(n);
}
/** 1 − actual / dense, the share of the dense equivalent that grouped convolution saves. */
const saving = (actual: number, dense: number): number => (dense > actual && dense > 0 ? 1 - actual / dense : 0);
const formatSaving = (actual: number, dense: number): string => (dense > actual && dense > 0 ? `${(100 * saving(actual, dense)).toFixed(1)}%` : '');

// ---------------------------------------------------------------------------------------------------------------
// The tree: stage → block → layer. Stem and head have no blocks; a block is `layerN.i`.

interface Aggregate {
  params: number;
  macs: number;
  denseParams: number;
  denseMacs: number;
}

interface LayerNode extends Aggregate {
  readonly kind: 'layer';
  readonly key: string;
  readonly order: number;
  readonly row: LayerRowData;
}

interface GroupNode extends Aggregate {
  readonly kind: 'stage' | 'block';
  readonly key: string;
  readonly order: number;
  readonly label: string;
  readonly type: string;
  outputShape: readonly number[];
  groups: number | undefined;
  readonly children: TreeNode[];
}

type TreeNode = LayerNode | GroupNode;

function stageOf(name: string): string {
  const match = /^(layer\d+)\./.exec(name);
  if (match) return match[1]!;
  return name === 'avgpool' || name === 'fc' ? 'head' : 'stem';
}

function blockOf(name: string): string | undefined {
  return /^(layer\d+\.\d+)\./.exec(name)?.[1];
}

function buildTree(summary: SummaryData): GroupNode[] {
  const stages = new Map<string, GroupNode>();
  const blocks = new Map<string, GroupNode>();
  const group = (kind: 'stage' | 'block', key: string, type: string, order: number): GroupNode => ({
    kind, key, order, label: key, type, outputShape: [], groups: undefined, children: [], params: 0, macs: 0, denseParams: 0, denseMacs: 0,
  });
  summary.layers.forEach((row, order) => {
    const stageName = stageOf(row.name);
    let stage = stages.get(stageName);
    if (!stage) {
      stage = group('stage', stageName, stageName === 'stem' ? 'Stem' : stageName === 'head' ? 'Head' : 'Stage', order);
      stages.set(stageName, stage);
    }
    const layer: LayerNode = { kind: 'layer', key: `${order}`, order, row, params: row.params, macs: row.macs, denseParams: row.denseParams, denseMacs: row.denseMacs };
    const blockName = blockOf(row.name);
    let parents: GroupNode[] = [stage];
    if (blockName !== undefined) {
      let block = blocks.get(blockName);
      if (!block) {
        block = group('block', blockName, 'Bottleneck', order);
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
      p.outputShape = row.outputShape;
      if (row.groups !== undefined && row.groups > 1) p.groups = row.groups;
    }
  });
  return [...stages.values()];
}

// ---------------------------------------------------------------------------------------------------------------
// State

const initial = ((): WebviewState => {
  const saved = vscode.getState();
  if (isWebviewState(saved)) return saved;
  const fromHtml: unknown = JSON.parse(document.body.dataset.state ?? 'null');
  if (isWebviewState(fromHtml)) return fromHtml;
  throw new Error('the summary webview started without a valid state');
})();

let summary: SummaryData = initial.summary;
let tree = buildTree(summary);
const collapsed = new Set<string>(initial.collapsed);
let filter = initial.filter;
let sort = initial.sort;

function saveState(): void {
  vscode.setState({ summary, collapsed: [...collapsed], filter, sort });
}

// ---------------------------------------------------------------------------------------------------------------
// DOM helpers

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

function custom(tag: string, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
function svg(tag: string, attrs: Record<string, string | number> = {}, text?: string): SVGElement {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

// ---------------------------------------------------------------------------------------------------------------
// Requests to the extension (request/reply by id; an error reply rejects)

let nextRequestId = 1;
const pending = new Map<number, { resolve: (message: string) => void; reject: (error: Error) => void }>();

function request(make: (id: number) => WebviewMessage): Promise<string> {
  const id = nextRequestId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    vscode.postMessage(make(id));
  });
}

function setStatus(text: string, isError = false): void {
  const status = document.getElementById('status');
  if (!status) return;
  status.textContent = text;
  status.classList.toggle('error', isError);
}

async function runRequest(make: (id: number) => WebviewMessage): Promise<void> {
  setStatus('');
  try {
    const message = await request(make);
    setStatus(message);
  } catch (error) {
    setStatus(error instanceof Error ? error.message : String(error), true);
  }
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message: unknown = event.data;
  if (!isHostMessage(message)) return;
  onHostMessage(message);
});

function onHostMessage(message: HostMessage): void {
  switch (message.type) {
    case 'summary': {
      // The reply to 'ready' usually repeats what the page started from: nothing to redraw then.
      if (JSON.stringify(message.summary) === JSON.stringify(summary)) return;
      const sameModel = message.summary.model === summary.model;
      summary = message.summary;
      tree = buildTree(summary);
      if (!sameModel) {
        collapsed.clear();
        filter = '';
        sort = null;
      }
      render();
      return;
    }
    case 'done':
    case 'error': {
      const p = pending.get(message.id);
      if (!p) return;
      pending.delete(message.id);
      if (message.type === 'done') p.resolve(message.message);
      else p.reject(new Error(message.message));
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering

const COLUMNS = [
  { key: 'name', title: 'Layer', numeric: false, sortable: true },
  { key: 'type', title: 'Type', numeric: false, sortable: true },
  { key: 'outputShape', title: 'Output shape', numeric: false, sortable: false },
  { key: 'params', title: 'Params', numeric: true, sortable: true },
  { key: 'macs', title: 'MACs', numeric: true, sortable: true },
  { key: 'groups', title: 'Groups', numeric: true, sortable: true },
  { key: 'denseParams', title: 'Dense params', numeric: true, sortable: true },
  { key: 'denseMacs', title: 'Dense MACs', numeric: true, sortable: true },
  { key: 'saving', title: 'Saving', numeric: true, sortable: true },
] as const;

type ColumnKey = (typeof COLUMNS)[number]['key'];

function sortValue(node: TreeNode, column: ColumnKey): number | string {
  switch (column) {
    case 'name':
      return node.order;
    case 'type':
      return node.kind === 'layer' ? node.row.type : node.type;
    case 'groups':
      return (node.kind === 'layer' ? node.row.groups : node.groups) ?? 0;
    case 'saving':
      return saving(node.params, node.denseParams);
    case 'outputShape':
      return node.order;
    default:
      return node[column];
  }
}

function sorted(nodes: readonly TreeNode[]): TreeNode[] {
  if (!sort) return [...nodes];
  const { column, descending } = sort;
  const key = COLUMNS.some((c) => c.key === column) ? (column as ColumnKey) : 'name';
  return [...nodes].sort((a, b) => {
    const va = sortValue(a, key);
    const vb = sortValue(b, key);
    const order = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
    return (descending ? -order : order) || a.order - b.order;
  });
}

function matches(node: TreeNode, needle: string): boolean {
  if (needle === '') return true;
  if (node.kind === 'layer') return node.row.name.toLowerCase().includes(needle) || node.row.type.toLowerCase().includes(needle);
  return node.key.toLowerCase().includes(needle) || node.children.some((c) => matches(c, needle));
}

function cell(text: string, numeric: boolean, title?: string): HTMLTableCellElement {
  const td = el('td', numeric ? { class: 'num' } : {}, text);
  if (title !== undefined) td.title = title;
  return td;
}

function rowFor(node: TreeNode, level: number, setSize: number, posInSet: number, expanded: boolean | undefined): HTMLTableRowElement {
  const isGroup = node.kind !== 'layer';
  const name = node.kind === 'layer' ? node.row.name : node.label;
  const type = node.kind === 'layer' ? node.row.type : node.type;
  const shape = node.kind === 'layer' ? node.row.outputShape : node.outputShape;
  const groups = node.kind === 'layer' ? node.row.groups : node.groups;
  const tr = el('tr', {
    class: `level-${level} ${node.kind}`,
    'aria-level': String(level),
    'aria-setsize': String(setSize),
    'aria-posinset': String(posInSet),
    'data-key': node.key,
  });
  if (expanded !== undefined) tr.setAttribute('aria-expanded', String(expanded));
  const nameCell = el('td', { class: 'name' });
  if (isGroup) {
    const toggle = el('button', { class: 'toggle', type: 'button', 'aria-expanded': String(expanded), 'aria-label': `${expanded ? 'Collapse' : 'Expand'} ${name}`, 'data-key': node.key });
    toggle.append(el('span', { class: `chevron${expanded ? ' open' : ''}`, 'aria-hidden': 'true' }), el('span', {}, name));
    nameCell.append(toggle);
  } else {
    nameCell.append(el('span', { class: 'leaf' }, name));
  }
  tr.append(
    nameCell,
    cell(type, false),
    cell(formatShape(shape), false),
    cell(formatInt(node.params), true),
    cell(formatInt(node.macs), true, node.macs > 0 ? formatSi(node.macs) : undefined),
    cell(groups === undefined ? '' : String(groups), true),
    cell(formatInt(node.denseParams), true),
    cell(formatInt(node.denseMacs), true, node.denseMacs > 0 ? formatSi(node.denseMacs) : undefined),
    cell(formatSaving(node.params, node.denseParams), true, node.denseMacs > node.macs ? `MACs saved: ${formatSaving(node.macs, node.denseMacs)}` : undefined),
  );
  return tr;
}

function renderBody(tbody: HTMLTableSectionElement): void {
  const needle = filter.trim().toLowerCase();
  const rows: HTMLTableRowElement[] = [];
  const walk = (nodes: readonly TreeNode[], level: number): void => {
    const visible = sorted(nodes).filter((n) => matches(n, needle));
    visible.forEach((node, i) => {
      // While filtering, groups with matches open so the matches are seen; collapsing is for browsing.
      const expanded = node.kind === 'layer' ? undefined : needle !== '' || !collapsed.has(node.key);
      rows.push(rowFor(node, level, visible.length, i + 1, expanded));
      if (node.kind !== 'layer' && expanded) walk(node.children, level + 1);
    });
  };
  walk(tree, 1);
  tbody.replaceChildren(...rows);
  if (rows.length === 0) {
    tbody.append(el('tr', {}, el('td', { colspan: String(COLUMNS.length), class: 'empty' }, `No layer matches “${filter}”.`)));
  }
}

function renderHead(thead: HTMLTableSectionElement): void {
  const tr = el('tr');
  for (const column of COLUMNS) {
    const active = sort?.column === column.key;
    const th = el('th', { scope: 'col', class: column.numeric ? 'num' : '' });
    th.setAttribute('aria-sort', active ? (sort?.descending ? 'descending' : 'ascending') : 'none');
    if (column.sortable) {
      const arrow = active ? (sort?.descending ? ' ▼' : ' ▲') : '';
      const button = el('button', { type: 'button', class: 'sort', 'data-column': column.key, title: `Sort by ${column.title.toLowerCase()}` }, column.title + arrow);
      th.append(button);
    } else {
      th.append(column.title);
    }
    tr.append(th);
  }
  thead.replaceChildren(tr);
}

function renderFoot(tfoot: HTMLTableSectionElement): void {
  const t = summary.totals;
  const total = el('tr', { class: 'total' });
  total.append(
    el('th', { scope: 'row', colspan: '3' }, 'Total'),
    cell(formatInt(t.params), true),
    cell(formatInt(t.macs), true, formatSi(t.macs)),
    cell('', true),
    cell(formatInt(t.denseParams), true),
    cell(formatInt(t.denseMacs), true, formatSi(t.denseMacs)),
    cell(formatSaving(t.params, t.denseParams), true),
  );
  // torchsummary's closing lines, worded as it prints them ("MB" there is MiB).
  const lines: [string, string][] = [
    ['Total params', formatInt(t.params)],
    ['Trainable params', formatInt(t.trainableParams)],
    ['Non-trainable params', formatInt(t.params - t.trainableParams)],
    ['Total MACs (multiply-adds; FLOPs ≈ 2 × MACs)', `${formatInt(t.macs)} (${formatSi(t.macs)})`],
    ['Input size (MB)', formatMiB(t.inputSizeMiB)],
    ['Forward/backward pass size (MB)', formatMiB(t.forwardBackwardSizeMiB)],
    ['Params size (MB)', formatMiB(t.paramsSizeMiB)],
    ['Estimated Total Size (MB)', formatMiB(t.estimatedTotalSizeMiB)],
  ];
  const lineRows = lines.map(([label, value], i) =>
    el('tr', { class: `torchsummary${i === 0 ? ' first' : ''}` }, el('th', { scope: 'row', colspan: '3' }, label), el('td', { class: 'num', colspan: '2' }, value), el('td', { colspan: String(COLUMNS.length - 5) })),
  );
  tfoot.replaceChildren(total, ...lineRows);
}

function renderChart(title: string, metric: 'params' | 'macs'): HTMLElement {
  const stages = summary.stages;
  const dense = metric === 'params' ? 'denseParams' : 'denseMacs';
  const max = Math.max(1, ...stages.map((s) => Math.max(s[metric], s[dense])));
  const labelWidth = 64;
  const valueWidth = 84;
  const barArea = 360;
  const barHeight = 11;
  const rowHeight = 2 * barHeight + 12;
  const width = labelWidth + barArea + valueWidth;
  const height = stages.length * rowHeight + 8;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'chart' });
  root.append(svg('title', {}, `${title}: grouped (actual) against the dense equivalent, per stage`));
  stages.forEach((stage, i) => {
    const y = 4 + i * rowHeight;
    root.append(svg('text', { x: 0, y: y + barHeight + 3, class: 'chart-label' }, stage.name));
    const bars: [string, number][] = [['actual', stage[metric]], ['dense', stage[dense]]];
    bars.forEach(([kind, value], j) => {
      const by = y + j * (barHeight + 2);
      const w = Math.max(value > 0 ? 1 : 0, (value / max) * barArea);
      const rect = svg('rect', { x: labelWidth, y: by, width: w.toFixed(1), height: barHeight, rx: 2, class: `bar bar-${kind}` });
      rect.append(svg('title', {}, `${stage.name} ${kind === 'actual' ? 'grouped' : 'dense equivalent'}: ${formatInt(value)} ${metric === 'params' ? 'params' : 'MACs'}`));
      root.append(rect);
      root.append(svg('text', { x: labelWidth + w + 4, y: by + barHeight - 2, class: 'chart-value' }, formatSi(value)));
    });
  });
  const legend = el('div', { class: 'legend' },
    el('span', { class: 'swatch swatch-actual', 'aria-hidden': 'true' }), metric === 'params' ? 'params (grouped)' : 'MACs (grouped)',
    el('span', { class: 'swatch swatch-dense', 'aria-hidden': 'true' }), 'dense equivalent (groups = 1)');
  return el('figure', { class: 'chart-figure' }, el('figcaption', {}, title), root, legend);
}

function renderHeader(): HTMLElement {
  const c = summary.config;
  const t = summary.totals;
  const grouped = t.denseParams > t.params;
  const stat = (label: string, value: string, detail: string): HTMLElement =>
    el('div', { class: 'stat' }, el('div', { class: 'stat-label' }, label), el('div', { class: 'stat-value' }, value), el('div', { class: 'stat-detail' }, detail));
  return el('header', {},
    el('h1', { id: 'title' }, summary.model),
    el('p', { class: 'config' },
      `layers ${c.layers.join(',')} · groups ${c.groups} · width per group ${c.widthPerGroup} · base width ${c.baseWidth} · ${c.numClasses} classes · input ${formatShape(c.inputShape)}` +
      (summary.weights !== undefined ? ` · weights ${summary.weights}` : '')),
    el('div', { class: 'stats' },
      stat('Params', formatInt(t.params), `${formatMiB(t.paramsSizeMiB)} MiB of float32`),
      stat('MACs (multiply-adds)', formatSi(t.macs), `${formatInt(t.macs)} · FLOPs ≈ 2 × MACs`),
      stat('Dense equivalent', `${formatSi(t.denseParams)} · ${formatSi(t.denseMacs)}`, 'params · MACs with groups = 1'),
      stat('Grouped conv saves', grouped ? `${formatSaving(t.params, t.denseParams)} · ${formatSaving(t.macs, t.denseMacs)}` : 'nothing', grouped ? 'of params · of MACs' : 'no grouped convolution'),
      stat('Estimated total size', `${formatMiB(t.estimatedTotalSizeMiB)} MiB`, 'torchsummary’s estimate'),
    ),
  );
}

function renderToolbar(): HTMLElement {
  const search = custom('vscode-textfield', { id: 'filter', placeholder: 'Filter layers by name or type', 'aria-label': 'Filter layers by name or type' });
  (search as HTMLElement & { value: string }).value = filter;
  const button = (id: string, label: string, secondary: boolean): HTMLElement => custom('vscode-button', { id, ...(secondary && { secondary: '' }) }, label);
  return el('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Summary actions' },
    search,
    button('expand-all', 'Expand all', true),
    button('collapse-all', 'Collapse all', true),
    button('copy-markdown', 'Copy as Markdown', false),
    button('export-markdown', 'Export Markdown…', true),
    button('export-csv', 'Export CSV…', true),
    button('export-json', 'Export JSON…', true),
    el('span', { id: 'status', role: 'status', 'aria-live': 'polite' }),
  );
}

function render(): void {
  const app = document.getElementById('app');
  if (!app) return;
  const table = el('table', { id: 'summary', role: 'treegrid', 'aria-label': `Layers of ${summary.model}` });
  const thead = el('thead');
  const tbody = el('tbody');
  const tfoot = el('tfoot');
  renderHead(thead);
  renderBody(tbody);
  renderFoot(tfoot);
  table.append(thead, tbody, tfoot);
  const charts = custom('vscode-collapsible', { title: 'Per-stage params and MACs: grouped vs dense', open: '' },
    el('div', { class: 'charts' }, renderChart('Params per stage', 'params'), renderChart('MACs per stage', 'macs')));
  app.replaceChildren(renderHeader(), renderToolbar(), charts, el('div', { class: 'table-wrap' }, table),
    el('p', { class: 'footnote' }, `Traced on TensorFlow.js: ${summary.timingsMs.build.toFixed(0)} ms build + ${summary.timingsMs.forward.toFixed(0)} ms forward. MB = MiB, as in torchsummary.`));
  app.setAttribute('aria-busy', 'false');
  saveState();
}

/** Re-renders the rows only (keeps the toolbar's focus and the filter's caret). */
function rerenderRows(focusKey?: string): void {
  const table = document.getElementById('summary');
  const tbody = table?.querySelector('tbody');
  const thead = table?.querySelector('thead');
  if (!tbody || !thead) return render();
  renderHead(thead);
  renderBody(tbody);
  saveState();
  if (focusKey !== undefined) tbody.querySelector<HTMLButtonElement>(`button.toggle[data-key="${CSS.escape(focusKey)}"]`)?.focus();
}

// ---------------------------------------------------------------------------------------------------------------
// Interaction

function allGroupKeys(): string[] {
  const keys: string[] = [];
  const walk = (nodes: readonly TreeNode[]): void => {
    for (const n of nodes) if (n.kind !== 'layer') {
      keys.push(n.key);
      walk(n.children);
    }
  };
  walk(tree);
  return keys;
}

function toggle(key: string, expand?: boolean): void {
  const open = expand ?? collapsed.has(key);
  if (open) collapsed.delete(key);
  else collapsed.add(key);
  rerenderRows(key);
}

const EXPORTS: Record<string, ExportFormat> = { 'export-markdown': 'markdown', 'export-csv': 'csv', 'export-json': 'json' };

document.addEventListener('click', (event) => {
  const target = event.target instanceof Element ? event.target : null;
  const toggleButton = target?.closest<HTMLButtonElement>('button.toggle');
  if (toggleButton?.dataset.key !== undefined) return toggle(toggleButton.dataset.key);
  const sortButton = target?.closest<HTMLButtonElement>('button.sort');
  if (sortButton?.dataset.column !== undefined) {
    const column = sortButton.dataset.column;
    // Cycle: ascending (descending for numbers, where "largest first" is what one looks for) → reversed → forward order.
    const numeric = COLUMNS.find((c) => c.key === column)?.numeric ?? false;
    if (sort?.column !== column) sort = { column, descending: numeric };
    else if (sort.descending === numeric) sort = { column, descending: !numeric };
    else sort = null;
    rerenderRows();
    document.querySelector<HTMLButtonElement>(`button.sort[data-column="${CSS.escape(column)}"]`)?.focus();
    return;
  }
  const action = target?.closest('vscode-button')?.id;
  if (action === 'expand-all') {
    collapsed.clear();
    rerenderRows();
  } else if (action === 'collapse-all') {
    for (const key of allGroupKeys()) collapsed.add(key);
    rerenderRows();
  } else if (action === 'copy-markdown') {
    void runRequest((id) => ({ type: 'copyMarkdown', id }));
  } else if (action !== undefined && EXPORTS[action] !== undefined) {
    const format = EXPORTS[action];
    void runRequest((id) => ({ type: 'export', id, format }));
  }
});

document.addEventListener('input', (event) => {
  const target = event.target;
  if (target instanceof HTMLElement && target.id === 'filter') {
    filter = (target as HTMLElement & { value: string }).value;
    rerenderRows();
  }
});

/** Treegrid keys on the toggles: ←/→ collapse/expand (or move to the parent), ↑/↓ move between rows' toggles. */
document.addEventListener('keydown', (event) => {
  const target = event.target;
  if (!(target instanceof HTMLButtonElement) || !target.classList.contains('toggle') || target.dataset.key === undefined) return;
  const key = target.dataset.key;
  const toggles = [...document.querySelectorAll<HTMLButtonElement>('#summary button.toggle')];
  const index = toggles.indexOf(target);
  switch (event.key) {
    case 'ArrowRight':
      if (collapsed.has(key)) toggle(key, true);
      break;
    case 'ArrowLeft':
      if (!collapsed.has(key) && filter.trim() === '') toggle(key, false);
      else if (key.includes('.')) document.querySelector<HTMLButtonElement>(`button.toggle[data-key="${CSS.escape(key.split('.')[0]!)}"]`)?.focus();
      break;
    case 'ArrowDown':
      toggles[index + 1]?.focus();
      break;
    case 'ArrowUp':
      toggles[index - 1]?.focus();
      break;
    case 'Home':
      toggles[0]?.focus();
      break;
    case 'End':
      toggles[toggles.length - 1]?.focus();
      break;
    default:
      return;
  }
  event.preventDefault();
});

render();
vscode.postMessage({ type: 'ready' });
