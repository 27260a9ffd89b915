/**
 * The architecture graph (issue 19): built from the summary's trace (build.ts), collapsed to a depth (depth.ts),
 * written as JSON, Mermaid, DOT or SVG (formats.ts, svg.ts) — pure functions the CLI and the extension share.
 */
import { checkedArchitecture } from '../architecture';
import type { NetworkConfig } from '../config';
import { buildGraph, type Graph } from './build';

export { buildGraph, GRAPH_SCHEMA, type Graph, type GraphEdge, type GraphNode } from './build';

/** graph@1 of a configuration at layer depth. */
export function architectureGraph(config: NetworkConfig, model: string): Graph {
  return buildGraph(checkedArchitecture(config), model).graph;
}
