/**
 * Imported first by extension.ts, so that (esbuild evaluates modules in import order) this runs before any other
 * module of the bundle. It timestamps the start of the bundle's evaluation and, after the first `require('vscode')`
 * (VS Code builds the extension's API object on that call), the end of VS Code's part, so that the startup cost
 * reported by activate() can be split into VS Code's work and this extension's own.
 */
export const moduleLoadStartMs = performance.now();
// eslint-disable-next-line @typescript-eslint/no-require-imports -- must run here, between the two timestamps
require('vscode');
export const vscodeApiReadyMs = performance.now();
