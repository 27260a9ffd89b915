/**
 * Params and MACs of a configuration without TensorFlow.js (shapes from the convolution arithmetic, counted by the
 * same accounting as a traced summary). For listings such as `resnext presets` and the preset quick pick.
 */
import { accountingTotals } from './accounting';
import { architecture } from './architecture';
import { PRESET_NAMES, presetConfig, type NetworkConfig, type PresetName } from './config';
import { staticTrace } from './shapes';
import type { Totals } from './accounting';

export function staticTotals(config: NetworkConfig): Totals {
  const arch = architecture(config);
  return accountingTotals(arch, staticTrace(arch), [1, 3, config.inputHeightPx, config.inputWidthPx]);
}

export interface PresetEntry {
  readonly name: PresetName;
  readonly config: NetworkConfig;
  readonly totals: Totals;
}

export function presetCatalog(): PresetEntry[] {
  return PRESET_NAMES.map((name) => {
    const config = presetConfig(name);
    return { name, config, totals: staticTotals(config) };
  });
}
