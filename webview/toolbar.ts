/**
 * The filter box with its match count, and the actions as a WAI-ARIA toolbar: one Tab stop, ←/→ (Home/End) move
 * between the buttons.
 */
import { VIEW_PROFILE_RUNS } from '../src/shared/profile';
import { custom, el } from './dom';
import type { LayerFilter } from './filter';

export const FILTER_HELP = 'Filter layers: conv2 (names first, else types), name:conv2, type:Conv2d; several terms must all match';

export const PROFILE_HELP = `Time the forward pass layer by layer in the extension's worker (median of ${VIEW_PROFILE_RUNS} warm runs): Time, GMAC/s and MACs/byte columns and a roofline chart`;

/** The Profile button's words: it cancels while a profile runs. */
export function setProfiling(running: boolean): void {
  const button = document.getElementById('profile');
  if (!button) return;
  button.textContent = running ? 'Cancel profiling' : 'Profile';
  button.title = running ? "Stop the profile (ends the worker's job)" : PROFILE_HELP;
  button.setAttribute('aria-busy', String(running));
}

/** `canProfile`: false for a class read from the user's code (a profile runs a configuration's weights). */
export function renderToolbar(filterText: string, showDense: boolean, profiling = false, canProfile = true): HTMLElement {
  const search = custom('vscode-textfield', {
    id: 'filter',
    placeholder: 'Filter: conv2 · name:conv2 · type:Conv2d',
    'aria-label': FILTER_HELP,
    title: FILTER_HELP,
  });
  (search as HTMLElement & { value: string }).value = filterText;
  const count = el('span', { id: 'match-count', role: 'status', 'aria-live': 'polite' });
  const buttons = [
    ['expand-all', 'Expand all', true],
    ['collapse-all', 'Collapse all', true],
    ['copy-markdown', 'Copy as Markdown', false],
    // One button for every export (Markdown, CSV, JSON, ONNX), so the toolbar keeps one line beside the explorer.
    ['export', 'Export…', true],
  ] as const;
  const actions = el(
    'div',
    { class: 'actions', role: 'toolbar', 'aria-label': 'Summary actions' },
    ...(canProfile
      ? [custom('vscode-button', { id: 'profile', title: PROFILE_HELP, 'aria-busy': String(profiling) }, profiling ? 'Cancel profiling' : 'Profile')]
      : []),
    custom('vscode-button', { id: 'show-graph', secondary: '', title: 'Show the architecture graph of this network' }, 'Graph'),
    ...buttons.map(([id, label, secondary]) => custom('vscode-button', { id, ...(secondary && { secondary: '' }) }, label)),
    // Narrow panels hide the dense-equivalent columns (style.css); this shows them, the table then scrolls sideways.
    custom(
      'vscode-button',
      { id: 'dense-columns', secondary: '', 'aria-pressed': String(showDense), title: 'Show the dense-equivalent columns even when they do not fit' },
      showDense ? 'Dense columns: shown' : 'Dense columns: auto',
    ),
  );
  // After the first render: vscode-button's first update resets its tabIndex to 0 (its handling of `disabled`).
  [...actions.children].forEach((b, i) => {
    const button = b as HTMLElement & { updateComplete?: Promise<unknown> };
    void (button.updateComplete ?? Promise.resolve()).then(() => (button.tabIndex = i === 0 ? 0 : -1));
  });
  return el(
    'div',
    { class: 'toolbar' },
    el('div', { class: 'filter-box' }, search, count),
    actions,
    el('span', { id: 'status', role: 'status', 'aria-live': 'polite' }),
  );
}

/** "12 of 158 layers · “conv2” in names", or "158 layers" without a filter. */
export function describeMatches(filter: LayerFilter): string {
  if (!filter.active) return `${filter.total} layers`;
  return [`${filter.count} of ${filter.total} layers`, ...filter.readings].join(' · ');
}

export function updateMatchCount(filter: LayerFilter): void {
  const count = document.getElementById('match-count');
  if (count) count.textContent = describeMatches(filter);
}

/** Roving focus between the toolbar's buttons; returns whether the key was handled. */
export function onToolbarKey(event: KeyboardEvent): boolean {
  const target = event.target instanceof HTMLElement ? event.target : null;
  const toolbar = target?.closest<HTMLElement>('[role="toolbar"]');
  if (!toolbar || !target || target.tagName !== 'VSCODE-BUTTON') return false;
  const buttons = [...toolbar.querySelectorAll<HTMLElement>('vscode-button')];
  const index = buttons.indexOf(target);
  const next =
    event.key === 'ArrowRight'
      ? buttons[(index + 1) % buttons.length]
      : event.key === 'ArrowLeft'
        ? buttons[(index - 1 + buttons.length) % buttons.length]
        : event.key === 'Home'
          ? buttons[0]
          : event.key === 'End'
            ? buttons[buttons.length - 1]
            : undefined;
  if (!next) return false;
  for (const b of buttons) b.tabIndex = b === next ? 0 : -1;
  next.focus();
  return true;
}
