/**
 * The layer table as a WAI-ARIA treegrid: rows are focusable (one roving Tab stop, see treegrid.ts), groups carry
 * aria-expanded, every row its level and position. Column widths come from a <colgroup> with fixed layout, so they
 * do not jump when filtering; torchsummary's closing lines go in the footer.
 */
import type { ProfileData, SummaryData } from '../src/shared/protocol';
import { formatInt, formatMiB, formatMs, formatRate, formatSaving, formatShape, formatShare, formatSi } from '../src/shared/format';
import { COLUMNS, shownColumns, type ColumnKey } from './columns';
import { el } from './dom';
import type { ViewState } from './state';
import type { VisibleRow } from './tree';

function cell(column: ColumnKey, text: string, title?: string): HTMLTableCellElement {
  const numeric = COLUMNS.find((c) => c.key === column)?.numeric ?? false;
  const td = el('td', { class: `col-${column}${numeric ? ' num' : ''}` }, text);
  if (title !== undefined) td.title = title;
  return td;
}

/** The dense figures behind a saving, for when the dense columns are hidden. */
function savingTitle(node: { params: number; macs: number; denseParams: number; denseMacs: number }): string | undefined {
  if (node.denseParams <= node.params && node.denseMacs <= node.macs) return undefined;
  return `dense equivalent: ${formatInt(node.denseParams)} params, ${formatInt(node.denseMacs)} MACs; MACs saved: ${formatSaving(node.macs, node.denseMacs)}`;
}

/** `unknown`: a class of the user's whose forward() was not followed: no shapes, no MACs (—, never 0). */
function rowFor(row: VisibleRow, tabbable: boolean, profiled: boolean, unknown = false): HTMLTableRowElement {
  const { node, level, setSize, posInSet, expanded } = row;
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
    tabindex: tabbable ? '0' : '-1',
  });
  if (expanded !== undefined) tr.setAttribute('aria-expanded', String(expanded));
  const nameCell = el('td', { class: 'name col-name', title: name });
  if (expanded !== undefined) {
    // For the mouse; the keyboard works on the row (←/→, Enter), so the button is not a Tab stop of its own.
    // The row's aria-expanded tells assistive technology; the name cell as a whole toggles on click (main.ts).
    const toggle = el(
      'button',
      { class: 'toggle', type: 'button', tabindex: '-1', 'aria-hidden': 'true', 'data-key': node.key },
      el('span', { class: `chevron${expanded ? ' open' : ''}` }),
    );
    nameCell.append(toggle, el('span', { class: 'group-name' }, name));
  } else {
    nameCell.append(el('span', { class: 'leaf' }, name));
  }
  const timing = node.kind === 'layer' ? node.timing : undefined;
  // Made only for the columns shown (a render per keystroke of the filter builds every visible row).
  const cells: Record<ColumnKey, () => HTMLTableCellElement> = {
    name: () => nameCell,
    type: () => cell('type', type),
    outputShape: () => cell('outputShape', unknown ? '—' : formatShape(shape)),
    params: () => cell('params', formatInt(node.params)),
    macs: () => (unknown ? cell('macs', '—') : cell('macs', formatInt(node.macs), node.macs > 0 ? formatSi(node.macs) : undefined)),
    groups: () => cell('groups', groups === undefined ? '' : String(groups)),
    denseParams: () => cell('denseParams', formatInt(node.denseParams)),
    denseMacs: () =>
      unknown ? cell('denseMacs', '—') : cell('denseMacs', formatInt(node.denseMacs), node.denseMacs > 0 ? formatSi(node.denseMacs) : undefined),
    saving: () => cell('saving', formatSaving(node.params, node.denseParams), savingTitle(node)),
    ms: () =>
      node.kind === 'layer'
        ? cell('ms', timing ? timing.ms.toFixed(2) : '', timing ? `${formatShare(timing.share)} of the layers' time` : undefined)
        : cell('ms', node.ms.toFixed(1)),
    gmacPerSecond: () => cell('gmacPerSecond', timing ? formatRate(timing.gmacPerSecond) : ''),
    intensity: () =>
      cell(
        'intensity',
        timing && timing.macs > 0 ? formatRate(timing.intensity) : '',
        timing && timing.macs > 0 ? `${formatInt(timing.bytes)} bytes moved (float32)` : undefined,
      ),
  };
  tr.append(...shownColumns(profiled).map((c) => cells[c.key]()));
  return tr;
}

