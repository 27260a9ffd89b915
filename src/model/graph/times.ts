/**
 * Colour by measured time (issue 19): a profile's layers (leaf-module calls in forward order, a module called again
 * listed again, as the summary's rows) matched to graph@1's ids (`path` for a module's first call, `path#k` for its
 * k-th repeat), then summed into what is shown: a closed stage or block gets the time of everything it holds.
 */
import type { Graph, NetworkConfig } from '../../shared/data';

/** Measured ms per shown node id (nodes without a measured time are absent). */
export function nodeTimes(full: Graph, shown: Iterable<string>, layers: readonly { readonly name: string; readonly ms: number }[]): Record<string, number> {
  const seen = new Map<string, number>();
  const leafMs = new Map<string, number>();
  for (const l of layers) {
    const k = seen.get(l.name) ?? 0;
    seen.set(l.name, k + 1);
    leafMs.set(k === 0 ? l.name : `${l.name}#${k}`, l.ms);
  }
  const visible = new Set(shown);
  const parentOf = new Map(full.nodes.map((n) => [n.id, n.parent]));
  const out: Record<string, number> = {};
  for (const [id, ms] of leafMs) {
    if (!parentOf.has(id)) continue;
    // The innermost shown node holding it: itself when shown, else the closed container it sits in.
    let at = id;
    while (at !== '' && !visible.has(at)) at = parentOf.get(at) ?? '';
    if (at !== '') out[at] = (out[at] ?? 0) + ms;
  }
  return out;
}

/** Whether two configurations are the same network (a profile of one holds for the other). */
export function sameConfig(a: NetworkConfig, b: NetworkConfig): boolean {
  const canonical = (c: NetworkConfig): string =>
    JSON.stringify(
      Object.entries(c)
        .filter(([, value]) => value !== undefined)
        .sort(([x], [y]) => (x < y ? -1 : 1)),
    );
  return canonical(a) === canonical(b);
}
