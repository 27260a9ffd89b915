/** The webview's handle on VS Code (acquireVsCodeApi may be called once per page). */
import type { WebviewMessage, WebviewState } from '../src/shared/protocol';

export interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): unknown;
  setState(state: WebviewState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export const vscode: VsCodeApi = acquireVsCodeApi();
