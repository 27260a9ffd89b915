/**
 * The "Count as" selector (in the header's MACs card) and the "Why do the numbers differ?" section. The extension
 * sends every rule's totals and per-row MACs in `summary.counts` (src/model/countReport.ts `withRuleRows`); this file
 * only swaps them in and renders them.
 */
import type { SummaryData } from '../src/shared/protocol';
import type { CountRule } from '../src/shared/data';
import { beyondLines, COUNT_RULE_SOURCES } from '../src/shared/countRules';
import { formatDeltaPercent, formatInt, formatSi } from '../src/shared/format';
import { custom, el } from './dom';

/** `<select id="count-rule">` with every rule the summary has counts for; undefined when it has none. */
export function renderCountSelect(summary: SummaryData, rule: CountRule | undefined): HTMLElement | undefined {
  if (!summary.counts || summary.counts.length === 0) return undefined;
  const current = rule ?? 'torchvision';
  const select = el('select', { id: 'count-rule', 'aria-label': 'Count MACs as', title: COUNT_RULE_SOURCES[current] });
  for (const c of summary.counts) {
    const option = el('option', { value: c.rule, title: `${COUNT_RULE_SOURCES[c.rule]}: ${formatSi(c.macs)}` }, c.rule);
    option.selected = c.rule === current;
    select.append(option);
  }
  return el('label', { class: 'count-as' }, 'Count as ', select);
}

/** Every rule's number side by side, each with what it counts beyond torchvision's. */
export function renderWhyDiffer(summary: SummaryData, rule: CountRule | undefined): HTMLElement | undefined {
  const counts = summary.counts;
  const base = counts?.find((c) => c.rule === 'torchvision');
  if (!counts || !base) return undefined;
  const head = el('tr', {}, ...['Rule', 'MACs', 'vs torchvision', 'Counted beyond torchvision’s', 'Reproduces'].map((h) => el('th', { scope: 'col' }, h)));
  const rows = counts.map((c) =>
    el(
      'tr',
      { 'data-rule': c.rule, ...(c.rule === (rule ?? 'torchvision') && { class: 'current' }) },
      el('th', { scope: 'row' }, c.rule),
      el('td', { class: 'num', title: formatInt(c.macs) }, formatSi(c.macs)),
      el('td', { class: 'num' }, c.rule === 'torchvision' ? '—' : formatDeltaPercent(c.macs, base.macs)),
      el('td', {}, ...(c.beyond.length === 0 ? ['nothing'] : beyondLines(c).flatMap((line, i) => (i === 0 ? [line] : [el('br'), line])))),
      el('td', {}, COUNT_RULE_SOURCES[c.rule] + (c.activations === undefined ? '' : `; activations ${formatSi(c.activations)} (infer_macts)`)),
    ),
  );
  const table = el('table', { class: 'why-differ', id: 'why-differ-table' }, el('thead', {}, head), el('tbody', {}, ...rows));
  return custom(
    'vscode-collapsible',
    { id: 'why-differ', title: 'Why do the numbers differ? This model under every tool’s counting rule' },
    el('div', { class: 'why-wrap' }, table, el('p', { class: 'footnote' }, 'Rules per op, library versions and source lines: docs/COUNTING.md.')),
  );
}
