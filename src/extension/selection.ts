/**
 * Node ↔ row selection between the graph view and the summary panel (issue 19): each publishes the graph@1 id it
 * selected (a module path, `path#k` for the k-th repeated call, a stage or block); the other selects it if open.
 * And the summary panel's profiles, for the graph view's colour by time (the latest one is kept for a graph opened
 * after it).
 */
import * as vscode from 'vscode';
import type { NetworkConfig, ProfileLayer } from '../shared/data';

export interface LayerSelection {
  readonly from: 'graph' | 'summary';
  readonly name: string;
}

const emitter = new vscode.EventEmitter<LayerSelection>();
export const onLayerSelected = emitter.event;
export const selectLayer = (selection: LayerSelection): void => emitter.fire(selection);

export interface Profiled {
  readonly config: NetworkConfig;
  readonly layers: readonly ProfileLayer[];
}
const profiled = new vscode.EventEmitter<Profiled>();
let latest: Profiled | undefined;
export const onProfiled = profiled.event;
export const lastProfiled = (): Profiled | undefined => latest;
export const profileMeasured = (p: Profiled): void => {
  latest = p;
  profiled.fire(p);
};
