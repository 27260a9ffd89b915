/**
 * The compare view's "Measured forward time" table as cells, computed once for both places that show it: the view
 * (src/extension/compareHtml.ts) and the Markdown review report it exports (appended as its own section). Pure.
 */
import type { ComparedModelData, ProfileData } from './protocol';
import { formatConvShares, formatDeltaPercent, formatMs, formatRate, formatShare, formatSi, REFERENCE_MARK } from './format';

export const MEASURED_TIME_HEADER = ['Model', 'MACs', 'Forward (ms)', 'Δ%', 'GMAC/s', 'Grouped convs: MACs / time', 'Threads'] as const;

export interface MeasuredTimeRow {
  readonly model: string;
  readonly macs: string;
  /** Absent where the model was not measured (yet). */
  readonly measured?: {
    readonly forward: string;
    /** REFERENCE_MARK on the first row; 'up' / 'down' / 'same' against the first model's time. */
    readonly delta: string;
    readonly direction: 'ref' | 'up' | 'down' | 'same';
    readonly rate: string;
    readonly grouped: string;
    /** The grouped and dense convs' shares in words (the view's tooltip). */
    readonly shares: string;
    readonly threads: string;
    /** The engine that ran the forwards (name, version), where the profile names it. */
    readonly engine?: { readonly name: string; readonly version: string };
  };
}

export function measuredTimeRows(models: readonly ComparedModelData[], times: readonly (ProfileData | undefined)[]): MeasuredTimeRow[] {
  const ref = times[0];
  return models.map((m, i) => {
    const p = times[i];
    if (!p) return { model: m.model, macs: formatSi(m.totals.macs) };
    const direction = i === 0 || !ref ? 'ref' : p.totalMs > ref.totalMs ? 'up' : p.totalMs < ref.totalMs ? 'down' : 'same';
    return {
      model: m.model,
      macs: formatSi(m.totals.macs),
      measured: {
        forward: formatMs(p.totalMs),
        delta: direction === 'ref' ? REFERENCE_MARK : formatDeltaPercent(p.totalMs, ref!.totalMs),
        direction,
        rate: formatRate(m.totals.macs / (p.totalMs / 1000) / 1e9),
        grouped: p.convs.grouped.count > 0 ? `${formatShare(p.convs.grouped.macsShare)} / ${formatShare(p.convs.grouped.timeShare)}` : '—',
        shares: formatConvShares(p.convs),
        threads: String(p.threads),
        ...(p.engine && { engine: { name: p.engine.name, version: p.engine.version } }),
      },
    };
  });
}

/** How the times were measured, under the table. */
export function measuredTimeNote(models: readonly ComparedModelData[], times: readonly (ProfileData | undefined)[]): string {
  const runs = times.find((t) => t !== undefined)?.runs ?? 0;
  return `Median of ${runs} warm forward passes each (after one cold pass), measured one after another on this machine; Δ% against ${models[0]?.model ?? ''}.`;
}
