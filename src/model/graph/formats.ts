/**
 * graph@1 as text for reviews (issue 19): Mermaid (`flowchart TB`, one subgraph per container still open at the
 * depth, renders in a GitHub pull request) and DOT for Graphviz (one cluster per open container). Pure functions of
 * a graph already collapsed to its depth (depth.ts).
 */
import type { Graph, GraphNode } from '../../shared/data';
import { formatSi } from '../../shared/format';
import { graphToSvg } from './svg';

/** `1×256×56×56` (edge labels: short enough to sit on an arrow). */
export const shapeLabel = (shape: readonly number[]): string => shape.join('×');

/** The text lines of a node: its id, its type, and for anything that computes, params and MACs. */
export function nodeLines(n: GraphNode): string[] {
  if (n.kind === 'io') return [n.id, shapeLabel(n.outputShape)];
  const lines = [n.id, n.kind === 'function' ? `${n.type}()` : n.type];
  const counts = [n.params > 0 ? `${formatSi(n.params)} params` : '', n.macs > 0 ? `${formatSi(n.macs)} MACs` : ''].filter(Boolean);
  if (counts.length) lines.push(counts.join(' · '));
  return lines;
}

/** Children by parent id, in graph order. */
export function childrenOf(g: Graph): Map<string, GraphNode[]> {
  const children = new Map<string, GraphNode[]>();
  for (const n of g.nodes) {
    const list = children.get(n.parent) ?? [];
    list.push(n);
    children.set(n.parent, list);
  }
  return children;
}

/** Mermaid's text: `#` and quotes as entity codes, inside a quoted label. */
const mermaidText = (s: string): string => s.replace(/#/g, '#35;').replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');

export function graphToMermaid(g: Graph, options: { title?: string } = {}): string {
  const ids = new Map(g.nodes.map((n, i) => [n.id, `n${i}`]));
  const children = childrenOf(g);
  const out: string[] = [];
  if (options.title) out.push('---', `title: ${JSON.stringify(options.title)}`, '---');
  out.push('flowchart TB');
  const write = (parent: string, indent: string): void => {
    for (const n of children.get(parent) ?? []) {
      const id = ids.get(n.id)!;
      const label = nodeLines(n).map(mermaidText).join('<br/>');
      if (children.has(n.id)) {
        out.push(`${indent}subgraph ${id}["${mermaidText(`${n.id} · ${n.type}`)}"]`, `${indent}  direction TB`);
        write(n.id, `${indent}  `);
        out.push(`${indent}end`);
      } else if (n.kind === 'io') out.push(`${indent}${id}(["${label}"])`);
      else if (n.kind === 'function') out.push(`${indent}${id}(("${label}"))`);
      else out.push(`${indent}${id}["${label}"]`);
    }
  };
  write('', '  ');
  for (const e of g.edges) out.push(`  ${ids.get(e.from)} -->|"${shapeLabel(e.shape)}"| ${ids.get(e.to)}`);
  return out.join('\n') + '\n';
}

const dotString = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

export function graphToDot(g: Graph): string {
  const children = childrenOf(g);
  const out = [
    `digraph ${dotString(g.model)} {`,
    '  rankdir=TB;',
    '  node [shape=box, style="rounded,filled", fillcolor="#f5f5f5", color="#555555", fontname="Helvetica", fontsize=10];',
    '  edge [color="#555555", fontname="Helvetica", fontsize=8];',
  ];
  let cluster = 0;
  const write = (parent: string, indent: string): void => {
    for (const n of children.get(parent) ?? []) {
      if (children.has(n.id)) {
        out.push(
          `${indent}subgraph cluster_${cluster++} {`,
          `${indent}  label=${dotString(`${n.id} · ${n.type}`)};`,
          `${indent}  style=rounded; color="#999999";`,
        );
        write(n.id, `${indent}  `);
        out.push(`${indent}}`);
        continue;
      }
      const shape = n.kind === 'io' ? 'oval' : n.kind === 'function' ? 'circle' : n.kind === 'container' ? 'box3d' : 'box';
      out.push(`${indent}${dotString(n.id)} [label=${dotString(nodeLines(n).join('\n'))}, shape=${shape}];`);
    }
  };
  write('', '  ');
  for (const e of g.edges) out.push(`  ${dotString(e.from)} -> ${dotString(e.to)} [label=${dotString(shapeLabel(e.shape))}];`);
  out.push('}');
  return out.join('\n') + '\n';
}

export const GRAPH_FORMATS = ['json', 'mermaid', 'dot', 'svg'] as const;
export type GraphFormat = (typeof GRAPH_FORMATS)[number];

/** The text of a graph (already at its depth) in a format. */
export function formatGraph(g: Graph, format: GraphFormat): string {
  switch (format) {
    case 'json':
      return JSON.stringify(g, null, 1) + '\n';
    case 'mermaid':
      return graphToMermaid(g);
    case 'dot':
      return graphToDot(g);
    case 'svg':
      return graphToSvg(g);
  }
}
