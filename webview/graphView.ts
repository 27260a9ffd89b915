/**
 * The graph view's script (issue 19): draws what the extension sends (graphDraw.ts), and turns clicks and keys into
 * messages: open/close a stage or block (the worker lays the graph out again), draw a grouped block as C paths,
 * export, select. Zoom (wheel, +/−), pan (drag), fit; a search box highlights matching nodes. Keyboard: the WAI-ARIA
 * tree pattern (↑/↓ move, → opens or enters, ← closes or goes to the parent, Enter/Space toggles, Home/End).
 */
import { isGraphHostMessage, type GraphViewMessage } from '../src/shared/protocol';
import { formatMs } from '../src/shared/format';
import { countsText, drawGraph, exportPng, exportSvg, type ColourBy, type GraphMessage } from './graphDraw';

interface VsCodeApi {
  postMessage(message: GraphViewMessage): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const svg = document.querySelector<SVGSVGElement>('svg#graph')!;
const canvas = $<HTMLElement>('canvas');
const status = $<HTMLElement>('status');
const search = $<HTMLInputElement>('search');
const colour = $<HTMLSelectElement>('colour');
const cPathsLabel = $<HTMLLabelElement>('cpaths-label');
const cPaths = $<HTMLInputElement>('cpaths');

svg.innerHTML =
  '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" class="arrowhead"/></marker></defs><g id="viewport"></g>';
const viewport = svg.querySelector('#viewport') as SVGGElement;

let current: GraphMessage | undefined;
let items: SVGGElement[] = [];
let focusId: string | undefined;
let view = { x: 0, y: 0, k: 1 };
let fitted = false;
/** Whether the view was zoomed or panned since it was last fitted (a resize then keeps it as it is). */
let moved = false;

function applyView(): void {
  viewport.setAttribute('transform', `translate(${view.x.toFixed(1)} ${view.y.toFixed(1)}) scale(${view.k.toFixed(4)})`);
}

function fit(): void {
  if (!current) return;
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  const k = Math.min(2, Math.max(0.05, Math.min(w / (current.layout.width + 20), h / (current.layout.height + 20))));
  view = { k, x: (w - current.layout.width * k) / 2, y: Math.max(4, (h - current.layout.height * k) / 2) };
  moved = false;
  applyView();
}

// A fitted view stays fitted when the panel changes size (its tab moved beside another editor, the window resized).
new ResizeObserver(() => !moved && fit()).observe(canvas);

function zoomAt(factor: number, cx: number, cy: number): void {
  const k = Math.min(4, Math.max(0.05, view.k * factor));
  moved = true;
  view = { k, x: cx - ((cx - view.x) * k) / view.k, y: cy - ((cy - view.y) * k) / view.k };
  applyView();
}

/** Brings a node into view (without changing the zoom). */
function reveal(g: SVGGElement): void {
  const box = g.getBBox();
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  const x = view.x + (box.x + box.width / 2) * view.k;
  const y = view.y + (box.y + box.height / 2) * view.k;
  if (x < 40 || x > w - 40 || y < 40 || y > h - 40) {
    view = { ...view, x: view.x + w / 2 - x, y: view.y + h / 2 - y };
    moved = true;
    applyView();
  }
}

function focusItem(g: SVGGElement | undefined, select = true): void {
  if (!g) return;
  for (const i of items) i.setAttribute('tabindex', '-1');
  g.setAttribute('tabindex', '0');
  for (const i of items) i.classList.toggle('selected', i === g);
  g.focus({ preventScroll: true });
  reveal(g);
  focusId = g.dataset.id;
  const node = current?.nodes.find((n) => n.id === focusId);
  const ms = focusId !== undefined ? current?.times?.[focusId] : undefined;
  if (node) status.textContent = countsText(node) + (ms !== undefined ? `, measured ${formatMs(ms)}` : '');
  updateCPaths();
  if (select && focusId) vscode.postMessage({ type: 'select', id: focusId });
}

/** The C-paths switch applies to the focused node's block, when that block is open and grouped. */
function updateCPaths(): void {
  if (!current) return;
  const open = new Set(current.layout.clusters.map((c) => c.id));
  const block = current.grouped.find((b) => open.has(b) && (focusId === b || focusId?.startsWith(`${b}.`))) ?? current.grouped.find((b) => open.has(b));
  cPathsLabel.hidden = block === undefined;
  if (block === undefined) return;
  cPathsLabel.dataset.block = block;
  $<HTMLElement>('cpaths-block').textContent = block;
  cPaths.checked = current.cPaths.includes(block);
}

function render(m: GraphMessage): void {
  current = m;
  // Colour by time once the summary panel has profiled this network.
  const time = colour.querySelector<HTMLOptionElement>('option[value="time"]')!;
  time.disabled = m.times === undefined;
  if (time.disabled && colour.value === 'time') colour.value = 'none';
  // Redrawing removes the focused node: give focus back to its new drawing when the tree had it.
  const hadFocus = svg.contains(document.activeElement) || document.activeElement === document.body;
  items = drawGraph(viewport, m, colour.value as ColourBy);
  highlight();
  if (!fitted) {
    fit();
    fitted = true;
  }
  const again = items.find((i) => i.dataset.id === focusId) ?? items[0];
  if (again) again.setAttribute('tabindex', '0');
  if (again && hadFocus && focusId !== undefined) focusItem(again, false);
  updateCPaths();
  svg.setAttribute('aria-busy', 'false');
}

function highlight(): void {
  const q = search.value.trim().toLowerCase();
  let count = 0;
  for (const g of viewport.querySelectorAll<SVGGElement>('g.node, g.cluster')) {
    const hit = q !== '' && (g.dataset.id ?? '').toLowerCase().includes(q);
    g.classList.toggle('match', hit);
    if (hit) count++;
  }
  if (q !== '') status.textContent = `${count} node${count === 1 ? '' : 's'} match “${search.value.trim()}”`;
}

function toggle(id: string): void {
  svg.setAttribute('aria-busy', 'true');
  status.textContent = `Laying out…`;
  vscode.postMessage({ type: 'toggle', id });
}

svg.addEventListener('keydown', (e) => {
  const at = items.findIndex((i) => i.dataset.id === focusId);
  const g = items[at];
  const expanded = g?.getAttribute('aria-expanded');
  switch (e.key) {
    case 'ArrowDown':
      focusItem(items[Math.min(items.length - 1, at + 1)]);
      break;
    case 'ArrowUp':
      focusItem(items[Math.max(0, at - 1)]);
      break;
    case 'Home':
      focusItem(items[0]);
      break;
    case 'End':
      focusItem(items[items.length - 1]);
      break;
    case 'ArrowRight':
      if (expanded === 'false') toggle(focusId!);
      else if (expanded === 'true') focusItem(items[at + 1]);
      break;
    case 'ArrowLeft':
      if (expanded === 'true') toggle(focusId!);
      else focusItem(items.find((i) => i.dataset.id === g?.dataset.parent));
      break;
    case 'Enter':
    case ' ':
      if (expanded !== null && expanded !== undefined) toggle(focusId!);
      break;
    default:
      return;
  }
  e.preventDefault();
});

let drag: { x: number; y: number; moved: boolean } | undefined;
svg.addEventListener('pointerdown', (e) => {
  drag = { x: e.clientX, y: e.clientY, moved: false };
});
svg.addEventListener('pointermove', (e) => {
  if (!drag || (e.buttons & 1) === 0) return;
  const dx = e.clientX - drag.x;
  const dy = e.clientY - drag.y;
  if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
  drag = { x: e.clientX, y: e.clientY, moved: true };
  moved = true;
  view = { ...view, x: view.x + dx, y: view.y + dy };
  requestAnimationFrame(applyView);
});
svg.addEventListener('click', (e) => {
  if (drag?.moved) return;
  const g = (e.target as Element).closest<SVGGElement>('g[role="treeitem"]');
  if (!g) return;
  focusItem(g);
  if (g.getAttribute('aria-expanded') !== null && (g.classList.contains('cluster') ? (e.target as Element).tagName === 'text' : true)) toggle(g.dataset.id!);
});
svg.addEventListener('wheel', (e) => {
  e.preventDefault();
  const r = svg.getBoundingClientRect();
  zoomAt(Math.exp(-e.deltaY / 400), e.clientX - r.left, e.clientY - r.top);
});

$('fit').addEventListener('click', fit);
$('zoom-in').addEventListener('click', () => zoomAt(1.25, canvas.clientWidth / 2, canvas.clientHeight / 2));
$('zoom-out').addEventListener('click', () => zoomAt(0.8, canvas.clientWidth / 2, canvas.clientHeight / 2));
search.addEventListener('input', highlight);
colour.addEventListener('change', () => current && render(current));
cPaths.addEventListener('change', () => {
  const block = cPathsLabel.dataset.block;
  if (!block) return;
  svg.setAttribute('aria-busy', 'true');
  vscode.postMessage({ type: 'cPaths', id: block, on: cPaths.checked });
});
$('export-svg').addEventListener('click', () => current && vscode.postMessage({ type: 'export', format: 'svg', data: exportSvg(svg, current.layout) }));
$('export-png').addEventListener('click', () => {
  if (!current) return;
  exportPng(exportSvg(svg, current.layout), current.layout).then(
    (data) => vscode.postMessage({ type: 'export', format: 'png', data }),
    (error: unknown) => (status.textContent = `PNG export failed: ${String(error)}`),
  );
});

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const m = event.data;
  if (!isGraphHostMessage(m)) return;
  if (m.type === 'graph') {
    render(m);
    status.textContent = `${m.nodes.length} nodes · click or press → to open a stage or block`;
  } else
    focusItem(
      items.find((i) => i.dataset.id === m.id),
      false,
    );
});
vscode.postMessage({ type: 'ready' });
