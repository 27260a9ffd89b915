/**
 * The classification view's HTML (vscode-free, unit-tested): the image, the top classes with probability bars
 * (`<meter>` elements: no inline style, no script), which weights and preprocessing were used, and the timings.
 * CSP `default-src 'none'`: styles only from the webview's origin, the image only as a data: URI, no script at all.
 */
import type { ClassificationData } from '../shared/protocol';
import { escapeHtml } from './webviewHtml';

export interface ClassificationHtmlOptions {
  readonly cspSource: string;
  /** `webview.asWebviewUri(dist/classification.css)`. */
  readonly styleUri: string;
  /** The image as a data: URI, or undefined when it is too large to embed. */
  readonly imageDataUri?: string;
  readonly result: ClassificationData;
}

export function classificationCsp(cspSource: string): string {
  return ["default-src 'none'", `style-src ${cspSource}`, 'img-src data:'].join('; ');
}

/** The MIME type for an image data: URI, from the file's first bytes (never from its name). */
export function imageMimeType(bytes: Uint8Array): string | undefined {
  const starts = (...prefix: number[]): boolean => prefix.every((b, i) => bytes[i] === b);
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x89, 0x50, 0x4e, 0x47)) return 'image/png';
  if (starts(0x42, 0x4d)) return 'image/bmp';
  return undefined;
}

const ms = (n: number): string => `${n.toFixed(0)} ms`;

export function classificationHtml(options: ClassificationHtmlOptions): string {
  const r = options.result;
  const name = r.image.split(/[\\/]/).pop() ?? r.image;
  const rows = r.top
    .map(
      (t, i) => `<tr>
  <td class="rank">${i + 1}</td>
  <th scope="row" class="label">${escapeHtml(t.label)}</th>
  <td class="bar"><meter min="0" max="1" value="${t.probability}" aria-label="${escapeHtml(t.label)}: ${(100 * t.probability).toFixed(2)}%">${(100 * t.probability).toFixed(2)}%</meter></td>
  <td class="num">${(100 * t.probability).toFixed(2)}%</td>
  <td class="num index">class ${t.index}</td>
</tr>`,
    )
    .join('\n');
  const image = options.imageDataUri
    ? `<img src="${escapeHtml(options.imageDataUri)}" alt="${escapeHtml(name)}">`
    : `<p class="note">The image is too large to show here.</p>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(classificationCsp(options.cspSource))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(options.styleUri)}">
<title>${escapeHtml(name)}</title>
</head>
<body>
<main>
<h1 id="title">${escapeHtml(name)}</h1>
<div class="layout">
<figure>${image}<figcaption>${r.widthPx}×${r.heightPx} ${escapeHtml(r.mode)}</figcaption></figure>
<section aria-labelledby="top-heading">
<h2 id="top-heading">Top ${r.top.length}</h2>
<table id="top">
<thead><tr><th>#</th><th>Class</th><th>Probability</th><th class="num">%</th><th class="num">Index</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<dl>
<dt>Model</dt><dd>${escapeHtml(r.model)}</dd>
<dt>Weights</dt><dd>${escapeHtml(r.weights)}</dd>
<dt>Preprocessing</dt><dd>torchvision's ImageClassification preset: RGB, resize the shorter side to ${r.preprocessing.resizePx} (bilinear, antialiased), center crop ${r.preprocessing.cropPx}, normalize with ImageNet's mean and std</dd>
<dt>Timings</dt><dd>weights ${r.timingsMs.load > 0 ? ms(r.timingsMs.load) : 'already loaded'} · decode ${ms(r.timingsMs.decode)} · preprocess ${ms(r.timingsMs.preprocess)} · forward ${ms(r.timingsMs.forward)}</dd>
</dl>
</section>
</div>
</main>
</body>
</html>`;
}
