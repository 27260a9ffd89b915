/**
 * Keyboard for the layer treegrid (WAI-ARIA APG treegrid, row focus): the table is one Tab stop (the active row has
 * tabindex 0, all others −1). ↓/↑ move through every visible row, Home/End to the first/last, → expands a collapsed
 * group or enters an open one, ← collapses an open group or goes to the parent, Enter/Space toggle a group.
 * ↑ on the first row enters the header, where ←/→ move between the sort buttons and ↓ returns to the rows.
 */
import type { VisibleRow } from './tree';

export interface TreegridHost {
  readonly rows: () => readonly VisibleRow[];
  readonly toggle: (key: string, expand: boolean) => void;
  /** While filtering every group with matches stays open, so ← on a group goes to its parent. */
  readonly filtering: () => boolean;
  /** Records the row holding the Tab stop. */
  readonly setActive: (key: string) => void;
}

function rowElement(table: HTMLElement, key: string): HTMLTableRowElement | null {
  return table.querySelector<HTMLTableRowElement>(`tbody tr[data-key="${CSS.escape(key)}"]`);
}

/** Moves the roving Tab stop to the row with `key` and focuses it. */
export function focusRow(table: HTMLElement, key: string, host: TreegridHost): void {
  const target = rowElement(table, key);
  if (!target) return;
  for (const tr of table.querySelectorAll<HTMLTableRowElement>('tbody tr[tabindex="0"]')) if (tr !== target) tr.tabIndex = -1;
  target.tabIndex = 0;
  host.setActive(key);
  target.focus();
  target.scrollIntoView({ block: 'nearest' });
}

function onHeaderKey(event: KeyboardEvent, table: HTMLElement, button: HTMLButtonElement, host: TreegridHost): boolean {
  const buttons = [...table.querySelectorAll<HTMLButtonElement>('thead button.sort')];
  const index = buttons.indexOf(button);
  switch (event.key) {
    case 'ArrowRight':
      buttons[Math.min(index + 1, buttons.length - 1)]?.focus();
      return true;
    case 'ArrowLeft':
      buttons[Math.max(index - 1, 0)]?.focus();
      return true;
    case 'ArrowDown': {
      const first = host.rows()[0];
      if (first) focusRow(table, first.node.key, host);
      return true;
    }
    default:
      return false;
  }
}

/** Handles a keydown inside the table; returns whether it was a treegrid key (then the caller prevents the default). */
export function onTreegridKey(event: KeyboardEvent, table: HTMLElement, host: TreegridHost): boolean {
  if (event.altKey || event.ctrlKey || event.metaKey) return false;
  const target = event.target instanceof Element ? event.target : null;
  const sortButton = target?.closest<HTMLButtonElement>('thead button.sort');
  if (sortButton) return onHeaderKey(event, table, sortButton, host);
  const tr = target?.closest<HTMLTableRowElement>('tbody tr[data-key]');
  const key = tr?.dataset.key;
  if (!tr || key === undefined) return false;
  const rows = host.rows();
  const index = rows.findIndex((r) => r.node.key === key);
  const row = rows[index];
  if (!row) return false;
  const go = (r: VisibleRow | undefined): void => {
    if (r) focusRow(table, r.node.key, host);
  };
  switch (event.key) {
    case 'ArrowDown':
      go(rows[index + 1]);
      return true;
    case 'ArrowUp':
      if (index === 0) table.querySelector<HTMLButtonElement>('thead button.sort')?.focus();
      else go(rows[index - 1]);
      return true;
    case 'Home':
      go(rows[0]);
      return true;
    case 'End':
      go(rows[rows.length - 1]);
      return true;
    case 'ArrowRight':
      if (row.expanded === false) host.toggle(key, true);
      else if (row.expanded === true) go(rows[index + 1]?.parentKey === key ? rows[index + 1] : undefined);
      return true;
    case 'ArrowLeft':
      if (row.expanded === true && !host.filtering()) host.toggle(key, false);
      else if (row.parentKey !== undefined) go(rows.find((r) => r.node.key === row.parentKey));
      return true;
    case 'Enter':
    case ' ':
      if (row.expanded !== undefined && !host.filtering()) host.toggle(key, !row.expanded);
      return row.expanded !== undefined;
    default:
      return false;
  }
}
