/**
 * The split-transform-merge equivalence view's HTML (vscode-free, unit-tested): the three forms of one ResNeXt block
 * (Xie et al. 2017, Fig. 3) as small SVG diagrams, next to what was measured: the differences of (a) and (b) against
 * (c), the output shape, and the convolutions and multiply-adds each form executed.
 * Static like the classification view: CSP `default-src 'none'`, styles only from the webview's origin, no script.
 */
import type { EquivalenceData } from '../shared/protocol';
import { formatAbsDiff, formatInt, formatShape } from '../shared/format';
import { FORMS, type Form } from '../model/forms';
import { formName, verdict } from '../model/report/equivalence';
import { classificationCsp } from './classificationHtml';
import { escapeHtml, htmlHead } from './webviewHtml';

export interface EquivalenceHtmlOptions {
  readonly cspSource: string;
  /** `webview.asWebviewUri(dist/report.css)`. */
  readonly styleUri: string;
  readonly result: EquivalenceData;
}

export const equivalenceCsp = classificationCsp;

const formTitle = (e: EquivalenceData, form: Form): string => formName(e, form, (c) => `(c) one grouped 3x3 (groups=${c})`);

function formExplanation(e: EquivalenceData, form: Form): string {
  const c = e.cardinality;
  const d = e.pathWidth;
  const cin = e.inputShape[1] ?? 0;
  const cout = e.outputShape[1] ?? 0;
  switch (form) {
    case 'a':
      return `Aggregated transformations: each of the ${c} paths maps ${cin} channels to ${d} (1x1), transforms them (3x3, ${d}→${d}) and maps back to ${cout} (1x1); the paths' outputs are summed.`;
    case 'b':
      return `Early concatenation: the ${c} paths stop after their 3x3; their ${c}·${d} = ${c * d} channels are concatenated and one 1x1 (${c * d}→${cout}) does what the ${c} last 1x1s and the sum did.`;
    case 'c':
      return `Grouped convolution, as the network runs it: one 1x1 (${cin}→${c * d}), one 3x3 with groups=${c} (each group sees only its own ${d} channels), one 1x1 (${c * d}→${cout}).`;
  }
}

// --- diagrams -------------------------------------------------------------------------------------------------

const W = 240;
const H = 250;
const BOX_W = 56;
const BOX_H = 22;

function box(cx: number, y: number, label: string, extra = ''): string {
  return (
    `<rect class="node${extra}" x="${cx - BOX_W / 2}" y="${y}" width="${BOX_W}" height="${BOX_H}" rx="3"></rect>` +
    `<text class="node-label" x="${cx}" y="${y + 15}" text-anchor="middle">${escapeHtml(label)}</text>`
  );
}

function wideBox(cx: number, y: number, width: number, label: string, extra = ''): string {
  return (
    `<rect class="node${extra}" x="${cx - width / 2}" y="${y}" width="${width}" height="${BOX_H}" rx="3"></rect>` +
    `<text class="node-label" x="${cx}" y="${y + 15}" text-anchor="middle">${escapeHtml(label)}</text>`
  );
}

const edge = (x1: number, y1: number, x2: number, y2: number): string => `<line class="edge" x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}"></line>`;

/** Path columns: the first two, an ellipsis, the last (or every path when there are at most three). */
function columns(c: number): { x: number; label: string }[] {
  if (c === 1) return [{ x: W / 2, label: '1' }];
  if (c === 2)
    return [
      { x: W / 2 - 40, label: '1' },
      { x: W / 2 + 40, label: '2' },
    ];
  if (c === 3)
    return [
      { x: 40, label: '1' },
      { x: W / 2, label: '2' },
      { x: W - 40, label: '3' },
    ];
  return [
    { x: 36, label: '1' },
    { x: 96, label: '2' },
    { x: W - 36, label: String(c) },
  ];
}

