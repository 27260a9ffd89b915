/**
 * A standalone SVG of a graph (issue 19): the dagre layout (layout.ts) drawn with a fixed, theme-neutral palette
 * (white background, grey strokes, black text), so it reads the same in a light or dark viewer, a PR or a paper.
 */
import type { Graph, GraphLayout } from '../../shared/data';
import { layoutGraph, LINE_PX } from './layout';

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const r = (n: number): string => String(Math.round(n * 10) / 10);

const FILL: Record<GraphLayout['nodes'][number]['kind'], string> = { module: '#eef3fb', function: '#fdf1e3', container: '#e8f4ea', io: '#f0f0f0' };

export function layoutToSvg(layout: GraphLayout, title: string): string {
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${layout.width}" height="${layout.height}" viewBox="0 0 ${layout.width} ${layout.height}" font-family="Menlo, Consolas, 'DejaVu Sans Mono', monospace" font-size="11">`,
    `<title>${escapeXml(title)}</title>`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#666"/></marker></defs>',
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
  ];
  for (const c of layout.clusters) {
    out.push(
      `<g class="cluster"><rect x="${r(c.x)}" y="${r(c.y)}" width="${r(c.width)}" height="${r(c.height)}" rx="6" fill="#000000" fill-opacity="0.03" stroke="#9a9a9a" stroke-dasharray="4 3"/>`,
      `<text x="${r(c.labelX)}" y="${r(c.labelY)}" fill="#444" stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke">${escapeXml(c.label)}</text></g>`,
    );
  }
  for (const e of layout.edges) {
    if (e.points.length === 0) continue;
    const d = e.points.map(([x, y], i) => `${i ? 'L' : 'M'}${r(x)} ${r(y)}`).join('');
    const [mx, my] = e.points[Math.floor(e.points.length / 2)]!;
    out.push(
      `<g class="edge"><path d="${d}" fill="none" stroke="#666" marker-end="url(#arrow)"/><text x="${r(mx + 4)}" y="${r(my - 2)}" fill="#555" font-size="9">${escapeXml(e.label)}</text></g>`,
    );
  }
  for (const n of layout.nodes) {
    const shape =
      n.kind === 'io' || n.kind === 'function'
        ? `<rect x="${r(n.x)}" y="${r(n.y)}" width="${r(n.width)}" height="${r(n.height)}" rx="${r(n.height / 2)}" fill="${FILL[n.kind]}" stroke="#555"/>`
        : `<rect x="${r(n.x)}" y="${r(n.y)}" width="${r(n.width)}" height="${r(n.height)}" rx="3" fill="${FILL[n.kind]}" stroke="#555"${n.kind === 'container' ? ' stroke-width="2"' : ''}/>`;
    const text = n.lines.map(
      (t, i) =>
        `<text x="${r(n.x + n.width / 2)}" y="${r(n.y + 6 + (i + 0.8) * LINE_PX)}" text-anchor="middle" fill="${i === 0 ? '#111' : '#444'}">${escapeXml(t)}</text>`,
    );
    out.push(`<g class="node" data-id="${escapeXml(n.id)}">${shape}${text.join('')}</g>`);
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}

export function graphToSvg(g: Graph): string {
  return layoutToSvg(layoutGraph(g), g.model);
}
