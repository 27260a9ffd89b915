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
    ...(config.stem === 'deep' || config.stem === 'tiered' ? { stem: config.stem } : {}),
    ...(config.avgDown ? { avgDown: true as const } : {}),
    ...(config.cifar ? { cifar: true as const } : {}),
    ...(config.block ? { block: config.block } : {}),
    ...(config.eca ? { eca: true as const } : {}),
    ...(config.stemWidth !== undefined ? { stemWidth: config.stemWidth } : {}),
  };
}

/** The network configuration a summary (or a comparison's column) states: the inverse of summaryConfig. */
export function networkConfigOf(c: SummaryConfig): NetworkConfig {
  return {
    layers: [...c.layers],
    groups: c.groups,
    widthPerGroup: c.widthPerGroup,
    baseWidth: c.baseWidth,
    numClasses: c.numClasses,
    inputHeightPx: c.inputShape[2],
    inputWidthPx: c.inputShape[3],
    ...(c.se && { se: true }),
    ...(c.stem !== undefined && { stem: c.stem }),
    ...(c.avgDown && { avgDown: true }),
    ...(c.cifar && { cifar: true }),
    ...(c.block !== undefined && { block: c.block }),
    ...(c.eca && { eca: true }),
    ...(c.stemWidth !== undefined && { stemWidth: c.stemWidth }),
  };
}
