/** The configuration for a weights file: named by a preset or flags (then checked against the file), else inferred. */
import { checkedArchitecture, resolveConfig, type ConfigOverrides } from '../model/architecture';
import { configName, type NetworkConfig } from '../model/config';
import { inferConfig } from '../model/weights/infer';
import type { StateDict } from '../model/weights/stateDict';

export function configForWeights(
  stateDict: StateDict,
  weightsPath: string,
  preset: string | undefined,
  overrides: ConfigOverrides,
  architectureFlagsGiven: boolean,
): { model: string; config: NetworkConfig } {
  if (preset !== undefined || architectureFlagsGiven) return resolveConfig(preset, overrides);
  const inferred = inferConfig(stateDict, weightsPath);
  const config: NetworkConfig =
    overrides.inputHeightPx !== undefined && overrides.inputWidthPx !== undefined
      ? { ...inferred, inputHeightPx: overrides.inputHeightPx, inputWidthPx: overrides.inputWidthPx }
      : inferred;
  checkedArchitecture(config);
  return { model: configName(config), config };
}
