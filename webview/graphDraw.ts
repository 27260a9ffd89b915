/**
 * Draws a laid-out graph (the worker's layout, src/model/graph/layout.ts) as SVG in the graph view, and makes it a
 * WAI-ARIA tree: each cluster (an open container) and node is a focusable treeitem with an accessible name, its
 * level, and aria-expanded for containers. Colours come from the VS Code theme (graph.css); `exportSvg` inlines the
 * computed colours so the file stands alone.
 */
import type { GraphHostMessage } from '../src/shared/protocol';
import type { GraphLayout, GraphNode } from '../src/shared/data';
import { formatInt, formatSi } from '../src/shared/format';

export type GraphMessage = Extract<GraphHostMessage, { type: 'graph' }>;
export type ColourBy = 'none' | 'params' | 'macs' | 'time';

const SVG = 'http://www.w3.org/2000/svg';
const LINE_PX = 14;

function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, parent?: Element): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  parent?.appendChild(e);
  return e;
}

/** The accessible name of a node: what it is, its shape, params and MACs, and whether it opens. */
export function nodeLabel(n: GraphNode, expanded: boolean | undefined): string {
  const parts = [n.id, n.kind === 'function' ? `${n.type} operation` : n.type, `output ${n.outputShape.join('×')}`];
  if (n.params > 0) parts.push(`${formatInt(n.params)} params`);
  if (n.macs > 0) parts.push(`${formatInt(n.macs)} MACs`);
  if (expanded !== undefined) parts.push(expanded ? 'expanded' : 'collapsed');
  return parts.join(', ');
}

const depthOf = (n: GraphNode, byId: ReadonlyMap<string, GraphNode>): number => {
  let d = 1;
  for (let p = n.parent; p !== ''; p = byId.get(p)?.parent ?? '') d++;
  return d;
};

/** Draws `m` into the viewport group; returns the treeitems in graph order (the keyboard's order). */
export function drawGraph(viewport: SVGGElement, m: GraphMessage, colourBy: ColourBy): SVGGElement[] {
  viewport.replaceChildren();
  const byId = new Map(m.nodes.map((n) => [n.id, n]));
  const openable = new Set(
    m.nodes.filter((n) => n.kind === 'container' && (n.type === 'Sequential' || n.type.endsWith('Bottleneck')) && n.parent === '').map((n) => n.id),
  );
  for (const n of m.nodes) if (n.kind === 'container' && n.type.endsWith('Bottleneck')) openable.add(n.id);
  const items = new Map<string, SVGGElement>();
  const layer = (cls: string): SVGGElement => el('g', { class: cls }, viewport);
  const clusters = layer('clusters');
  const edges = layer('edges');
  const nodes = layer('nodes');
  const value = (n: GraphNode): number => (colourBy === 'macs' ? n.macs : colourBy === 'time' ? (m.times?.[n.id] ?? 0) : n.params);
  const max = Math.max(
    colourBy === 'time' ? 1e-9 : 1,
    ...m.nodes.filter((n) => n.kind !== 'container' || !m.layout.clusters.some((c) => c.id === n.id)).map(value),
  );
  for (const c of m.layout.clusters) {
    const n = byId.get(c.id);
    const g = el('g', { class: 'cluster', 'data-id': c.id }, clusters);
    el('rect', { x: c.x, y: c.y, width: c.width, height: c.height, rx: 6 }, g);
    el('text', { x: c.labelX, y: c.labelY }, g).textContent = c.label;
    if (n) items.set(c.id, g);
  }
  for (const e of m.layout.edges) {
    if (e.points.length < 2) continue;
    const g = el('g', { class: 'edge', 'data-from': e.from, 'data-to': e.to }, edges);
    el('path', { d: e.points.map(([x, y], i) => `${i ? 'L' : 'M'}${x.toFixed(1)} ${y.toFixed(1)}`).join(''), 'marker-end': 'url(#arrow)' }, g);
    const [mx, my] = e.points[Math.floor(e.points.length / 2)]!;
    el('text', { x: mx + 4, y: my - 2, class: 'edge-label' }, g).textContent = e.label;
  }
  for (const l of m.layout.nodes) {
    const n = byId.get(l.id);
    const g = el('g', { class: `node kind-${l.kind}`, 'data-id': l.id }, nodes);
    const rect = el('rect', { x: l.x, y: l.y, width: l.width, height: l.height, rx: l.kind === 'function' || l.kind === 'io' ? l.height / 2 : 3 }, g);
    if (n && colourBy !== 'none') {
      const share = Math.sqrt(value(n) / max);
      rect.style.setProperty('--share', `${Math.round(share * 85)}%`);
      rect.classList.add('coloured');
    }
    l.lines.forEach((t, i) => {
      el('text', { x: l.x + l.width / 2, y: l.y + 6 + (i + 0.8) * LINE_PX, 'text-anchor': 'middle', class: i === 0 ? 'name' : 'detail' }, g).textContent = t;
    });
    if (n) items.set(l.id, g);
  }
  const ordered: SVGGElement[] = [];
  for (const n of m.nodes) {
    const g = items.get(n.id);
    if (!g) continue;
    const expandable = openable.has(n.id);
    const expanded = expandable ? m.layout.clusters.some((c) => c.id === n.id) : undefined;
    g.setAttribute('role', 'treeitem');
    g.setAttribute('tabindex', '-1');
    g.setAttribute('aria-level', String(depthOf(n, byId)));
    g.setAttribute('aria-label', nodeLabel(n, expanded));
    if (expanded !== undefined) g.setAttribute('aria-expanded', String(expanded));
    g.dataset.parent = n.parent;
    ordered.push(g);
  }
  return ordered;
}

