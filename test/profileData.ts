/**
 * A profile@1 object over a real summary's rows (the static trace of a preset: exact names, types, groups, MACs),
 * with stated times instead of measured ones: dense convs at 40 GMAC/s, grouped convs at 10 GMAC/s, other layers
 * 0.01 ms. For tests of what carries and draws a profile without running TF.js; the shares come from the core's own
 * convShares, so the figures are the ones a measured profile would have for these times.
 */
import { layerRows } from '../src/model/accounting';
import { architecture } from '../src/model/architecture';
import { presetConfig, type PresetName } from '../src/model/config';
import { PROFILE_SCHEMA, type Profile, type ProfileLayer } from '../src/shared/data';
import { convShares } from '../src/shared/profile';
import { staticTrace } from '../src/model/shapes';

export const STATED_RATE = { dense: 40, grouped: 10 } as const;
export const STATED_PEAK = { gemmGmacPerSecond: 60, memoryGBPerSecond: 8 } as const;

export function statedProfile(preset: PresetName = 'resnext50_32x4d'): Profile {
  const config = presetConfig(preset);
  const arch = architecture(config);
  const rows = layerRows(arch, staticTrace(arch));
  const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
  const timed = rows.map((r) => {
    const rate = r.type === 'Conv2d' ? ((r.groups ?? 1) > 1 ? STATED_RATE.grouped : STATED_RATE.dense) : r.type === 'Linear' ? STATED_RATE.dense : 0;
    const ms = rate > 0 ? r.macs / (rate * 1e6) : 0.01;
    const bytes = (r.params + 2 * numel(r.outputShape)) * 4;
    return { r, ms, bytes, rate };
  });
  const layersMs = timed.reduce((a, t) => a + t.ms, 0);
  const layers = timed.map(({ r, ms, bytes, rate }): ProfileLayer => ({
    name: r.name,
    type: r.type,
    outputShape: r.outputShape,
    ms,
    share: ms / layersMs,
    macs: r.macs,
    ...(r.groups !== undefined && { groups: r.groups }),
    bytes,
    gmacPerSecond: rate,
    intensity: r.macs / bytes,
  }));
  return {
    schema: PROFILE_SCHEMA,
    model: preset,
    threads: 2,
    runs: 3,
    inputShape: [1, 3, config.inputHeightPx, config.inputWidthPx],
    totalMs: layersMs * 1.02,
    layersMs,
    layers,
    convs: convShares(layers, layersMs),
    peak: STATED_PEAK,
    note: 'stated times for tests',
  };
}
