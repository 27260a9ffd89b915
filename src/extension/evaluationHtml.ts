/**
 * The evaluation view's HTML (vscode-free, unit-tested): summary numbers, the confusion matrix as an SVG heat map
 * (viridis, row-normalized), the per-class table, the failed files, and the per-file list with thumbnails (PNG data:
 * URIs re-encoded by the core), sortable by any column. One script (dist/evaluationView.js, nonce) sorts, exports and
 * asks for a file's class activation maps. Every text from the folder (class and file names) is escaped.
 */
import { VIRIDIS } from '../model/colormap';
import type { EvaluationData } from '../shared/protocol';
import { escapeHtml, htmlHead } from './webviewHtml';

export interface EvaluationHtmlOptions {
  readonly cspSource: string;
  readonly styleUri: string;
  readonly scriptUri: string;
  readonly nonce: string;
  readonly data: EvaluationData;
}

export function evaluationCsp(cspSource: string, nonce: string): string {
  return ["default-src 'none'", `style-src ${cspSource}`, 'img-src data:', `script-src 'nonce-${nonce}'`].join('; ');
}

const pct = (x: number | null): string => (x === null ? '—' : `${(100 * x).toFixed(2)}%`);
const hex = (i: number): string => Array.from(VIRIDIS.subarray(i * 3, i * 3 + 3), (b) => b.toString(16).padStart(2, '0')).join('');

/** Classes shown in the heat map at most (a 1000-class matrix would be unreadable; the JSON export has it all). */
export const MAX_HEATMAP_CLASSES = 40;

export function confusionSvg(classes: readonly string[], confusion: readonly (readonly number[])[]): string {
  const n = classes.length;
  if (n === 0) return '';
  if (n > MAX_HEATMAP_CLASSES) return `<p class="note">${n} classes: the confusion matrix is in the JSON export.</p>`;
  const cell = n <= 10 ? 36 : n <= 20 ? 24 : 14;
  const label = Math.min(140, 8 + 7 * Math.max(...classes.map((c) => Math.min(c.length, 18))));
  const size = n * cell;
  const rects: string[] = [];
  confusion.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((count, j) => {
      const share = total > 0 ? count / total : 0;
      const colour = hex(Math.round(share * 255));
      const text = `${classes[i]} → ${classes[j]}: ${count}${total > 0 ? ` (${(100 * share).toFixed(0)}% of ${classes[i]})` : ''}`;
      rects.push(
        `<rect x="${label + j * cell}" y="${label + i * cell}" width="${cell}" height="${cell}" fill="#${colour}"><title>${escapeHtml(text)}</title></rect>` +
          (n <= 20 && count > 0
            ? `<text x="${label + j * cell + cell / 2}" y="${label + i * cell + cell / 2}" class="${share > 0.6 ? 'dark' : 'light'}">${count}</text>`
            : ''),
      );
    });
  });
  const clip = (c: string): string => escapeHtml(c.length > 18 ? `${c.slice(0, 17)}…` : c);
  const rowLabels = classes.map((c, i) => `<text x="${label - 6}" y="${label + i * cell + cell / 2}" class="row">${clip(c)}</text>`).join('');
  const colLabels = classes
    .map((c, j) => `<text transform="translate(${label + j * cell + cell / 2} ${label - 6}) rotate(-60)" class="col">${clip(c)}</text>`)
    .join('');
  return `<svg class="confusion" role="img" aria-labelledby="confusion-title" viewBox="0 0 ${label + size + 4} ${label + size + 4}" width="${label + size + 4}" height="${label + size + 4}">
<title id="confusion-title">Confusion matrix: rows are the true classes, columns the predicted ones; colour is the share of the row (viridis)</title>
${colLabels}${rowLabels}${rects.join('')}</svg>`;
}

