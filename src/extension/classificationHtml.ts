/**
 * The classification view's HTML (vscode-free, unit-tested): the image, the top classes with probability bars
 * (`<meter>` elements), which weights and preprocessing were used, the timings and, when the result has them, the class
 * activation maps over the center crop with a toggle per class and an opacity slider.
 * CSP `default-src 'none'`: styles only from the webview's origin, images only as data: URIs; without CAMs no script at
 * all, with them one script (dist/classificationView.js) allowed by a per-load nonce.
 */
import type { ClassificationData } from '../shared/protocol';
import { escapeHtml, htmlHead } from './webviewHtml';

export interface ClassificationHtmlOptions {
  readonly cspSource: string;
  /** `webview.asWebviewUri(dist/classification.css)`. */
  readonly styleUri: string;
  /** The image as a data: URI, or undefined when it is too large to embed. */
  readonly imageDataUri?: string;
  readonly result: ClassificationData;
  /** With CAMs: `webview.asWebviewUri(dist/classificationView.js)` and a fresh nonce. */
  readonly script?: { readonly uri: string; readonly nonce: string };
}

export function classificationCsp(cspSource: string, nonce?: string): string {
  return ["default-src 'none'", `style-src ${cspSource}`, 'img-src data:', ...(nonce === undefined ? [] : [`script-src 'nonce-${nonce}'`])].join('; ');
}

/** The MIME type for an image data: URI, from the file's first bytes (never from its name). */
export function imageMimeType(bytes: Uint8Array): string | undefined {
  const starts = (...prefix: number[]): boolean => prefix.every((b, i) => bytes[i] === b);
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x89, 0x50, 0x4e, 0x47)) return 'image/png';
  if (starts(0x42, 0x4d)) return 'image/bmp';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'image/gif';
  return undefined;
}

/** Pillow's mode letters in words (Pillow's "Modes" documentation), for the caption. */
const MODE_NAMES: Readonly<Record<string, string>> = {
  '1': 'black and white (1-bit)',
  L: 'grayscale',
  LA: 'grayscale with alpha',
  La: 'grayscale with alpha',
  P: 'palette colour',
  PA: 'palette colour with alpha',
  RGB: 'RGB',
  RGBA: 'RGBA',
  RGBa: 'RGBA',
  RGBX: 'RGB',
  CMYK: 'CMYK',
  YCbCr: 'YCbCr',
  I: 'grayscale (32-bit)',
  'I;16': 'grayscale (16-bit)',
  'I;16B': 'grayscale (16-bit)',
  'I;16L': 'grayscale (16-bit)',
  F: 'grayscale (floating point)',
};

export function describeMode(mode: string): string {
  return MODE_NAMES[mode] ?? mode;
}

/** The name a class gets when the network has no labels (see the core's labelsFor). */
const isPlaceholderLabel = (t: { readonly index: number; readonly label: string }): boolean => t.label === `class ${t.index}`;

const ms = (n: number): string => `${n.toFixed(0)} ms`;
const pct = (p: number): string => `${(100 * p).toFixed(2)}%`;

