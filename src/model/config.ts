/**
 * Presets and custom configurations of torchvision's ResNet/ResNeXt family, and their validation.
 * Source: torchvision/models/resnet.py (ResNet, Bottleneck) and Xie et al., CVPR 2017.
 */
import { ConfigError } from './errors';

export type { NetworkConfig, StageDepths } from '../shared/data';
import type { NetworkConfig, StageDepths } from '../shared/data';

/** Block expansion of torchvision's Bottleneck: out channels = planes * 4. */
export const EXPANSION = 4;

interface PresetShape {
  readonly layers: StageDepths;
  readonly groups: number;
  readonly widthPerGroup: number;
}

const PRESET_SHAPES = {
  resnet50: { layers: [3, 4, 6, 3], groups: 1, widthPerGroup: 64 },
  resnet101: { layers: [3, 4, 23, 3], groups: 1, widthPerGroup: 64 },
  resnet152: { layers: [3, 8, 36, 3], groups: 1, widthPerGroup: 64 },
  resnext50_32x4d: { layers: [3, 4, 6, 3], groups: 32, widthPerGroup: 4 },
  resnext101_32x4d: { layers: [3, 4, 23, 3], groups: 32, widthPerGroup: 4 },
  resnext101_32x8d: { layers: [3, 4, 23, 3], groups: 32, widthPerGroup: 8 },
  resnext101_64x4d: { layers: [3, 4, 23, 3], groups: 64, widthPerGroup: 4 },
  wide_resnet50_2: { layers: [3, 4, 6, 3], groups: 1, widthPerGroup: 128 },
  wide_resnet101_2: { layers: [3, 4, 23, 3], groups: 1, widthPerGroup: 128 },
} as const satisfies Record<string, PresetShape>;

export type PresetName = keyof typeof PRESET_SHAPES;
export const PRESET_NAMES = Object.keys(PRESET_SHAPES) as readonly PresetName[];
/** A custom configuration without a preset starts from this one (DESIGN §4). */
export const DEFAULT_PRESET: PresetName = 'resnext50_32x4d';

export function isPresetName(name: string): name is PresetName {
  return Object.prototype.hasOwnProperty.call(PRESET_SHAPES, name);
}

export function presetConfig(name: PresetName): NetworkConfig {
  const shape: PresetShape = PRESET_SHAPES[name];
  return {
    layers: [...shape.layers] as unknown as StageDepths,
    groups: shape.groups,
    widthPerGroup: shape.widthPerGroup,
    baseWidth: 64,
    numClasses: 1000,
    inputHeightPx: 224,
    inputWidthPx: 224,
  };
}

