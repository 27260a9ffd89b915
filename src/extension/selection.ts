/**
 * Node ↔ row selection between the graph view and the summary panel (issue 19): each publishes the graph@1 id it
 * selected (a module path, `path#k` for the k-th repeated call, a stage or block); the other selects it if open.
 */
import * as vscode from 'vscode';

export interface LayerSelection {
  readonly from: 'graph' | 'summary';
  readonly name: string;
}

const emitter = new vscode.EventEmitter<LayerSelection>();
export const onLayerSelected = emitter.event;
export const selectLayer = (selection: LayerSelection): void => emitter.fire(selection);
