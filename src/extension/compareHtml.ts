/**
 * The compare view's HTML (vscode-free, unit-tested): the configurations, the totals with their differences against
 * the first configuration, per-stage params and MACs as inline SVG bar charts (each model's bar over the lighter bar
 * of its dense equivalent, i.e. the same network without grouped convolution), and the per-stage table.
 * Static like the classification view: CSP `default-src 'none'`, styles only from the webview's origin, no script;
 * colours come from classes in dist/report.css (inline `style=` would be refused by the CSP). A Δ carries its sign
 * and an arrow besides its colour (colour-blind users, high contrast); the charts fold away (<details>, no script).
 * The formatters are the core report's, from src/shared (pure, no TF.js: the extension host never loads TF.js).
 * "Measure time" (a `command:` link) profiles each configuration in the worker; the measured forward times then show
 * next to the MACs (the times section).
 */
import type { ComparedModelData, ComparisonData, ProfileData, StageRowData } from '../shared/protocol';
import { formatDelta, formatDeltaPercent, formatInt, formatSaving, formatShape, formatSi, REFERENCE_MARK } from '../shared/format';
import { VIEW_PROFILE_RUNS } from '../shared/profile';
import {
  MEASURED_TIME_HEADER,
  measuredTimeNote,
  measuredTimeRows,
  SIDE_BY_SIDE_HEADER,
  sideBySideNote,
  sideBySideRows,
  type EngineTimes,
} from '../shared/measuredTimes';
import { classificationCsp } from './classificationHtml';
import { escapeHtml, htmlHead } from './webviewHtml';

/** The command the toolbar button and the page's link run (a `command:` link needs no page script). */
export const EXPORT_REVIEW_REPORT_COMMAND = 'resnext.exportReviewReport';
/** Profiles each configuration of the comparison, one after another (the page's "Measure time" link). */
export const MEASURE_TIME_COMMAND = 'resnext.measureForwardTime';

export interface CompareHtmlOptions {
  readonly cspSource: string;
  /** `webview.asWebviewUri(dist/report.css)`. */
  readonly styleUri: string;
  readonly title: string;
  readonly description?: string;
  readonly comparison: ComparisonData;
  /** The measured profile of each model (same order), where measured. */
  readonly times?: readonly (ProfileData | undefined)[];
  /** Both engines' profiles, where "Measure on both engines" has run. */
  readonly engineTimes?: EngineTimes;
}

/** The "Measure on both engines" link: the same command with the argument `both` (a command URI's JSON arguments). */
export const MEASURE_BOTH_ENGINES_HREF = `command:${MEASURE_TIME_COMMAND}?${encodeURIComponent(JSON.stringify(['both']))}`;