export function formDiagram(e: EquivalenceData, form: Form): string {
  const d = e.pathWidth;
  const c = e.cardinality;
  const cout = e.outputShape[1] ?? 0;
  const cols = columns(c);
  const parts: string[] = [];
  const inputY = 4;
  parts.push(wideBox(W / 2, inputY, 120, `x: ${e.inputShape[1] ?? ''} ch`, ' io'));
  const rowY = [44, 84, 124];
  if (form === 'c') {
    parts.push(edge(W / 2, inputY + BOX_H, W / 2, rowY[0]!));
    parts.push(wideBox(W / 2, rowY[0]!, 120, `1x1, ${c * d}`));
    parts.push(edge(W / 2, rowY[0]! + BOX_H, W / 2, rowY[1]!));
    parts.push(wideBox(W / 2, rowY[1]!, 120, `3x3, ${c * d}, G=${c}`, ' grouped'));
    parts.push(edge(W / 2, rowY[1]! + BOX_H, W / 2, rowY[2]!));
    parts.push(wideBox(W / 2, rowY[2]!, 120, `1x1, ${cout}`));
  } else {
    const depth = form === 'a' ? 3 : 2;
    for (const col of cols) {
      parts.push(edge(W / 2, inputY + BOX_H, col.x, rowY[0]!));
      parts.push(box(col.x, rowY[0]!, `1x1, ${d}`));
      parts.push(edge(col.x, rowY[0]! + BOX_H, col.x, rowY[1]!));
      parts.push(box(col.x, rowY[1]!, `3x3, ${d}`));
      if (depth === 3) {
        parts.push(edge(col.x, rowY[1]! + BOX_H, col.x, rowY[2]!));
        parts.push(box(col.x, rowY[2]!, `1x1, ${cout}`));
        parts.push(edge(col.x, rowY[2]! + BOX_H, W / 2, 166));
      } else {
        parts.push(edge(col.x, rowY[1]! + BOX_H, W / 2, rowY[2]!));
      }
    }
    if (c > 3) parts.push(`<text class="ellipsis" x="${(96 + W - 36) / 2}" y="${rowY[1]! + 15}" text-anchor="middle">…</text>`);
    if (form === 'a') {
      parts.push(
        `<circle class="node merge" cx="${W / 2}" cy="176" r="10"></circle><text class="node-label" x="${W / 2}" y="181" text-anchor="middle">+</text>`,
      );
    } else {
      parts.push(wideBox(W / 2, rowY[2]!, 120, `concat, ${c * d}`, ' merge'));
      parts.push(edge(W / 2, rowY[2]! + BOX_H, W / 2, 156));
      parts.push(wideBox(W / 2, 156, 120, `1x1, ${cout}`));
      parts.push(edge(W / 2, 156 + BOX_H, W / 2, 200));
    }
  }
  const outY = 210;
  if (form === 'a') parts.push(edge(W / 2, 186, W / 2, outY));
  if (form === 'c') parts.push(edge(W / 2, rowY[2]! + BOX_H, W / 2, outY));
  if (form === 'b') parts.push(edge(W / 2, 200, W / 2, outY));
  parts.push(wideBox(W / 2, outY, 160, `+ shortcut, ReLU: ${cout} ch`, ' io'));
  const id = `diagram-${form}`;
  return `<svg id="${id}" class="diagram" role="img" aria-labelledby="${id}-title" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" xmlns="http://www.w3.org/2000/svg">
<title id="${id}-title">${escapeHtml(formTitle(e, form))}</title>
${parts.join('\n')}
</svg>`;
}

// --- page -----------------------------------------------------------------------------------------------------

function formsTable(e: EquivalenceData): string {
  const diff = (form: Form, kind: 'max' | 'mean'): string => {
    if (form === 'c') return '(reference)';
    const key = form === 'a' ? 'aVsC' : 'bVsC';
    return formatAbsDiff(kind === 'max' ? e.maxAbsDiff[key] : e.meanAbsDiff[key]);
  };
  const rows = FORMS.map(
    (form) =>
      `<tr><th scope="row">${escapeHtml(formTitle(e, form))}</th><td>${formatShape(e.outputShape)}</td>` +
      `<td class="num">${e.ops[form].convOps}</td><td class="num">${formatInt(e.ops[form].macs)}</td><td class="num">${e.ops[form].kernels}</td>` +
      `<td class="num">${diff(form, 'max')}</td><td class="num">${diff(form, 'mean')}</td></tr>`,
  ).join('\n');
  return `<table id="forms">
<thead><tr><th>Form</th><th>Output shape</th><th class="num">Conv ops</th><th class="num">MACs (multiply-adds)</th><th class="num">TF.js kernels</th><th class="num">Max |Δ| vs (c)</th><th class="num">Mean |Δ| vs (c)</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}

export function equivalenceHtml(options: EquivalenceHtmlOptions): string {
  const e = options.result;
  const title = `${e.model} ${e.block}: split-transform-merge`;
  const figures = FORMS.map(
    (form) => `<figure class="form">
${formDiagram(e, form)}
<figcaption><strong>${escapeHtml(formTitle(e, form))}</strong><br>${escapeHtml(formExplanation(e, form))}</figcaption>
</figure>`,
  ).join('\n');
  return `${htmlHead({ csp: equivalenceCsp(options.cspSource), styleUri: options.styleUri, title })}
<body>
<main>
<h1 id="title">${escapeHtml(title)}</h1>
<p class="description">Xie et al. 2017, Fig. 3: a ResNeXt block's residual function computed three ways on the same weights and the same input. With BatchNorm folded (eval mode) the three are the same function; they differ only by float32 rounding.</p>
<p class="verdict ${e.equivalent ? 'ok' : 'bad'}" id="verdict">${escapeHtml(verdict(e))}</p>
<div class="forms">
${figures}
</div>
<section aria-labelledby="measured-heading">
<h2 id="measured-heading">Measured</h2>
${formsTable(e)}
<dl>
<dt>Block</dt><dd>${escapeHtml(e.block)}: input ${formatShape(e.inputShape)} → output ${formatShape(e.outputShape)}; shortcut ${e.shortcut === 'downsample' ? 'downsample (1x1 conv + BN)' : 'identity'}</dd>
<dt>Cardinality</dt><dd>C = ${e.cardinality} paths of width d = ${e.pathWidth}</dd>
<dt>Weights</dt><dd>${escapeHtml(e.weights)}; input uniform in [-1, 1), seed ${e.seed}</dd>
<dt>Ops</dt><dd>Convolution kernels counted under tf.profile; MACs from each kernel's filter and output shapes (the downsample conv included).</dd>
</dl>
</section>
</main>
</body>
</html>`;
}
