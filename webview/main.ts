/**
 * The summary webview: renders a SummaryData it is given, never computes one (DESIGN §1). Layout: header with a
 * short name, the configuration and totals; a toolbar (filter, Profile, expand/collapse, copy, export); per-stage
 * charts of params and MACs against their dense equivalents; after Profile, the review question's answer (grouped
 * convs' share of MACs and of time) and a roofline chart (roofline.ts); and a treegrid stage → block → layer in a scroll box of its own
 * (sticky header, first column pinned) with torchsummary's lines in the footer. Copy and export are requests to the
 * extension, which formats with the core's report module.
 *
 * Parts: state.ts (what is shown and saved), tree.ts and filter.ts (pure), table.ts and treegrid.ts (the table and its
 * keyboard), header.ts, toolbar.ts, charts.ts, roofline.ts, messaging.ts (requests by id; host messages validated).
 *
 * Security: runs under `default-src 'none'` with a nonce; all text goes in through textContent/createElement, never
 * innerHTML, because layer names can come from a checkpoint.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import './style.css';
import type { ProfileData, WebviewMessage } from '../src/shared/protocol';
import { formatConvShares, formatMs } from '../src/shared/format';
import { shortModelName } from '../src/shared/names';
import { renderCharts } from './charts';
import { COLUMNS } from './columns';
import { custom, el } from './dom';
import { layerFilter } from './filter';
import { renderHeader } from './header';
import { renderCountSelect, renderWhyDiffer } from './counting';
import { isCountRule } from '../src/shared/countRules';
import { HostChannel } from './messaging';
import { graphIdForRow, rowForGraphId } from './layerSelect';
import { initialState, ViewState } from './state';
import { renderBody, renderFoot, renderHead, renderTable } from './table';
import { renderRoofline } from './roofline';
import { renderToolbar, onToolbarKey, setProfiling, updateMatchCount } from './toolbar';
import { allGroupKeys, visibleRows, type VisibleRow } from './tree';
import { focusRow, onTreegridKey, type TreegridHost } from './treegrid';
import { vscode } from './vscodeApi';

const state = new ViewState(initialState(vscode.getState(), JSON.parse(document.body.dataset.state ?? 'null')));
let rows: VisibleRow[] = [];
/** Whether the dense-equivalent columns show even when they do not fit (then the table scrolls sideways). */
let showDense = false;
/** Whether a profile request is running (the Profile button then cancels it). */
let profiling = false;

const save = (): void => vscode.setState(state.snapshot());

function setStatus(text: string, isError = false): void {
  const status = document.getElementById('status');
  if (!status) return;
  status.textContent = text;
  status.classList.toggle('error', isError);
}

const channel = new HostChannel(
  (message) => vscode.postMessage(message),
  (summary) => {
    if (state.receive(summary)) render();
  },
  (profile) => {
    if (state.receiveProfile(profile)) render();
  },
  (name) => {
    // The graph view selected a node: open its stage and block, select its row.
    const row = rowForGraphId(state.summary, name);
    if (!row) return;
    for (const key of row.open) state.toggle(key, true);
    state.activeKey = row.key;
    renderRows(true);
  },
);

async function runRequest(make: (id: number) => WebviewMessage, onProgress?: (message: string) => void): Promise<void> {
  setStatus('');
  try {
    setStatus(await channel.request(make, onProgress));
  } catch (error) {
    setStatus(error instanceof Error ? error.message : String(error), true);
  }
}

window.addEventListener('message', (event: MessageEvent<unknown>) => channel.receive(event.data));

const table = (): HTMLElement | null => document.getElementById('summary');

/** Re-renders the header row and the body (keeps the toolbar's focus and the filter's caret). */
function renderRows(focus = false): void {
  const t = table();
  const tbody = t?.querySelector('tbody');
  const thead = t?.querySelector('thead');
  if (!t || !tbody || !thead) return render();
  const filter = layerFilter(state.filter, state.summary.layers);
  rows = visibleRows(state.tree, filter, state.collapsed, state.sort);
  renderHead(thead, state);
  renderBody(tbody, rows, state);
  updateMatchCount(filter);
  save();
  if (focus && state.activeKey !== undefined) focusRow(t, state.activeKey, treegrid);
}

/** The review question's answer and the roofline, once profiled. */
function profileParts(profile: ProfileData): HTMLElement[] {
  const answer = el(
    'p',
    { class: 'profile-answer', id: 'profile-answer' },
    el('strong', {}, `Forward ${formatMs(profile.totalMs)}`),
    ` (${profile.threads} thread${profile.threads === 1 ? '' : 's'}): ${formatConvShares(profile.convs)}`,
  );
  const roofline = custom(
    'vscode-collapsible',
    { id: 'roofline', title: 'Roofline: achieved GMAC/s of every convolution against its MACs/byte', open: '' },
    renderRoofline(profile),
  );
  return [answer, roofline];
}