/** onnxruntime and wasm side by side, once both have been measured; else the link that measures them. */
function sideBySideSection(models: readonly ComparedModelData[], engineTimes: EngineTimes | undefined): string {
  const link = (label: string): string =>
    `<a class="button" id="measure-engines" href="${MEASURE_BOTH_ENGINES_HREF}" title="Profile each configuration on onnxruntime, then on TensorFlow.js wasm, one after another">${label}</a>`;
  if (!engineTimes)
    return `<p class="note" id="engines-note">${link('Measure on both engines')} times each configuration on onnxruntime and on wasm, side by side.</p>`;
  const rows = sideBySideRows(models, engineTimes)
    .map(([model, ...cells]) => `<tr><th scope="row">${escapeHtml(model!)}</th>${cells.map((c) => `<td class="num">${escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('\n');
  const head = SIDE_BY_SIDE_HEADER.map((h, i) => `<th${i === 0 ? '' : ' class="num"'}>${escapeHtml(h)}</th>`).join('');
  return `<h3 id="engines-heading">Both engines</h3>
<div class="table-wrap"><table id="engine-times">
<thead><tr>${head}</tr></thead>
<tbody>
${rows}
</tbody>
</table></div>
<p class="note">${escapeHtml(sideBySideNote(engineTimes))} ${link('Measure both again')}</p>`;
}

/** Same policy as the classification view: no script, styles from the webview origin, images only as data:. */
export const compareCsp = classificationCsp;

const SERIES = 6;
const seriesClass = (i: number): string => `series-${i % SERIES}`;

/** The Δ and Δ% cells; report.css puts ▲ / ▼ before a larger / smaller value, so the direction is not colour alone. */
function deltaCells(isReference: boolean, value: number, reference: number): string {
  if (isReference) return `<td class="num ref">${REFERENCE_MARK}</td><td class="num ref">${REFERENCE_MARK}</td>`;
  const sign = value > reference ? 'up' : value < reference ? 'down' : 'same';
  return `<td class="num delta ${sign}">${formatDelta(value, reference)}</td><td class="num delta ${sign}">${formatDeltaPercent(value, reference)}</td>`;
}

function configurationsTable(models: readonly ComparedModelData[]): string {
  const rows = models
    .map(
      (m, i) =>
        `<tr><td class="num">${i + 1}</td><th scope="row"><span class="swatch ${seriesClass(i)}"></span>${escapeHtml(m.model)}</th>` +
        `<td>${m.config.layers.join(',')}</td><td class="num">${m.config.groups}</td><td class="num">${m.config.widthPerGroup}</td>` +
        `<td class="num">${m.config.baseWidth}</td><td class="num">${m.config.numClasses}</td><td class="shape">${formatShape(m.config.inputShape)}</td></tr>`,
    )
    .join('\n');
  return `<div class="table-wrap"><table id="configurations">
<thead><tr><th class="num">#</th><th>Model</th><th>Layers</th><th class="num">Groups</th><th class="num">Width/group</th><th class="num">Base width</th><th class="num">Classes</th><th>Input</th></tr></thead>
<tbody>
${rows}
</tbody>
</table></div>`;
}

function totalsTable(models: readonly ComparedModelData[]): string {
  const ref = models[0]!.totals;
  const rows = models
    .map((m, i) => {
      const t = m.totals;
      return (
        `<tr><th scope="row">${escapeHtml(m.model)}</th>` +
        `<td class="num">${formatInt(t.params)}</td>${deltaCells(i === 0, t.params, ref.params)}` +
        `<td class="num">${formatInt(t.macs)}</td>${deltaCells(i === 0, t.macs, ref.macs)}` +
        `<td class="num">${formatSi(t.macs)}</td><td class="num">${formatSaving(t.params, t.denseParams) || '—'}</td><td class="num">${t.estimatedTotalSizeMiB.toFixed(2)}</td></tr>`
      );
    })
    .join('\n');
  return `<div class="table-wrap"><table id="totals">
<thead><tr><th>Model</th><th class="num">Params</th><th class="num">Δ params</th><th class="num">Δ%</th><th class="num">MACs</th><th class="num">Δ MACs</th><th class="num">Δ%</th><th class="num">MACs (SI)</th><th class="num">Params saved by grouping</th><th class="num">Est. size (MiB)</th></tr></thead>
<tbody>
${rows}
</tbody>
</table></div>`;
}

type Metric = 'params' | 'macs';

const stageOf = (m: ComparedModelData, name: string): StageRowData | undefined => m.stages.find((s) => s.name === name);

/**
 * A horizontal bar chart: one group of bars per stage, one bar per model; behind each bar, lighter, the value of the
 * same stage without grouped convolution (dense). Only SVG presentation attributes, no inline style.
 */
export function stageChart(models: readonly ComparedModelData[], metric: Metric, id: string): string {
  const stages = models[0]!.stages.map((s) => s.name);
  const dense = (s: StageRowData): number => (metric === 'params' ? s.denseParams : s.denseMacs);
  const value = (s: StageRowData): number => (metric === 'params' ? s.params : s.macs);
  const max = Math.max(1, ...models.flatMap((m) => m.stages.map((s) => Math.max(value(s), dense(s)))));
  const width = 640;
  const labelWidth = 64;
  const valueWidth = 150;
  const barArea = width - labelWidth - valueWidth;
  const barHeight = 12;
  const barGap = 3;
  const groupGap = 12;
  const groupHeight = models.length * (barHeight + barGap) - barGap;
  const height = stages.length * (groupHeight + groupGap) + 4;
  const parts: string[] = [];
  stages.forEach((stage, si) => {
    const top = 2 + si * (groupHeight + groupGap);
    parts.push(`<text class="stage-label" x="0" y="${top + groupHeight / 2 + 4}">${escapeHtml(stage)}</text>`);
    models.forEach((m, mi) => {
      const s = stageOf(m, stage);
      if (!s) return;
      const y = top + mi * (barHeight + barGap);
      const w = (v: number): string => ((barArea * v) / max).toFixed(1);
      const label = `${m.model} ${stage}: ${formatInt(value(s))}${dense(s) > value(s) ? ` (dense ${formatInt(dense(s))})` : ''}`;
      parts.push(
        `<g><title>${escapeHtml(label)}</title>` +
          (dense(s) > value(s)
            ? `<rect class="bar dense ${seriesClass(mi)}" x="${labelWidth}" y="${y}" width="${w(dense(s))}" height="${barHeight}"></rect>`
            : '') +
          `<rect class="bar ${seriesClass(mi)}" x="${labelWidth}" y="${y}" width="${w(value(s))}" height="${barHeight}"></rect>` +
          `<text class="bar-value" x="${labelWidth + Number(w(Math.max(value(s), dense(s)))) + 4}" y="${y + barHeight - 2}">${formatSi(value(s))}${dense(s) > value(s) ? ` / ${formatSi(dense(s))}` : ''}</text></g>`,
      );
    });
  });
  const what = metric === 'params' ? 'Parameters' : 'Multiply-adds (MACs)';
  return `<svg id="${id}" class="chart" role="img" aria-labelledby="${id}-title" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg">
<title id="${id}-title">${what} per stage; lighter bars: the same stage with dense (ungrouped) convolutions</title>
${parts.join('\n')}
</svg>`;
}

function stagesTable(models: readonly ComparedModelData[]): string {
  const ref = models[0]!;
  const rows = ref.stages
    .flatMap((stage) =>
      models.map((m, i) => {
        const s = stageOf(m, stage.name);
        if (!s) return '';
        return (
          `<tr${i === 0 ? ' class="group-start"' : ''}><td>${i === 0 ? escapeHtml(stage.name) : ''}</td><th scope="row">${escapeHtml(m.model)}</th><td class="shape">${formatShape(s.outputShape)}</td>` +
          `<td class="num">${formatInt(s.params)}</td>${deltaCells(i === 0, s.params, stage.params)}` +
          `<td class="num">${formatInt(s.macs)}</td>${deltaCells(i === 0, s.macs, stage.macs)}` +
          `<td class="num">${formatSaving(s.macs, s.denseMacs) || '—'}</td></tr>`
        );
      }),
    )
    .join('\n');
  return `<div class="table-wrap"><table id="stages">
<thead><tr><th>Stage</th><th>Model</th><th>Output shape</th><th class="num">Params</th><th class="num">Δ params</th><th class="num">Δ%</th><th class="num">MACs</th><th class="num">Δ MACs</th><th class="num">Δ%</th><th class="num">MACs saved by grouping</th></tr></thead>
<tbody>
${rows}
</tbody>
</table></div>`;
}

/** Measured forward time next to the MACs: one row per model, "—" where not measured yet. */
function timesSection(models: readonly ComparedModelData[], times: readonly (ProfileData | undefined)[] | undefined): string {
  const link = (label: string): string =>
    `<a class="button" id="measure-time" href="command:${MEASURE_TIME_COMMAND}" title="Profile each configuration's forward pass in the worker, one after another (1 cold + ${VIEW_PROFILE_RUNS} warm passes each)">${label}</a>`;
  const measured = times?.filter((t) => t !== undefined) ?? [];
  if (measured.length === 0) {
    return `<p class="note" id="times-note">Not measured yet: ${link('Measure time')} runs each configuration's forward pass on this machine (on the engine of the resnext.engine setting, median of ${VIEW_PROFILE_RUNS} warm passes), one after another; a few seconds per configuration.</p>`;
  }
  const rows = measuredTimeRows(models, times ?? [])
    .map((r) => {
      const m = r.measured;
      if (!m) return `<tr><th scope="row">${escapeHtml(r.model)}</th><td class="num">${r.macs}</td><td class="num ref" colspan="5">not measured</td></tr>`;
      const delta = m.direction === 'ref' ? `<td class="num ref">${m.delta}</td>` : `<td class="num delta ${m.direction}">${m.delta}</td>`;
      return (
        `<tr><th scope="row">${escapeHtml(r.model)}</th><td class="num">${r.macs}</td><td class="num time">${m.forward}</td>${delta}` +
        `<td class="num">${m.rate}</td><td class="num" title="${escapeHtml(m.shares)}">${m.grouped}</td>` +
        (m.engine
          ? `<td class="num" title="${escapeHtml(m.engine.version)}">${m.threads} (${escapeHtml(m.engine.name)})</td></tr>`
          : `<td class="num">${m.threads}</td></tr>`)
      );
    })
    .join('\n');
  const head = MEASURED_TIME_HEADER.map((h, i) => `<th${i === 0 ? '' : ' class="num"'}>${escapeHtml(h)}</th>`).join('');
  return `<div class="table-wrap"><table id="times">
<thead><tr>${head}</tr></thead>
<tbody>
${rows}
</tbody>
</table></div>
<p class="note">${escapeHtml(measuredTimeNote(models, times ?? []))} ${link('Measure again')}</p>`;
}

function legend(models: readonly ComparedModelData[]): string {
  const items = models.map((m, i) => `<li><span class="swatch ${seriesClass(i)}"></span>${escapeHtml(m.model)}</li>`).join('');
  return `<ul class="legend">${items}<li><span class="swatch dense-swatch"></span>dense equivalent (no grouping)</li></ul>`;
}

export function compareHtml(options: CompareHtmlOptions): string {
  const models = options.comparison.models;
  return `${htmlHead({ csp: compareCsp(options.cspSource), styleUri: options.styleUri, title: options.title })}
<body>
<main>
<header class="toolbar">
<h1 id="title">${escapeHtml(options.title)}</h1>
<a class="button" id="export" href="command:${EXPORT_REVIEW_REPORT_COMMAND}" title="Save the comparison as a Markdown review report">Export review report…</a>
</header>
${options.description ? `<p class="description">${escapeHtml(options.description)}</p>` : ''}
<p class="note">Differences (Δ) are against the first configuration, ${escapeHtml(models[0]!.model)}: ▲ more, ▼ less. Every figure is traced with TensorFlow.js and matches torchvision.</p>
<section aria-labelledby="configurations-heading">
<h2 id="configurations-heading">Configurations</h2>
${configurationsTable(models)}
</section>
<section aria-labelledby="totals-heading">
<h2 id="totals-heading">Totals</h2>
${totalsTable(models)}
</section>
<section aria-labelledby="times-heading">
<h2 id="times-heading">Measured forward time</h2>
${timesSection(models, options.times)}
${sideBySideSection(models, options.engineTimes)}
</section>
<section aria-labelledby="charts-heading">
<h2 id="charts-heading">Per stage</h2>
${stagesTable(models)}
<details id="stage-charts" open>
<summary>Charts: parameters and multiply-adds per stage</summary>
${legend(models)}
<div class="charts">
<figure><figcaption>Parameters</figcaption>
${stageChart(models, 'params', 'params-chart')}
</figure>
<figure><figcaption>Multiply-adds (MACs)</figcaption>
${stageChart(models, 'macs', 'macs-chart')}
</figure>
</div>
</details>
</section>
</main>
</body>
</html>`;
}