export function evaluationHtml(options: EvaluationHtmlOptions): string {
  const d = options.data;
  const name = d.folder.split(/[\\/]/).filter(Boolean).pop() ?? d.folder;
  const labelled = d.classes.length > 0;
  const labelName = (i: number): string => d.labels[i] ?? `class ${i}`;
  const perClass = d.perClass
    .map(
      (c) =>
        `<tr><td class="num">${c.index}</td><th scope="row">${escapeHtml(c.class)}</th><td class="num">${c.count}</td><td class="num">${c.correct}</td>` +
        `<td class="num">${pct(c.accuracy)}</td><td class="num">${pct(c.top5)}</td></tr>`,
    )
    .join('\n');
  const files = d.files
    .map((f, i) => {
      const predicted = f.top[0]!;
      const correct = f.label === null ? '' : predicted === f.label ? '✓ right' : '✗ wrong';
      const thumb = f.thumbnail ? `<img src="${escapeHtml(f.thumbnail)}" alt="">` : '';
      return `<tr data-row="${i}" data-path="${escapeHtml(f.path)}" data-truth="${escapeHtml(f.label === null ? '' : (d.classes[f.label] ?? ''))}" data-predicted="${escapeHtml(labelName(predicted))}" data-probability="${f.probs[0]}" data-correct="${f.label === null ? '' : predicted === f.label ? 1 : 0}" data-ms="${f.ms}">
<td class="thumb">${thumb}</td><th scope="row" class="path"><button type="button" class="link" data-cam="${escapeHtml(f.path)}" title="Show the class activation maps of ${escapeHtml(f.path)}">${escapeHtml(f.path)}</button></th>
<td>${f.label === null ? '—' : escapeHtml(d.classes[f.label] ?? String(f.label))}</td><td>${escapeHtml(labelName(predicted))}${d.labels[predicted] === undefined || d.labels[predicted] === `class ${predicted}` ? '' : ` <span class="index">(${predicted})</span>`}</td>
<td class="num">${pct(f.probs[0] ?? null)}</td><td class="${correct.startsWith('✓') ? 'right' : 'wrong'}">${correct}</td><td class="num">${f.ms}</td></tr>`;
    })
    .join('\n');
  const failed =
    d.failed.length === 0
      ? ''
      : `<section aria-labelledby="failed-heading"><h2 id="failed-heading">Failed (${d.failed.length})</h2><ul class="failed">
${d.failed.map((f) => `<li><code>${escapeHtml(f.path)}</code>: ${escapeHtml(f.reason)}</li>`).join('\n')}
</ul></section>`;
  const sortable = (key: string, title: string, numeric = false): string =>
    `<th scope="col" aria-sort="none"><button type="button" data-sort="${key}"${numeric ? ' data-numeric="1"' : ''}>${title}</button></th>`;
  return `${htmlHead({ csp: evaluationCsp(options.cspSource, options.nonce), styleUri: options.styleUri, title: name })}
<body>
<main>
<h1 id="title">${escapeHtml(name)}</h1>
<div class="toolbar"><button type="button" data-export="json">Export JSON…</button><button type="button" data-export="csv">Export per-class CSV…</button><button type="button" data-export="predictions">Export predictions CSV…</button></div>
<section class="cards" aria-label="Summary">
<div class="card"><div class="value" id="top1">${pct(d.top1)}</div><div class="caption">top-1</div></div>
<div class="card"><div class="value" id="top5">${pct(d.top5)}</div><div class="caption">top-5</div></div>
<div class="card"><div class="value" id="count">${d.count}</div><div class="caption">images classified</div></div>
<div class="card"><div class="value" id="failed-count">${d.failed.length}</div><div class="caption">failed</div></div>
<div class="card"><div class="value">${d.imagesPerSecond}</div><div class="caption">images/s (${d.workers} worker${d.workers === 1 ? '' : 's'}${d.engine ? ` on ${escapeHtml(d.engine.version)}` : ''}, ${(d.elapsedMs / 1000).toFixed(1)} s)</div></div>
</section>
<dl><dt>Folder</dt><dd>${escapeHtml(d.folder)}</dd><dt>Model</dt><dd>${escapeHtml(d.model)}</dd><dt>Weights</dt><dd>${escapeHtml(d.weights)}</dd></dl>
${labelled ? '' : '<p class="note">A flat folder (no class subfolders): predictions only, no accuracy.</p>'}
${
  labelled
    ? `<div class="layout"><section aria-labelledby="confusion-heading"><h2 id="confusion-heading">Confusion matrix</h2>${confusionSvg(d.classes, d.confusion)}</section>
<section aria-labelledby="classes-heading"><h2 id="classes-heading">Per class</h2>
<table id="per-class"><thead><tr><th class="num">#</th><th>Class</th><th class="num">Images</th><th class="num">Correct</th><th class="num">Top-1</th><th class="num">Top-5</th></tr></thead>
<tbody>
${perClass}
</tbody></table></section></div>`
    : ''
}
${failed}
<section aria-labelledby="files-heading"><h2 id="files-heading">Files (${d.files.length})</h2>
<p class="note">Sort by a column with its header; choose a file to see its class activation maps.</p>
<table id="files"><thead><tr><th><span class="visually-hidden">Thumbnail</span></th>${sortable('path', 'File')}${sortable('truth', 'True class')}${sortable('predicted', 'Predicted')}${sortable('probability', 'Probability', true)}${sortable('correct', 'Result', true)}${sortable('ms', 'ms', true)}</tr></thead>
<tbody>
${files}
</tbody></table></section>
</main>
<script nonce="${escapeHtml(options.nonce)}" src="${escapeHtml(options.scriptUri)}"></script>
</body>
</html>`;
}