function camSection(r: ClassificationData): string {
  const cam = r.cam;
  if (!cam || cam.maps.length === 0) return '';
  const labelOf = (c: number): string => r.top.find((t) => t.index === c)?.label ?? `class ${c}`;
  const layers = cam.maps
    .map(
      (m, i) =>
        `<img class="heat" id="cam-${i}" src="${escapeHtml(m.heatmap)}" alt="Class activation map of ${escapeHtml(labelOf(m.class))}"${i === 0 ? '' : ' hidden'}>`,
    )
    .join('\n');
  const choices = cam.maps
    .map(
      (m, i) =>
        `<label><input type="radio" name="cam" value="${i}"${i === 0 ? ' checked' : ''}> ${escapeHtml(labelOf(m.class))}` +
        ` <span class="range">(raw ${m.min.toPrecision(3)} … ${m.max.toPrecision(3)})</span></label>`,
    )
    .join('\n');
  return `<section class="cam" aria-labelledby="cam-heading">
<h2 id="cam-heading">Where the network looked</h2>
<div class="cam-layout">
<figure><div class="stack"><img class="crop" src="${escapeHtml(cam.crop)}" alt="The ${r.preprocessing.cropPx}×${r.preprocessing.cropPx} center crop the network saw">
${layers}</div>
<figcaption>Class activation map (Zhou et al. 2016) on the ${r.preprocessing.cropPx}×${r.preprocessing.cropPx} center crop; viridis: dark = low, yellow = high.</figcaption></figure>
<fieldset id="cam-controls">
<legend>Show the map of</legend>
${choices}
<label><input type="radio" name="cam" value="none"> no map</label>
<label class="opacity">Opacity <input type="range" id="cam-opacity" min="0" max="100" step="5" value="50" aria-valuetext="50%"></label>
</fieldset>
</div>
</section>`;
}

export function classificationHtml(options: ClassificationHtmlOptions): string {
  const r = options.result;
  const name = r.image.split(/[\\/]/).pop() ?? r.image;
  // A network without labels names its classes "class N": then the index column would only repeat the class column.
  const showIndex = !r.top.every(isPlaceholderLabel);
  const rows = r.top
    .map(
      (t, i) => `<tr>
  <td class="rank">${i + 1}</td>
  <th scope="row" class="label">${escapeHtml(t.label)}</th>
  <td class="bar"><meter min="0" max="1" value="${t.probability}" aria-label="${escapeHtml(t.label)}: ${pct(t.probability)}">${pct(t.probability)}</meter></td>
  <td class="num">${pct(t.probability)}</td>${showIndex ? `\n  <td class="num index">class ${t.index}</td>` : ''}
</tr>`,
    )
    .join('\n');
  const image = options.imageDataUri
    ? `<img src="${escapeHtml(options.imageDataUri)}" alt="${escapeHtml(name)}">`
    : `<p class="note">The image is too large to show here.</p>`;
  const cam = options.script ? camSection(r) : '';
  return `${htmlHead({ csp: classificationCsp(options.cspSource, cam ? options.script?.nonce : undefined), styleUri: options.styleUri, title: name })}
<body>
<main>
<h1 id="title">${escapeHtml(name)}</h1>
<div class="layout">
<figure>${image}<figcaption>${r.widthPx}×${r.heightPx} ${escapeHtml(describeMode(r.mode))}</figcaption></figure>
<section aria-labelledby="top-heading">
<h2 id="top-heading">Top ${r.top.length}</h2>
<table id="top">
<thead><tr><th>#</th><th>Class</th><th>Probability</th><th class="num">%</th>${showIndex ? '<th class="num">Index</th>' : ''}</tr></thead>
<tbody>
${rows}
</tbody>
</table>
<dl>
<dt>Model</dt><dd>${escapeHtml(r.model)}</dd>
<dt>Weights</dt><dd>${escapeHtml(r.weights)}</dd>
<dt>Preprocessing</dt><dd>torchvision's ImageClassification preset: RGB, resize the shorter side to ${r.preprocessing.resizePx} (bilinear, antialiased), center crop ${r.preprocessing.cropPx}, normalize with ImageNet's mean and std</dd>
<dt>Timings</dt><dd>weights ${r.timingsMs.load > 0 ? ms(r.timingsMs.load) : 'already loaded'} · decode ${ms(r.timingsMs.decode)} · preprocess ${ms(r.timingsMs.preprocess)} · forward ${ms(r.timingsMs.forward)}${r.engine ? ` on ${escapeHtml(r.engine.version)}` : ''}</dd>
</dl>
</section>
</div>
${cam}
</main>
${cam && options.script ? `<script nonce="${escapeHtml(options.script.nonce)}" src="${escapeHtml(options.script.uri)}"></script>` : ''}
</body>
</html>`;
}
