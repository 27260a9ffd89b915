/**
 * Node ↔ row (issue 19): the summary table's row keys (a layer's order, a stage or block name, tree.ts) against the
 * graph's ids (graph@1: the module path, `path#k` for its k-th repeated call, the stage or block name).
 */
import type { SummaryData } from '../src/shared/protocol';
import { blockOf, stageOf } from './tree';

/** The row key for a graph id, and the groups to open so that it shows; undefined if the table has no such row. */
export function rowForGraphId(summary: SummaryData, id: string): { key: string; open: string[] } | undefined {
  const match = /^(.*?)(?:#(\d+))?$/.exec(id)!;
  const name = match[1]!;
  const k = Number(match[2] ?? 0);
  let seen = 0;
  const order = summary.layers.findIndex((l) => l.name === name && seen++ === k);
  if (order >= 0) {
    const block = blockOf(name);
    return { key: String(order), open: [stageOf(name), ...(block !== undefined ? [block] : [])] };
  }
  const row = summary.layers.find((l) => l.name.startsWith(`${id}.`));
  if (!row) return undefined;
  const stage = stageOf(row.name);
  return { key: id, open: id === stage ? [] : [stage] };
}

/** The graph id for a row key. */
export function graphIdForRow(summary: SummaryData, key: string): string {
  if (!/^\d+$/.test(key)) return key;
  const order = Number(key);
  const name = summary.layers[order]?.name ?? '';
  const k = summary.layers.slice(0, order).filter((l) => l.name === name).length;
  return k === 0 ? name : `${name}#${k}`;
}
