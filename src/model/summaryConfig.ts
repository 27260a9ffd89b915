/**
 * The configuration as the summary JSON states it (DESIGN §4). Kept apart from summarize.ts, which loads TF.js, so
 * that the Python scanner and `resnext scan` report the same object without loading it.
 */
import type { NetworkConfig } from './config';
import type { SummaryConfig } from '../shared/data';

export function summaryConfig(config: NetworkConfig): SummaryConfig {
  return {
    layers: [...config.layers],
    groups: config.groups,
    widthPerGroup: config.widthPerGroup,
    baseWidth: config.baseWidth,
    numClasses: config.numClasses,
    inputShape: [1, 3, config.inputHeightPx, config.inputWidthPx],
    // Variant switches only when on, so torchvision configurations keep the schema they had.
    ...(config.se ? { se: true as const } : {}),
    ...(config.stem === 'deep' ? { stem: 'deep' as const } : {}),
    ...(config.avgDown ? { avgDown: true as const } : {}),
    ...(config.cifar ? { cifar: true as const } : {}),
  };
}
