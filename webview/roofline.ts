/**
 * The roofline chart of a profile (SVG, no inline style: the CSP refuses it; colours from VS Code theme variables in
 * style.css). The geometry is src/shared/roofline.ts; this only draws it: grid and decade ticks, the GEMM ceiling and
 * the memory-bandwidth ceiling with their measured values, and one mark per convolution, grouped (circle) or dense
 * (square), so the kind is in the shape as well as the colour; each mark's <title> names the layer.
 */
import type { ProfileData } from '../src/shared/protocol';
import { formatMs, formatRate } from '../src/shared/format';
import { rooflineGeometry, type RooflineDot } from '../src/shared/roofline';
import { el, svg } from './dom';

const fixed = (n: number): string => n.toFixed(1);

/** A dot's mark: a circle for a grouped conv, a square for a dense one. */
function mark(dot: RooflineDot, r = 4): SVGElement {
  const kind = dot.grouped ? 'grouped' : 'dense';
  const attrs = { class: `dot dot-${kind}`, 'data-layer': dot.name, 'data-kind': kind };
  return dot.grouped
    ? svg('circle', { ...attrs, cx: fixed(dot.x), cy: fixed(dot.y), r })
    : svg('rect', { ...attrs, x: fixed(dot.x - r), y: fixed(dot.y - r), width: 2 * r, height: 2 * r });
}

function dotTitle(dot: RooflineDot): string {
  const kind = dot.grouped ? `grouped conv, ${dot.groups} groups` : 'dense conv';
  return `${dot.name} (${kind}): ${formatMs(dot.ms)}, ${formatRate(dot.gmacPerSecond)} GMAC/s at ${formatRate(dot.intensity)} MACs/byte`;
}

/** A legend entry: a small SVG of the mark, then its words. */
function legendItem(kind: 'grouped' | 'dense' | 'gemm' | 'memory', text: string): HTMLElement {
  const icon = svg('svg', { width: 14, height: 10, viewBox: '0 0 14 10', 'aria-hidden': 'true', class: 'legend-icon' });
  if (kind === 'grouped') icon.append(svg('circle', { cx: 7, cy: 5, r: 4, class: 'dot dot-grouped' }));
  else if (kind === 'dense') icon.append(svg('rect', { x: 3, y: 1, width: 8, height: 8, class: 'dot dot-dense' }));
  else icon.append(svg('line', { x1: 0, y1: 5, x2: 14, y2: 5, class: `ceiling ceiling-${kind}` }));
  return el('span', { class: 'legend-item' }, icon, text);
}