function render(): void {
  const app = document.getElementById('app');
  if (!app) return;
  const summary = state.view;
  document.title = `Summary: ${shortModelName(summary)}`;
  const t = renderTable(`Layers of ${shortModelName(summary)}`, showDense, state.profile !== undefined);
  renderFoot(t.querySelector('tfoot')!, summary, state.profile);
  // Open when the view is tall enough to show them and a screenful of rows; collapsed, they leave the room to the table.
  const charts = custom(
    'vscode-collapsible',
    { id: 'charts', title: 'Per-stage params and MACs: grouped vs dense', ...(window.innerHeight >= 900 && { open: '' }) },
    renderCharts(summary),
  );
  const why = renderWhyDiffer(state.summary, state.countRule);
  app.replaceChildren(
    renderHeader(summary, renderCountSelect(state.summary, state.countRule)),
    renderToolbar(state.filter, showDense, profiling, !('readFrom' in summary)),
    ...(state.profile ? profileParts(state.profile) : []),
    charts,
    el('div', { class: 'table-wrap', id: 'table-wrap' }, t),
    // After the table: the Tab order filter → toolbar → charts → rows stays as it was.
    ...(why ? [why] : []),
    el(
      'p',
      { class: 'footnote' },
      'readFrom' in summary
        ? `Read from your code by the static interpreter: nothing was run (${summary.timingsMs.forward.toFixed(0)} ms). MB = MiB, as in torchsummary.`
        : summary.tracedBy === 'arithmetic'
          ? `Shapes traced by arithmetic, without weights (${summary.timingsMs.forward.toFixed(0)} ms). MB = MiB, as in torchsummary.`
          : `Traced on TensorFlow.js: ${summary.timingsMs.build.toFixed(0)} ms build + ${summary.timingsMs.forward.toFixed(0)} ms forward. MB = MiB, as in torchsummary.`,
    ),
  );
  app.setAttribute('aria-busy', 'false');
  renderRows();
}

const treegrid: TreegridHost = {
  rows: () => rows,
  toggle: (key, expand) => {
    state.toggle(key, expand);
    state.activeKey = key;
    renderRows(true);
  },
  filtering: () => state.filter.trim() !== '',
  setActive: (key) => {
    if (state.activeKey !== key) vscode.postMessage({ type: 'selectLayer', name: graphIdForRow(state.summary, key) });
    state.activeKey = key;
  },
};

// A row clicked is the selected row too (the graph view, when open, selects its node).
document.addEventListener('click', (event) => {
  const row = event.target instanceof Element ? event.target.closest<HTMLTableRowElement>('#summary tbody tr[data-key]') : null;
  if (row?.dataset.key !== undefined) treegrid.setActive(row.dataset.key);
});

document.addEventListener('click', (event) => {
  const target = event.target instanceof Element ? event.target : null;
  const groupRow = target?.closest<HTMLTableRowElement>('#summary tbody tr[aria-expanded]');
  if (groupRow?.dataset.key !== undefined && target?.closest('td.name')) {
    if (!treegrid.filtering()) treegrid.toggle(groupRow.dataset.key, groupRow.getAttribute('aria-expanded') !== 'true');
    return;
  }
  const sortButton = target?.closest<HTMLButtonElement>('button.sort');
  if (sortButton?.dataset.column !== undefined) {
    const column = sortButton.dataset.column;
    state.cycleSort(column, COLUMNS.find((c) => c.key === column)?.numeric ?? false);
    renderRows();
    document.querySelector<HTMLButtonElement>(`button.sort[data-column="${CSS.escape(column)}"]`)?.focus();
    return;
  }
  const action = target?.closest('vscode-button')?.id;
  if (action === 'expand-all') {
    state.collapsed.clear();
    renderRows();
  } else if (action === 'collapse-all') {
    for (const key of allGroupKeys(state.tree)) state.collapsed.add(key);
    renderRows();
  } else if (action === 'dense-columns') {
    showDense = !showDense;
    table()?.classList.toggle('show-dense', showDense);
    const button = document.getElementById('dense-columns');
    button?.setAttribute('aria-pressed', String(showDense));
    if (button) button.textContent = showDense ? 'Dense columns: shown' : 'Dense columns: auto';
  } else if (action === 'show-graph') {
    vscode.postMessage({ type: 'showGraph' });
  } else if (action === 'profile') {
    if (profiling) {
      vscode.postMessage({ type: 'cancelProfile' });
      return;
    }
    profiling = true;
    setProfiling(true);
    void runRequest(
      (id) => ({ type: 'profile', id }),
      (message) => setStatus(message),
    ).finally(() => {
      profiling = false;
      setProfiling(false);
    });
    setStatus('Profiling…');
  } else if (action === 'copy-markdown') {
    void runRequest((id) => ({ type: 'copyMarkdown', id }));
  } else if (action === 'export') {
    // The extension asks which format (VS Code's quick pick), then where to save.
    void runRequest((id) => ({ type: 'export', id }));
  }
});

document.addEventListener('change', (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.id === 'count-rule' && isCountRule(target.value)) {
    state.setCountRule(target.value);
    render();
    document.getElementById('count-rule')?.focus();
  }
});

document.addEventListener('input', (event) => {
  const target = event.target;
  if (target instanceof HTMLElement && target.id === 'filter') {
    state.filter = (target as HTMLElement & { value: string }).value;
    renderRows();
  }
});

document.addEventListener('keydown', (event) => {
  const t = table();
  const handled = onToolbarKey(event) || (t !== null && event.target instanceof Node && t.contains(event.target) && onTreegridKey(event, t, treegrid));
  if (handled) event.preventDefault();
});

render();
vscode.postMessage({ type: 'ready' });
