/** The summary's heading: a short name, the full configuration under it, and the totals as cards. */
import type { SummaryData } from '../src/shared/protocol';
import { formatInt, formatMiB, formatSaving, formatShape, formatSi } from '../src/shared/format';
import { readFromLine, shortModelName, variantWords } from '../src/shared/names';
import { el } from './dom';

/** Values joined by " · " that may wrap only between the values, never inside "75.67 M". */
const values = (...parts: string[]): (HTMLElement | string)[] =>
  parts.flatMap((p, i) => (i === 0 ? [el('span', { class: 'nowrap' }, p)] : [' · ', el('span', { class: 'nowrap' }, p)]));

export function renderHeader(summary: SummaryData, countAs?: HTMLElement): HTMLElement {
  const c = summary.config;
  const t = summary.totals;
  const grouped = t.denseParams > t.params;
  const stat = (label: string, value: (HTMLElement | string)[], detail: string, extra?: HTMLElement): HTMLElement =>
    el(
      'div',
      { class: 'stat' },
      el('div', { class: 'stat-label' }, label),
      el('div', { class: 'stat-value' }, ...value),
      el('div', { class: 'stat-detail' }, detail),
      ...(extra ? [extra] : []),
    );
  // A class of the user's (issue 23): where it was read from, and what is not known, instead of a configuration.
  // A configuration: the family switches that are on (block, stem, attention, shortcut, layout), then the numbers.
  const switches = c ? variantWords(c) : [];
  const configuration = c
    ? `${switches.map((w) => `${w} · `).join('')}layers ${c.layers.join(',')} · groups ${c.groups} · width per group ${c.widthPerGroup} · ` +
      `base width ${c.baseWidth} · ${c.numClasses} classes · input ${formatShape(c.inputShape)}`
    : 'readFrom' in summary
      ? readFromLine(summary.readFrom)
      : '';
  const macsUnknown = 'readFrom' in summary && !summary.readFrom.macsKnown;
  const title = shortModelName(summary);
  return el(
    'header',
    {},
    el('h1', { id: 'title', title: summary.model }, title),
    el(
      'p',
      { class: 'config', id: 'config' },
      ...(title !== summary.model ? [el('span', { class: 'model-name' }, summary.model), ' · '] : []),
      configuration,
      ...(summary.weights !== undefined ? [' · weights ', el('span', { class: 'weights' }, summary.weights)] : []),
    ),
    el(
      'div',
      { class: 'stats' },
      stat('Params', values(formatInt(t.params)), `${formatMiB(t.paramsSizeMiB)} MiB of float32`),
      macsUnknown
        ? stat('MACs (multiply-adds)', ['not known'], 'forward() was not followed (see above)')
        : stat('MACs (multiply-adds)', values(formatSi(t.macs)), `${formatInt(t.macs)} · FLOPs ≈ 2 × MACs`, countAs),
      stat('Dense equivalent', values(formatSi(t.denseParams), formatSi(t.denseMacs)), 'params · MACs with groups = 1'),
      stat(
        'Grouped conv saves',
        grouped ? values(formatSaving(t.params, t.denseParams), formatSaving(t.macs, t.denseMacs)) : ['nothing'],
        grouped ? 'of params · of MACs' : 'no grouped convolution',
      ),
      stat('Estimated total size', values(`${formatMiB(t.estimatedTotalSizeMiB)} MiB`), 'torchsummary’s estimate'),
    ),
  );
}