export function renderRoofline(profile: ProfileData): HTMLElement {
  const g = rooflineGeometry(profile);
  const { plot } = g;
  const root = svg('svg', { id: 'roofline-chart', viewBox: `0 0 ${g.width} ${g.height}`, role: 'img', class: 'roofline', 'aria-labelledby': 'roofline-title' });
  root.append(
    svg(
      'title',
      { id: 'roofline-title' },
      `Roofline of ${profile.model}: achieved GMAC/s against MACs per byte for ${g.dots.length} convolutions, under the GEMM peak ` +
        `(${formatRate(profile.peak.gemmGmacPerSecond)} GMAC/s) and the memory bandwidth (${formatRate(profile.peak.memoryGBPerSecond)} GB/s)`,
    ),
  );
  const grid = svg('g', { class: 'grid' });
  for (const t of g.xTicks) {
    grid.append(svg('line', { x1: fixed(t.at), y1: plot.y0, x2: fixed(t.at), y2: plot.y1, class: 'gridline' }));
    grid.append(svg('text', { x: fixed(t.at), y: plot.y1 + 14, class: 'tick tick-x' }, t.label));
  }
  for (const t of g.yTicks) {
    grid.append(svg('line', { x1: plot.x0, y1: fixed(t.at), x2: plot.x1, y2: fixed(t.at), class: 'gridline' }));
    grid.append(svg('text', { x: plot.x0 - 6, y: fixed(t.at + 3.5), class: 'tick tick-y' }, t.label));
  }
  grid.append(svg('rect', { x: plot.x0, y: plot.y0, width: plot.x1 - plot.x0, height: plot.y1 - plot.y0, class: 'plot-frame' }));
  grid.append(svg('text', { x: fixed((plot.x0 + plot.x1) / 2), y: g.height - 6, class: 'axis-title' }, 'arithmetic intensity (MACs/byte, log)'));
  grid.append(
    svg(
      'text',
      { x: 12, y: fixed((plot.y0 + plot.y1) / 2), class: 'axis-title', transform: `rotate(-90 12 ${fixed((plot.y0 + plot.y1) / 2)})` },
      'GMAC/s (log)',
    ),
  );
  root.append(grid);
  const line = (kind: string, [a, b]: readonly [{ x: number; y: number }, { x: number; y: number }], title: string): SVGElement => {
    const l = svg('line', { x1: fixed(a.x), y1: fixed(a.y), x2: fixed(b.x), y2: fixed(b.y), class: `ceiling ceiling-${kind}` });
    l.append(svg('title', {}, title));
    return l;
  };
  root.append(
    svg('polyline', { points: g.roof.map((p) => `${fixed(p.x)},${fixed(p.y)}`).join(' '), class: 'roof' }),
    line('gemm', g.gemm, `GEMM peak: ${formatRate(profile.peak.gemmGmacPerSecond)} GMAC/s (one large 1×1 convolution, measured in this run)`),
    line(
      'memory',
      g.memory,
      `memory bandwidth: ${formatRate(profile.peak.memoryGBPerSecond)} GB/s × intensity (a large elementwise add, measured in this run)`,
    ),
    // The GEMM label where it covers no mark (the geometry chooses); the memory label under its line's start (the line
    // rises to the right, so the space below it is clear of it).
    svg(
      'text',
      { x: fixed(g.gemmLabel.x), y: fixed(g.gemmLabel.y), class: `ceiling-label ceiling-label-gemm${g.gemmLabel.anchor === 'end' ? ' end' : ''}` },
      g.gemmLabel.text,
    ),
    svg(
      'text',
      { x: fixed(g.memory[0].x + 8), y: fixed(Math.min(g.memory[0].y + 14, plot.y1 - 4)), class: 'ceiling-label ceiling-label-memory' },
      `memory ${formatRate(profile.peak.memoryGBPerSecond)} GB/s`,
    ),
  );
  const dots = svg('g', { class: 'dots' });
  // Dense first, grouped on top: the grouped convs are what the chart is about.
  for (const dot of [...g.dots.filter((d) => !d.grouped), ...g.dots.filter((d) => d.grouped)]) {
    const m = mark(dot);
    m.append(svg('title', {}, dotTitle(dot)));
    dots.append(m);
  }
  root.append(dots);
  const grouped = g.dots.filter((d) => d.grouped).length;
  const legend = el(
    'div',
    { class: 'legend roofline-legend' },
    legendItem('grouped', `grouped conv (${grouped})`),
    legendItem('dense', `dense conv (${g.dots.length - grouped})`),
    legendItem('gemm', 'GEMM peak'),
    legendItem('memory', 'memory bandwidth'),
  );
  const notes = [
    `Ceilings measured in this run (${profile.threads} thread${profile.threads === 1 ? '' : 's'}): GEMM ${formatRate(profile.peak.gemmGmacPerSecond)} GMAC/s ` +
      `(one large 1×1 convolution), memory ${formatRate(profile.peak.memoryGBPerSecond)} GB/s (a large elementwise add); they meet at ` +
      `${formatRate(g.ridge.intensity)} MACs/byte. A mark above the GEMM line ran faster than that reference convolution.`,
    ...(g.unplotted.length > 0 ? [`Not plotted (no measurable time): ${g.unplotted.join(', ')}.`] : []),
    `${profile.note}.`,
  ];
  // The chart and, beside it (under it when narrow), its legend and notes.
  return el(
    'figure',
    { class: 'roofline-figure' },
    root,
    el('figcaption', { class: 'roofline-side' }, legend, ...notes.map((n) => el('p', { class: 'roofline-note' }, n))),
  );
}