/** Renders the body; the row with `state.activeKey` (or the first row) holds the Tab stop. */
export function renderBody(tbody: HTMLTableSectionElement, rows: readonly VisibleRow[], state: ViewState): void {
  if (!rows.some((r) => r.node.key === state.activeKey)) state.activeKey = rows[0]?.node.key;
  const profiled = state.profile !== undefined;
  const unknown = 'readFrom' in state.summary && !state.summary.readFrom.macsKnown;
  tbody.replaceChildren(...rows.map((r) => rowFor(r, r.node.key === state.activeKey, profiled, unknown)));
  if (rows.length === 0) {
    tbody.append(el('tr', {}, el('td', { colspan: String(shownColumns(profiled).length), class: 'empty' }, `No layer matches “${state.filter.trim()}”.`)));
  }
}

export function renderHead(thead: HTMLTableSectionElement, state: ViewState): void {
  const tr = el('tr');
  for (const column of shownColumns(state.profile !== undefined)) {
    const active = state.sort?.column === column.key;
    const th = el('th', { scope: 'col', class: `col-${column.key}${column.numeric ? ' num' : ''}` });
    th.setAttribute('aria-sort', active ? (state.sort?.descending ? 'descending' : 'ascending') : 'none');
    if (column.sortable) {
      const arrow = active ? (state.sort?.descending ? ' ▼' : ' ▲') : '';
      // Reached from the rows with ↑ (treegrid.ts), so not a Tab stop either.
      th.append(
        el(
          'button',
          { type: 'button', class: 'sort', tabindex: '-1', 'data-column': column.key, title: `Sort by ${column.title.toLowerCase()}` },
          column.title + arrow,
        ),
      );
    } else {
      th.append(column.title);
    }
    tr.append(th);
  }
  thead.replaceChildren(tr);
}

export function renderFoot(tfoot: HTMLTableSectionElement, summary: SummaryData, profile?: ProfileData): void {
  const t = summary.totals;
  const timeCells = profile
    ? [
        cell(
          'ms',
          profile.layersMs.toFixed(1),
          `forward pass ${formatMs(profile.totalMs)} (median of ${profile.runs}${profile.engine ? `, ${profile.engine.version}` : ''}); the layers add up to ${formatMs(profile.layersMs)}`,
        ),
        cell('gmacPerSecond', ''),
        cell('intensity', ''),
      ]
    : [];
  const blank = (): HTMLTableCellElement[] => (profile ? (['ms', 'gmacPerSecond', 'intensity'] as const).map((c) => cell(c, '')) : []);
  // Profiled, the output shape column may step aside (style.css): the row labels then span name and type only, and
  // the shape column gets a cell of its own that steps aside with it.
  const label = (text: string): HTMLTableCellElement[] =>
    profile ? [el('th', { scope: 'row', colspan: '2' }, text), cell('outputShape', '')] : [el('th', { scope: 'row', colspan: '3' }, text)];
  const total = el('tr', { class: 'total' });
  total.append(
    ...label('Total'),
    cell('params', formatInt(t.params)),
    cell('macs', formatInt(t.macs), formatSi(t.macs)),
    cell('groups', ''),
    cell('denseParams', formatInt(t.denseParams)),
    cell('denseMacs', formatInt(t.denseMacs), formatSi(t.denseMacs)),
    cell('saving', formatSaving(t.params, t.denseParams), savingTitle(t)),
    ...timeCells,
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
  const lineRows = lines.map(([text, value], i) =>
    el(
      'tr',
      { class: `torchsummary${i === 0 ? ' first' : ''}` },
      ...label(text),
      el('td', { class: 'num', colspan: '2' }, value),
      ...(['groups', 'denseParams', 'denseMacs', 'saving'] as const).map((c) => cell(c, '')),
      ...blank(),
    ),
  );
  tfoot.replaceChildren(total, ...lineRows);
}

export function renderTable(label: string, showDense: boolean, profiled = false): HTMLTableElement {
  const colgroup = el('colgroup', {}, ...shownColumns(profiled).map((c) => el('col', { class: `col-${c.key}` })));
  const classes = [...(showDense ? ['show-dense'] : []), ...(profiled ? ['profiled'] : [])];
  return el(
    'table',
    { id: 'summary', role: 'treegrid', 'aria-label': label, ...(classes.length > 0 && { class: classes.join(' ') }) },
    colgroup,
    el('thead'),
    el('tbody'),
    el('tfoot'),
  );
}