/** Accepted ranges: large enough for any real member of the family, small enough to never exhaust memory. */
export const LIMITS = {
  blocksPerStage: { min: 1, max: 100 },
  groups: { min: 1, max: 1024 },
  widthPerGroup: { min: 1, max: 1024 },
  baseWidth: { min: 1, max: 512 },
  numClasses: { min: 1, max: 100_000 },
  inputSizePx: { min: 1, max: 1024 },
  /** 2 GiB of float32 weights. ResNeXt-101 64x4d has 83M, wide_resnet101_2 127M. */
  params: 500_000_000,
} as const;

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The preset nearest to a mistyped name (edit distance on the lower-cased, separator-free spelling). */
export function closestPreset(name: string): PresetName {
  const norm = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, '');
  // A prefix ("resnext50") means the preset it starts; among several, the shortest.
  const prefixed = PRESET_NAMES.filter((p) => norm(name).length > 0 && norm(p).startsWith(norm(name)));
  if (prefixed.length > 0) return prefixed.reduce((a, b) => (b.length < a.length ? b : a));
  let best: PresetName = PRESET_NAMES[0]!;
  let bestDistance = Infinity;
  for (const candidate of PRESET_NAMES) {
    const distance = levenshtein(norm(name), norm(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

export function requirePreset(name: string): PresetName {
  if (isPresetName(name)) return name;
  throw new ConfigError(
    `unknown preset '${name}' (did you mean '${closestPreset(name)}'?); accepted presets: ${PRESET_NAMES.join(', ')}`,
  );
}

/** Output size of a convolution or pooling window: floor((size + 2*padding - kernel) / stride) + 1 (PyTorch Conv2d docs). */
export function convOutputSize(size: number, kernel: number, stride: number, padding: number): number {
  return Math.floor((size + 2 * padding - kernel) / stride) + 1;
}

export interface StagePlan {
  /** `layer1` … `layer4`. */
  readonly name: string;
  readonly blocks: number;
  /** planes = baseWidth * 2^stage; the block outputs planes * EXPANSION channels. */
  readonly planes: number;
  /** Channels of the grouped 3x3 convolution: int(planes * widthPerGroup / 64) * groups. */
  readonly width: number;
  readonly outChannels: number;
  /** Stride of the first block's 3x3 conv (and its downsample): 1 for layer1, 2 after. */
  readonly stride: number;
  readonly inChannels: number;
  readonly outHeightPx: number;
  readonly outWidthPx: number;
}

/** torchvision Bottleneck: width = int(planes * (base_width / 64.0)) * groups. */
export function bottleneckWidth(planes: number, widthPerGroup: number, groups: number): number {
  return Math.floor((planes * widthPerGroup) / 64) * groups;
}

/** Stem output (after conv1 7x7/2 pad 3 and maxpool 3x3/2 pad 1) and the four stages. */
export function stagePlans(config: NetworkConfig): { stemHeightPx: number; stemWidthPx: number; stages: StagePlan[] } {
  const afterConv1 = (s: number): number => convOutputSize(s, 7, 2, 3);
  const afterPool = (s: number): number => convOutputSize(afterConv1(s), 3, 2, 1);
  let h = afterPool(config.inputHeightPx);
  let w = afterPool(config.inputWidthPx);
  const stem = { stemHeightPx: h, stemWidthPx: w };
  let inChannels = config.baseWidth;
  const stages: StagePlan[] = [];
  for (let i = 0; i < 4; i++) {
    const planes = config.baseWidth * 2 ** i;
    const stride = i === 0 ? 1 : 2;
    h = convOutputSize(h, 3, stride, 1);
    w = convOutputSize(w, 3, stride, 1);
    const outChannels = planes * EXPANSION;
    stages.push({
      name: `layer${i + 1}`,
      blocks: config.layers[i]!,
      planes,
      width: bottleneckWidth(planes, config.widthPerGroup, config.groups),
      outChannels,
      stride,
      inChannels,
      outHeightPx: h,
      outWidthPx: w,
    });
    inChannels = outChannels;
  }
  return { ...stem, stages };
}

function requireInteger(label: string, value: number, range: { min: number; max: number }, hint: string): void {
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw new ConfigError(
      `${label} must be a whole number from ${range.min} to ${range.max}${hint}, got ${Number.isFinite(value) ? value : String(value)}`,
    );
  }
}

/**
 * Throws if the grouped 3x3 convolution of a stage cannot be built: a width of 0, or groups that do not divide it
 * (PyTorch Conv2d: "in_channels must be divisible by groups"). With torchvision's width formula only the first can
 * happen from flags; the second guards widths that come from elsewhere (a checkpoint's shapes).
 */
export function checkGroupedWidth(stage: string, width: number, groups: number, planes?: number, widthPerGroup?: number): void {
  if (width <= 0) {
    const formula = planes !== undefined && widthPerGroup !== undefined ? `int(${planes} * ${widthPerGroup} / 64) * ${groups} = 0` : `${width}`;
    throw new ConfigError(
      `the bottleneck width of ${stage} comes out 0 (${formula}); raise {widthPerGroup} or {baseWidth} so that planes * width_per_group >= 64`,
    );
  }
  if (width % groups !== 0) {
    throw new ConfigError(`groups (${groups}) must divide the bottleneck width of ${stage} (${width}); choose groups that divide ${width}`);
  }
}

/** Validates every field and the derived widths and feature-map sizes; the message says what is accepted. */
export function validateConfig(config: NetworkConfig): void {
  if (!Array.isArray(config.layers) || config.layers.length !== 4) {
    throw new ConfigError(
      `{layers} must be 4 positive whole numbers (blocks in layer1..layer4, e.g. 3,4,6,3), got ${JSON.stringify(config.layers)}`,
    );
  }
  config.layers.forEach((n, i) =>
    requireInteger(`{layers}[${i}] (blocks in layer${i + 1})`, n, LIMITS.blocksPerStage, ' (e.g. 3,4,6,3)'),
  );
  requireInteger('{groups}', config.groups, LIMITS.groups, '');
  requireInteger('{widthPerGroup}', config.widthPerGroup, LIMITS.widthPerGroup, '');
  requireInteger('{baseWidth}', config.baseWidth, LIMITS.baseWidth, ' (torchvision: 64)');
  requireInteger('{numClasses}', config.numClasses, LIMITS.numClasses, '');
  requireInteger('input height', config.inputHeightPx, LIMITS.inputSizePx, ' pixels');
  requireInteger('input width', config.inputWidthPx, LIMITS.inputSizePx, ' pixels');
  const plan = stagePlans(config);
  for (const stage of plan.stages) {
    checkGroupedWidth(stage.name, stage.width, config.groups, stage.planes, config.widthPerGroup);
    if (stage.outHeightPx < 1 || stage.outWidthPx < 1) {
      throw new ConfigError(
        `input ${config.inputHeightPx}x${config.inputWidthPx} is too small: the feature map of ${stage.name} would be ${stage.outHeightPx}x${stage.outWidthPx}; use at least 1x1 pixels`,
      );
    }
  }
}

export function sameConfig(a: NetworkConfig, b: NetworkConfig): boolean {
  return (
    a.layers.every((n, i) => n === b.layers[i]) &&
    a.groups === b.groups &&
    a.widthPerGroup === b.widthPerGroup &&
    a.baseWidth === b.baseWidth &&
    a.numClasses === b.numClasses &&
    a.inputHeightPx === b.inputHeightPx &&
    a.inputWidthPx === b.inputWidthPx
  );
}

/** A name for a custom configuration, e.g. `custom(layers=3,4,6,3 groups=8 width_per_group=14)`. */
export function describeConfig(config: NetworkConfig, preset?: string): string {
  const base = presetConfig(preset !== undefined && isPresetName(preset) ? preset : DEFAULT_PRESET);
  const parts: string[] = [];
  if (!config.layers.every((n, i) => n === base.layers[i])) parts.push(`layers=${config.layers.join(',')}`);
  if (config.groups !== base.groups) parts.push(`groups=${config.groups}`);
  if (config.widthPerGroup !== base.widthPerGroup) parts.push(`width_per_group=${config.widthPerGroup}`);
  if (config.baseWidth !== base.baseWidth) parts.push(`base_width=${config.baseWidth}`);
  if (config.numClasses !== base.numClasses) parts.push(`num_classes=${config.numClasses}`);
  if (config.inputHeightPx !== base.inputHeightPx || config.inputWidthPx !== base.inputWidthPx) {
    parts.push(`input=${config.inputHeightPx}x${config.inputWidthPx}`);
  }
  return parts.length === 0 ? (preset ?? DEFAULT_PRESET) : `${preset ?? DEFAULT_PRESET}(${parts.join(' ')})`;
}

/** The preset name if the configuration is exactly a preset, else a description relative to the nearest one. */
export function configName(config: NetworkConfig): string {
  const exact = PRESET_NAMES.find((n) => sameConfig(config, presetConfig(n)));
  if (exact) return exact;
  const sameShape = PRESET_NAMES.find((n) => {
    const p = presetConfig(n);
    return p.groups === config.groups && p.widthPerGroup === config.widthPerGroup && p.layers.every((d, i) => d === config.layers[i]);
  });
  return describeConfig(config, sameShape);
}
