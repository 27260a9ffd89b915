/**
 * The summary webview's HTML (vscode-free, unit-tested). Following the webview sample: CSP `default-src 'none'`,
 * the one script allowed by a per-load nonce, styles/fonts/images only from the webview's own origin (cspSource),
 * never 'unsafe-inline'. The initial state travels as JSON in an escaped data- attribute, so no inline script is
 * needed and no summary text (layer names come from checkpoints, i.e. from outside) can break out of the markup.
 */
import { randomBytes } from 'node:crypto';

/** 128 bits from the OS's CSPRNG, base64: the CSP spec asks for at least 128 bits of unguessable value. */
export function makeNonce(): string {
  return randomBytes(16).toString('base64');
}

/** Escapes text for an HTML attribute value in double quotes or element content. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

export interface WebviewHtmlOptions {
  /** `webview.cspSource`: the origin the webview loads its local resources from. */
  readonly cspSource: string;
  readonly nonce: string;
  /** `webview.asWebviewUri(dist/webview.js)` and `…/webview.css`, as strings. */
  readonly scriptUri: string;
  readonly styleUri: string;
  readonly title: string;
  /** Serialised into `data-state`; read by the webview script on start. */
  readonly state: unknown;
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return ["default-src 'none'", `style-src ${cspSource}`, `font-src ${cspSource}`, `img-src ${cspSource} data:`, `script-src 'nonce-${nonce}'`].join('; ');
}

export function webviewHtml(options: WebviewHtmlOptions): string {
  if (!/^[A-Za-z0-9+/=]{16,}$/.test(options.nonce)) throw new Error('the nonce must be base64 of at least 12 random bytes');
  const state = escapeHtml(JSON.stringify(options.state));
  return `${htmlHead({ csp: contentSecurityPolicy(options.cspSource, options.nonce), styleUri: options.styleUri, title: options.title })}
<body data-state="${state}">
<main id="app" aria-busy="true"><p class="loading">Loading the summary…</p></main>
<script nonce="${options.nonce}" src="${escapeHtml(options.scriptUri)}"></script>
</body>
</html>`;
}

/** The start of a page up to `<body>`: charset, the Content-Security-Policy, viewport, one stylesheet, the title. */
export function htmlHead(options: { readonly csp: string; readonly styleUri: string; readonly title: string }): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(options.csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(options.styleUri)}">
<title>${escapeHtml(options.title)}</title>
</head>`;
}
