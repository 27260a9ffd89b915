/** Per-stage bar charts of params and MACs against their dense equivalents (SVG, no inline style: the CSP refuses it). */
import type { SummaryData } from '../src/shared/protocol';
import { formatInt, formatSi } from '../src/shared/format';
import { el, svg } from './dom';

function renderChart(summary: SummaryData, title: string, metric: 'params' | 'macs'): HTMLElement {
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
    const bars: [string, number][] = [
      ['actual', stage[metric]],
      ['dense', stage[dense]],
    ];
    bars.forEach(([kind, value], j) => {
      const by = y + j * (barHeight + 2);
      const w = Math.max(value > 0 ? 1 : 0, (value / max) * barArea);
      const rect = svg('rect', { x: labelWidth, y: by, width: w.toFixed(1), height: barHeight, rx: 2, class: `bar bar-${kind}` });
      rect.append(
        svg('title', {}, `${stage.name} ${kind === 'actual' ? 'grouped' : 'dense equivalent'}: ${formatInt(value)} ${metric === 'params' ? 'params' : 'MACs'}`),
      );
      root.append(rect);
      root.append(svg('text', { x: labelWidth + w + 4, y: by + barHeight - 2, class: 'chart-value' }, formatSi(value)));
    });
  });
  const legend = el(
    'div',
    { class: 'legend' },
    el('span', { class: 'swatch swatch-actual', 'aria-hidden': 'true' }),
    metric === 'params' ? 'params (grouped)' : 'MACs (grouped)',
    el('span', { class: 'swatch swatch-dense', 'aria-hidden': 'true' }),
    'dense equivalent (groups = 1)',
  );
  return el('figure', { class: 'chart-figure' }, el('figcaption', {}, title), root, legend);
}

export function renderCharts(summary: SummaryData): HTMLElement {
  return el('div', { class: 'charts' }, renderChart(summary, 'Params per stage', 'params'), renderChart(summary, 'MACs per stage', 'macs'));
}
