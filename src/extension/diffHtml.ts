/**
 * The Compare Checkpoints and Check Against Architecture views' HTML (vscode-free, unit-tested).
 *  - diff: summary cards, the per-module relative change along the network as an SVG chart (log scale; unchanged —
 *    frozen — modules marked on the baseline, reshaped/added/removed ones as triangles, stages separated), the keys
 *    that could not be compared, and every key in a table sortable by any column. The one script is the evaluation
 *    view's (dist/evaluationView.js: sorts `table#files` by its rows' data- attributes, posts export requests).
 *  - check: what load_state_dict would report, and each hint with its action as a `command:` link (no script).
 * Every text from a checkpoint (keys, file names) is escaped.
 */
import type { Check, CheckHint, Diff, DiffStatus } from '../shared/data';
import { formatShape } from '../shared/format';
import { classificationCsp } from './classificationHtml';
import { evaluationCsp } from './evaluationHtml';
import { escapeHtml, htmlHead } from './webviewHtml';

export interface DiffHtmlOptions {
  readonly cspSource: string;
  readonly styleUris: readonly string[];
  readonly scriptUri: string;
  readonly nonce: string;
  readonly diff: Diff;
}

const COLOURS: Record<DiffStatus, string> = { same: '#8a8a8a', changed: '#3794ff', added: '#d18616', removed: '#d18616', reshaped: '#d18616' };
const baseName = (file: string): string => file.split(/[\\/]/).filter(Boolean).pop() ?? file;
const stat = (x: number | null, digits = 3): string =>
  x === null ? '—' : x === 0 ? '0' : Math.abs(x) < 1e-3 || Math.abs(x) >= 1e4 ? x.toExponential(2) : x.toPrecision(digits);
const stageOf = (name: string): string => /^layer\d+/.exec(name)?.[0] ?? (/^(fc|classifier)/.test(name) ? 'fc' : 'stem');

const code = (key: string): string => `<code>${escapeHtml(key)}</code>`;

/** htmlHead with more than one stylesheet (it takes one): the others go in before `</head>`. */
const head = (csp: string, styleUris: readonly string[], title: string): string =>
  htmlHead({ csp, styleUri: styleUris[0] ?? '', title }).replace(
    '</head>',
    `${styleUris
      .slice(1)
      .map((u) => `<link rel="stylesheet" href="${escapeHtml(u)}">`)
      .join('')}</head>`,
  );

/** The per-module chart: one column per leaf module in network order, bar height log10 of the relative change. */
export function moduleChart(modules: Diff['modules']): string {
  if (modules.length === 0) return '<p class="note">No modules with parameters to compare.</p>';
  const width = 900;
  const height = 220;
  const left = 56;
  const top = 12;
  const plotHeight = height - top - 40;
  const step = (width - left - 8) / modules.length;
  const values = modules.map((m) => m.relativeChange).filter((x): x is number => x !== null && x > 0);
  const hi = Math.ceil(Math.log10(Math.max(1e-6, ...values)));
  const lo = Math.min(hi - 1, Math.floor(Math.log10(Math.min(...values, 10 ** (hi - 1)))));
  const y = (x: number): number => top + plotHeight * (1 - (Math.log10(x) - lo) / (hi - lo));
  const parts: string[] = [];
  for (let e = lo; e <= hi; e++) {
    parts.push(`<line x1="${left}" x2="${width - 8}" y1="${y(10 ** e).toFixed(1)}" y2="${y(10 ** e).toFixed(1)}" class="grid"/>`);
    parts.push(`<text x="${left - 6}" y="${y(10 ** e).toFixed(1)}" class="axis">1e${e}</text>`);
  }
  const stageStarts = modules.map((m, i) => ({ s: stageOf(m.name), i })).filter((x, k, all) => k === 0 || all[k - 1]!.s !== x.s);
  stageStarts.forEach(({ s, i }, k) => {
    const x = left + i * step;
    const end = left + (stageStarts[k + 1]?.i ?? modules.length) * step;
    parts.push(`<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${top}" y2="${top + plotHeight + 24}" class="stage"/>`);
    parts.push(`<text x="${((x + end) / 2).toFixed(1)}" y="${top + plotHeight + 20}" class="stage-label">${s}</text>`);
  });
  modules.forEach((m, i) => {
    const x = left + i * step;
    const label = `${m.name}: ${m.status}${m.relativeChange !== null ? `, ‖B−A‖/‖A‖ = ${stat(m.relativeChange)}` : ''}`;
    const w = Math.max(1, step - 1).toFixed(1);
    if (m.status === 'same') {
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${top + plotHeight - 3}" width="${w}" height="3" fill="${COLOURS.same}" class="frozen"><title>${escapeHtml(m.name)}: unchanged (frozen)</title></rect>`,
      );
    } else if (m.status === 'changed' && m.relativeChange !== null && m.relativeChange > 0) {
      const yTop = Math.max(top, y(m.relativeChange));
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${yTop.toFixed(1)}" width="${w}" height="${(top + plotHeight - yTop).toFixed(1)}" fill="${COLOURS.changed}"><title>${escapeHtml(label)}</title></rect>`,
      );
    } else {
      const cx = x + step / 2;
      parts.push(`<path d="M${cx.toFixed(1)} ${top + 2} l5 9 h-10 z" fill="${COLOURS[m.status]}"><title>${escapeHtml(label)}</title></path>`);
    }
  });
  const frozen = modules.filter((m) => m.status === 'same').length;
  return `<svg class="diff-chart" role="img" aria-labelledby="chart-title" viewBox="0 0 ${width} ${height}" width="100%">
<title id="chart-title">Relative change ‖B−A‖/‖A‖ of each module's parameters along the network (log scale); ${frozen} of ${modules.length} modules unchanged</title>
${parts.join('\n')}
<line x1="${left}" x2="${width - 8}" y1="${top + plotHeight}" y2="${top + plotHeight}" class="axis-line"/>
</svg>
<p class="legend"><span class="swatch changed"></span>changed (bar: ‖B−A‖/‖A‖, log scale) <span class="swatch same"></span>unchanged (frozen) <span class="swatch other"></span>reshaped, added or removed</p>`;
}

