/**
 * The review question's numbers from a profile's rows (pure: the core's profile() puts them in the profile@1 JSON,
 * so the CLI and the views show the same figures and the webview computes none).
 */
import type { ConvShare, ProfileLayer } from './data';

/** The convolutions with groups > 1 (grouped) or = 1 (dense): their count, time and MACs, and shares of the whole. */
export function convShares(layers: readonly ProfileLayer[], layersMs: number): { grouped: ConvShare; dense: ConvShare } {
  const macs = layers.reduce((a, l) => a + l.macs, 0);
  const share = (convs: readonly ProfileLayer[]): ConvShare => {
    const ms = convs.reduce((a, l) => a + l.ms, 0);
    const m = convs.reduce((a, l) => a + l.macs, 0);
    return { count: convs.length, ms, macs: m, timeShare: layersMs > 0 ? ms / layersMs : 0, macsShare: macs > 0 ? m / macs : 0 };
  };
  const convs = layers.filter((l) => l.type === 'Conv2d');
  return { grouped: share(convs.filter((l) => (l.groups ?? 1) > 1)), dense: share(convs.filter((l) => (l.groups ?? 1) <= 1)) };
}

/** Warm forward passes the extension's views take the median of (after one cold pass): a few seconds for resnext50. */
export const VIEW_PROFILE_RUNS = 3;