/** Params / MACs with units, for the status line. */
export const countsText = (n: GraphNode): string => `${n.id}: ${formatSi(n.params)} params, ${formatSi(n.macs)} MACs, output ${n.outputShape.join('×')}`;

const INLINE = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-dasharray',
  'stroke-linejoin',
  'paint-order',
  'font-family',
  'font-size',
  'font-weight',
  'opacity',
];

/** A standalone SVG of what is drawn: computed colours inlined, the whole layout, a background. */
export function exportSvg(svg: SVGSVGElement, layout: GraphLayout): string {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const source = svg.querySelectorAll<SVGElement>('*');
  const target = clone.querySelectorAll<SVGElement>('*');
  source.forEach((s, i) => {
    const style = getComputedStyle(s);
    const t = target[i]!;
    for (const p of INLINE) t.style.setProperty(p, style.getPropertyValue(p));
    t.removeAttribute('class');
    t.removeAttribute('tabindex');
  });
  clone.querySelector('#viewport')?.removeAttribute('transform');
  clone.setAttribute('width', String(layout.width));
  clone.setAttribute('height', String(layout.height));
  clone.setAttribute('viewBox', `0 0 ${layout.width} ${layout.height}`);
  const bg = getComputedStyle(document.body).backgroundColor;
  const rect = document.createElementNS(SVG, 'rect');
  rect.setAttribute('width', '100%');
  rect.setAttribute('height', '100%');
  rect.setAttribute('fill', bg);
  clone.insertBefore(rect, clone.firstChild);
  return new XMLSerializer().serializeToString(clone);
}

/** The SVG rasterised at 2× (a data: image does not taint the canvas). */
export async function exportPng(svgText: string, layout: GraphLayout): Promise<string> {
  const img = new Image();
  img.src = `data:image/svg+xml;base64,${btoa(unescape(encodeURIComponent(svgText)))}`;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = Math.ceil(layout.width * 2);
  canvas.height = Math.ceil(layout.height * 2);
  const ctx = canvas.getContext('2d')!;
  ctx.scale(2, 2);
  ctx.drawImage(img, 0, 0);
  return canvas.toDataURL('image/png');
}