export function diffHtml(options: DiffHtmlOptions): string {
  const { diff } = options;
  const title = `${baseName(diff.a.file)} ↔ ${baseName(diff.b.file)}`;
  const s = diff.summary;
  const frozen = diff.modules.filter((m) => m.status === 'same');
  const card = (value: string | number, caption: string, id: string): string =>
    `<div class="card"><div class="value" id="${id}">${value}</div><div class="caption">${caption}</div></div>`;
  const others = diff.tensors.filter((t) => t.status !== 'same' && t.status !== 'changed');
  const shape = (x: readonly number[] | null): string => (x === null ? '—' : formatShape(x));
  const rows = diff.tensors
    .map(
      (t, i) =>
        `<tr data-row="${i}" data-key="${escapeHtml(t.key)}" data-status="${t.status}" data-rel="${t.relativeChange ?? ''}" data-l2="${t.l2Diff ?? ''}" data-max="${t.maxAbsDiff ?? ''}" data-cos="${t.cosine ?? ''}">` +
        `<th scope="row"><code>${escapeHtml(t.key)}</code></th><td class="status ${t.status}">${t.status}</td><td class="shape">${shape(t.shapeA)}${t.status === 'reshaped' ? ` → ${shape(t.shapeB)}` : ''}</td>` +
        `<td>${escapeHtml(t.dtypeA === t.dtypeB || t.dtypeB === null ? (t.dtypeA ?? t.dtypeB ?? '') : `${t.dtypeA ?? '—'} → ${t.dtypeB}`)}</td>` +
        `<td class="num">${stat(t.relativeChange)}</td><td class="num">${stat(t.l2Diff)}</td><td class="num">${stat(t.maxAbsDiff)}</td><td class="num">${stat(t.cosine, 6)}</td></tr>`,
    )
    .join('\n');
  const sortable = (key: string, label: string, numeric = false): string =>
    `<th scope="col" aria-sort="none"${numeric ? ' class="num"' : ''}><button type="button" data-sort="${key}"${numeric ? ' data-numeric="1"' : ''}>${label}</button></th>`;
  const side = (label: string, x: Diff['a']): string =>
    `<dt>${label}</dt><dd>${escapeHtml(x.file)}${x.stateDict === '' ? '' : ` <span class="note">(state dict '${escapeHtml(x.stateDict)}')</span>`}</dd>`;
  return `${head(evaluationCsp(options.cspSource, options.nonce), options.styleUris, title)}
<body>
<main>
<h1 id="title">${escapeHtml(title)}</h1>
<div class="toolbar"><button type="button" data-export="json">Export JSON…</button><button type="button" data-export="csv">Export CSV…</button></div>
<dl>${side('A', diff.a)}${side('B', diff.b)}</dl>
<section class="cards" aria-label="Summary">
${card(s.changed, 'tensors changed', 'changed')}${card(s.same, 'tensors the same', 'same')}${card(s.reshaped, 'reshaped', 'reshaped')}${card(s.added, 'added (only in B)', 'added')}${card(s.removed, 'removed (only in A)', 'removed')}
${card(`${frozen.length} / ${diff.modules.length}`, 'modules unchanged (frozen)', 'frozen')}
</section>
<section aria-labelledby="chart-heading"><h2 id="chart-heading">Relative change per module, along the network</h2>
${moduleChart(diff.modules)}</section>
${
  others.length === 0
    ? ''
    : `<section aria-labelledby="others-heading"><h2 id="others-heading">Not compared (${others.length})</h2><ul class="others">
${others.map((t) => `<li><span class="status ${t.status}">${t.status}</span> <code>${escapeHtml(t.key)}</code> ${t.status === 'added' ? `only in B ${shape(t.shapeB)}` : t.status === 'removed' ? `only in A ${shape(t.shapeA)}` : `${shape(t.shapeA)} → ${shape(t.shapeB)}`}</li>`).join('\n')}
</ul></section>`
}
${frozen.length > 0 && frozen.length < diff.modules.length ? `<p class="note" id="frozen-list">Unchanged modules: ${escapeHtml(summarizeNames(frozen.map((m) => m.name)))}</p>` : ''}
<section aria-labelledby="keys-heading"><h2 id="keys-heading">Every key (${diff.tensors.length})</h2>
<p class="note">Sort by a column with its header. Statistics in float64; ‖B−A‖/‖A‖ shows — where A is all zeros.</p>
<table id="files"><thead><tr>${sortable('key', 'Key')}${sortable('status', 'Status')}<th scope="col">Shape</th><th scope="col">dtype</th>${sortable('rel', '‖B−A‖/‖A‖', true)}${sortable('l2', '‖B−A‖', true)}${sortable('max', 'max |B−A|', true)}${sortable('cos', 'cosine', true)}</tr></thead>
<tbody>
${rows}
</tbody></table></section>
</main>
<script nonce="${escapeHtml(options.nonce)}" src="${escapeHtml(options.scriptUri)}"></script>
</body>
</html>`;
}

