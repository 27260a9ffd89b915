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

/** The engines the side-by-side table compares, in its column order. */
export const SIDE_BY_SIDE_ENGINES = ['onnxruntime', 'wasm'] as const;
export type SideBySideEngine = (typeof SIDE_BY_SIDE_ENGINES)[number];

/** Each engine's measured profiles (same order as the models), where "Measure on both engines" has run. */
export type EngineTimes = Readonly<Record<SideBySideEngine, readonly (ProfileData | undefined)[]>>;

export const SIDE_BY_SIDE_HEADER = ['Model', 'MACs', 'onnxruntime (ms)', 'GMAC/s', 'wasm (ms)', 'GMAC/s', 'wasm ÷ onnxruntime'] as const;

/**
 * Both engines side by side, one row per model: each engine's median forward and rate, and how many times longer
 * wasm took than onnxruntime ("—" where either is not measured).
 */
export function sideBySideRows(models: readonly ComparedModelData[], times: EngineTimes): string[][] {
  return models.map((m, i) => {
    const cells = SIDE_BY_SIDE_ENGINES.flatMap((engine) => {
      const p = times[engine][i];
      return p ? [formatMs(p.totalMs), formatRate(m.totals.macs / (p.totalMs / 1000) / 1e9)] : ['—', '—'];
    });
    const [ort, wasm] = SIDE_BY_SIDE_ENGINES.map((engine) => times[engine][i]);
    const ratio = ort && wasm ? `${(wasm.totalMs / ort.totalMs).toFixed(2)}×` : '—';
    return [m.model, formatSi(m.totals.macs), ...cells, ratio];
  });
}

/** Under the side-by-side table: what ran where. */
export function sideBySideNote(times: EngineTimes): string {
  const describe = (engine: SideBySideEngine): string => {
    const p = times[engine].find((t) => t !== undefined);
    return p ? `${p.engine?.version ?? engine}, ${p.threads} thread${p.threads === 1 ? '' : 's'}` : `${engine}: not measured`;
  };
  const runs = SIDE_BY_SIDE_ENGINES.map((e) => times[e].find((t) => t !== undefined)?.runs).find((r) => r !== undefined) ?? 0;
  return `Median of ${runs} warm forward passes on each engine (${describe('onnxruntime')}; ${describe('wasm')}), measured one after another on this machine.`;
}
