/**
 * Short, human names for a summarized network, for headings and panel titles. The core's configName
 * (`resnext50_32x4d(layers=1,1,1,1 … num_classes=10)`) stays the full, exact name shown under the heading.
 */
import type { SummaryConfigData } from './protocol';

/** The last path segment of a file path or URL ("/models/tiny.pth" → "tiny.pth"). */
export function baseName(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, '');
  return trimmed.split(/[\\/]/).pop() || path;
}

/**
 * "ResNeXt 1-1-1-1, 4×8d, 10 classes": the family (ResNeXt when the 3x3 convolutions are grouped, Wide ResNet when
 * they are wider than ResNet's, else ResNet), the blocks per stage, cardinality × width per group as in the paper's
 * "32x4d", and whatever differs from torchvision's defaults (base width 64, 1000 classes, 224×224 input).
 */
export function describeNetwork(config: SummaryConfigData): string {
  const family = config.groups > 1 ? 'ResNeXt' : config.widthPerGroup > 64 ? 'Wide ResNet' : 'ResNet';
  const parts = [`${family} ${config.layers.join('-')}`];
  if (config.groups > 1 || config.widthPerGroup !== 64) parts.push(`${config.groups}×${config.widthPerGroup}d`);
  if (config.baseWidth !== 64) parts.push(`base width ${config.baseWidth}`);
  if (config.numClasses !== 1000) parts.push(`${config.numClasses} classes`);
  const [, , h, w] = config.inputShape;
  if (h !== undefined && w !== undefined && (h !== 224 || w !== 224)) parts.push(`${h}×${w} input`);
  return parts.join(', ');
}

/**
 * The heading of a summary: the checkpoint's file name when it came from one, the preset's name when it is one
 * (torchvision names have no parentheses), else "Custom " + describeNetwork.
 */
export function shortModelName(summary: { readonly model: string; readonly config: SummaryConfigData; readonly weights?: string }): string {
  if (summary.weights !== undefined && summary.weights !== '') return baseName(summary.weights);
  if (!summary.model.includes('(')) return summary.model;
  return `Custom ${describeNetwork(summary.config)}`;
}