/** "conv1, bn1, layer1.* (12), layer2.0.conv1": whole stages folded into one entry. */
export function summarizeNames(names: readonly string[]): string {
  const byStage = new Map<string, string[]>();
  for (const n of names) {
    const s = stageOf(n);
    byStage.set(s, [...(byStage.get(s) ?? []), n]);
  }
  return [...byStage].map(([s, list]) => (list.length > 3 && s.startsWith('layer') ? `${s}.* (${list.length} modules)` : list.join(', '))).join(', ');
}

export interface CheckHtmlOptions {
  readonly cspSource: string;
  readonly styleUris: readonly string[];
  readonly check: Check;
  /** A `command:` URI for a hint's action and its label, where it has one. */
  readonly action: (hint: CheckHint) => { readonly uri: string; readonly label: string }[];
}

export function checkHtml(options: CheckHtmlOptions): string {
  const { check } = options;
  const list = (id: string, label: string, items: readonly string[]): string =>
    items.length === 0
      ? ''
      : `<section aria-labelledby="${id}-heading"><h2 id="${id}-heading">${label} (${items.length})</h2><ul class="keys" id="${id}">${items.map((html) => `<li>${html}</li>`).join('')}</ul></section>`;
  const hints = check.hints
    .map((h) => {
      const actions = options.action(h);
      return `<li class="hint ${h.kind}"><p>${escapeHtml(h.text)}</p>${actions.map((a) => `<a class="action" href="${escapeHtml(a.uri)}">${escapeHtml(a.label)}</a>`).join(' ')}</li>`;
    })
    .join('\n');
  return `${head(classificationCsp(options.cspSource), options.styleUris, `Check: ${baseName(check.file)}`)}
<body>
<main>
<h1 id="title">${escapeHtml(baseName(check.file))} against ${escapeHtml(check.architecture.model)}</h1>
<p class="verdict ${check.loads ? 'loads' : 'fails'}" id="verdict">${check.loads ? '✓ load_state_dict(strict=True) would succeed' : '✗ load_state_dict(strict=True) would fail'}</p>
<dl><dt>File</dt><dd>${escapeHtml(check.file)}</dd><dt>State dict</dt><dd>${check.stateDict === '' ? 'the file itself' : `'${escapeHtml(check.stateDict)}'`} (keys as stored)</dd></dl>
${hints === '' ? '' : `<section aria-labelledby="hints-heading"><h2 id="hints-heading">What to do</h2><ul class="hints" id="hints">${hints}</ul></section>`}
${list('missing', 'Missing keys', check.missing.map(code))}
${list('unexpected', 'Unexpected keys', check.unexpected.map(code))}
${list(
  'mismatched',
  'Size mismatches',
  check.mismatched.map((m) => `${code(m.key)}: file ${formatShape(m.got)}, model ${formatShape(m.expected)}`),
)}
</main>
</body>
</html>`;
}
