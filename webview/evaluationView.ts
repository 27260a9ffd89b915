/**
 * The evaluation view's script: sorts the file table by a column header (buttons: keyboard-usable, aria-sort kept
 * up to date), and asks the extension to export a report or to show a file's class activation maps. It sends only
 * those messages; the data is in the page already.
 */
import type { EvaluationViewMessage } from '../src/shared/protocol';

interface VsCodeApi {
  postMessage(message: EvaluationViewMessage): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();

const table = document.getElementById('files') as HTMLTableElement | null;
const body = table?.tBodies[0];

function sortBy(button: HTMLButtonElement): void {
  if (!table || !body) return;
  const key = button.dataset.sort!;
  const numeric = button.dataset.numeric === '1';
  const header = button.closest('th')!;
  const descending = header.getAttribute('aria-sort') === 'ascending';
  for (const th of Array.from(table.tHead!.rows[0]!.cells)) th.setAttribute('aria-sort', 'none');
  header.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
  const rows = Array.from(body.rows);
  const value = (row: HTMLTableRowElement): string => row.dataset[key] ?? '';
  rows.sort((a, b) => {
    const order = numeric ? Number(value(a) || -1) - Number(value(b) || -1) : value(a).localeCompare(value(b));
    return (descending ? -order : order) || Number(a.dataset.row) - Number(b.dataset.row);
  });
  body.append(...rows);
}

document.addEventListener('click', (event) => {
  const target = (event.target as HTMLElement).closest('button');
  if (!target) return;
  if (target.dataset.sort) sortBy(target as HTMLButtonElement);
  else if (target.dataset.export === 'json' || target.dataset.export === 'csv' || target.dataset.export === 'predictions') {
    vscode.postMessage({ type: 'export', format: target.dataset.export });
  } else if (target.dataset.cam) vscode.postMessage({ type: 'showCam', path: target.dataset.cam });
});
