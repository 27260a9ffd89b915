/**
 * Presets and custom configurations of torchvision's ResNet/ResNeXt family, and their validation.
 * Source: torchvision/models/resnet.py (ResNet, Bottleneck) and Xie et al., CVPR 2017.
 */
import { ConfigError } from './errors';
import { DEFAULT_PRESET, isPresetName, PRESET_NAMES, presetConfig, type PresetName } from './catalog';

export type { NetworkConfig, StageDepths } from '../shared/data';
import type { NetworkConfig } from '../shared/data';

/** Block expansion of torchvision's Bottleneck: out channels = planes * 4. */
export const EXPANSION = 4;

export { DEFAULT_PRESET, PRESET_NAMES, closestPreset, isPresetName, presetConfig, requirePreset, type PresetName } from './catalog';

/** Accepted ranges: large enough for any real member of the family, small enough to never exhaust memory. */
export const LIMITS = {
  blocksPerStage: { min: 1, max: 100 },
  groups: { min: 1, max: 1024 },
  widthPerGroup: { min: 1, max: 1024 },
  baseWidth: { min: 1, max: 512 },
  numClasses: { min: 1, max: 100_000 },
  inputSizePx: { min: 1, max: 1024 },
  /** Weights a network may be built with on TF.js: 2 GiB of float32. wide_resnet101_2 has 127M, ResNeXt-101 32x16d WSL 194M. */
  params: 500_000_000,
  /** Configurations that may be described (summaries trace them by arithmetic, without weights): ResNeXt-101 32x48d
   * WSL has 829M; beyond 4G the counts stop being meaningful for this family. */
  describedParams: 4_000_000_000,
} as const;

/** The variant switches with their defaults filled in. */
export interface Variant {
  readonly se: boolean;
  readonly stem: 'standard' | 'deep';
  readonly avgDown: boolean;
  readonly cifar: boolean;
}

export function variantOf(config: NetworkConfig): Variant {
  return { se: config.se === true, stem: config.stem ?? 'standard', avgDown: config.avgDown === true, cifar: config.cifar === true };
}

/**
 * Whose module names a configuration uses: the CIFAR port's (prlz77/ResNeXt.pytorch) for `cifar`; timm's for the
 * timm-only features (SE, deep stem, avg-down); torchvision's otherwise. timm's plain ResNeXt has torchvision's
 * state-dict keys, so this only changes the names of parameter-free rows (`relu` vs `act1`, Identity placeholders).
 */
export type Naming = 'torchvision' | 'timm' | 'cifar';

export function namingOf(config: NetworkConfig): Naming {
  const v = variantOf(config);
  if (v.cifar) return 'cifar';
  return v.se || v.stem === 'deep' || v.avgDown ? 'timm' : 'torchvision';
}

/** timm helpers.make_divisible(v, divisor, min_value=None, round_limit): max(divisor, int(v + divisor/2) // divisor * divisor),
 * plus one divisor if that falls below round_limit * v. */
export function makeDivisible(v: number, divisor = 8, roundLimit = 0.9): number {
  let next = Math.max(divisor, Math.floor(Math.trunc(v + divisor / 2) / divisor) * divisor);
  if (next < roundLimit * v) next += divisor;
  return next;
}

/** SE reduction channels in timm's SEModule: make_divisible(channels / 16, 8, round_limit=0). */
export function seReducedChannels(channels: number): number {
  return makeDivisible(channels / 16, 8, 0);
}

/** Output size of a convolution or pooling window: floor((size + 2*padding - kernel) / stride) + 1 (PyTorch Conv2d docs). */
export function convOutputSize(size: number, kernel: number, stride: number, padding: number): number {
  return Math.floor((size + 2 * padding - kernel) / stride) + 1;
}

export interface StagePlan {
  /** `layer1` … `layer4`, or `stage_1` … `stage_3` (CIFAR port). */
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

/** Spatial size after the stem: 7x7/2 conv + 3x3/2 max pool; deep: 3x3/2 conv, two 3x3/1 convs + max pool; CIFAR: 3x3/1 conv. */
export function stemOutputSize(config: NetworkConfig, size: number): number {
  const v = variantOf(config);
  if (v.cifar) return convOutputSize(size, 3, 1, 1);
  const conv = v.stem === 'deep' ? convOutputSize(size, 3, 2, 1) : convOutputSize(size, 7, 2, 3);
  return convOutputSize(conv, 3, 2, 1);
}

/** The stem's output size and the stages (four for ImageNet, three for CIFAR; stride 2 from the second on). */
export function stagePlans(config: NetworkConfig): { stemHeightPx: number; stemWidthPx: number; stages: StagePlan[] } {
  let h = stemOutputSize(config, config.inputHeightPx);
  let w = stemOutputSize(config, config.inputWidthPx);
  const stem = { stemHeightPx: h, stemWidthPx: w };
  const cifar = variantOf(config).cifar;
  let inChannels = config.baseWidth;
  const stages: StagePlan[] = [];
  config.layers.forEach((blocks, i) => {
    const planes = config.baseWidth * 2 ** i;
    const stride = i === 0 ? 1 : 2;
    h = convOutputSize(h, 3, stride, 1);
    w = convOutputSize(w, 3, stride, 1);
    const outChannels = planes * EXPANSION;
    stages.push({
      name: cifar ? `stage_${i + 1}` : `layer${i + 1}`,
      blocks,
      planes,
      width: bottleneckWidth(planes, config.widthPerGroup, config.groups),
      outChannels,
      stride,
      inChannels,
      outHeightPx: h,
      outWidthPx: w,
    });
    inChannels = outChannels;
  });
  return { ...stem, stages };
}

function requireInteger(label: string, value: number, range: { min: number; max: number }, hint: string): void {
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw new ConfigError(`${label} must be a whole number from ${range.min} to ${range.max}${hint}, got ${Number.isFinite(value) ? value : String(value)}`);
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
  const v = variantOf(config);
  const stageCount = v.cifar ? 3 : 4;
  const example = v.cifar ? '3,3,3' : '3,4,6,3';
  const stageNames = v.cifar ? 'stage_1..stage_3 (CIFAR layout)' : 'layer1..layer4';
  if (!Array.isArray(config.layers) || config.layers.length !== stageCount) {
    throw new ConfigError(
      `{layers} must be ${stageCount} positive whole numbers (blocks in ${stageNames}, e.g. ${example}), got ${JSON.stringify(config.layers)}`,
    );
  }
  config.layers.forEach((n, i) =>
    requireInteger(`{layers}[${i}] (blocks in ${v.cifar ? `stage_${i + 1}` : `layer${i + 1}`})`, n, LIMITS.blocksPerStage, ` (e.g. ${example})`),
  );
  if (config.stem !== undefined && config.stem !== 'standard' && config.stem !== 'deep') {
    throw new ConfigError(`{stem} must be 'standard' (7x7 conv) or 'deep' (three 3x3 convs, timm), got '${String(config.stem)}'`);
  }
  if (v.cifar && v.stem === 'deep')
    throw new ConfigError('{stem} deep does not apply to {cifar}: the CIFAR stem is one 3x3 conv at stride 1; drop one of the two');
  if (v.cifar && v.avgDown) throw new ConfigError('{avgDown} does not apply to {cifar}: the CIFAR port shortcuts with a strided 1x1 conv; drop one of the two');
  requireInteger('{groups}', config.groups, LIMITS.groups, '');
  requireInteger('{widthPerGroup}', config.widthPerGroup, LIMITS.widthPerGroup, '');
  requireInteger('{baseWidth}', config.baseWidth, LIMITS.baseWidth, ' (torchvision: 64)');
  if (v.stem === 'deep' && config.baseWidth % 2 !== 0) {
    throw new ConfigError(`the deep stem's first two convs have {baseWidth} / 2 channels (timm stem_width); use an even {baseWidth}, got ${config.baseWidth}`);
  }
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
  const last = plan.stages.at(-1)!;
  if (v.cifar && (last.outHeightPx !== 8 || last.outWidthPx !== 8)) {
    throw new ConfigError(
      `the CIFAR head pools 8x8 (F.avg_pool2d(x, 8, 1)) and flattens, so ${last.name} must end at 8x8; {input} ${config.inputHeightPx}x${config.inputWidthPx} gives ` +
        `${last.outHeightPx}x${last.outWidthPx}: use an input of 29 to 32 pixels a side (CIFAR: 32x32)`,
    );
  }
}

/** The same network up to the classifier's width and the input size (what a checkpoint's keys can tell). */
export function sameArchitecture(a: NetworkConfig, b: NetworkConfig): boolean {
  const va = variantOf(a);
  const vb = variantOf(b);
  return (
    a.layers.length === b.layers.length &&
    a.layers.every((n, i) => n === b.layers[i]) &&
    a.groups === b.groups &&
    a.widthPerGroup === b.widthPerGroup &&
    a.baseWidth === b.baseWidth &&
    va.se === vb.se &&
    va.stem === vb.stem &&
    va.avgDown === vb.avgDown &&
    va.cifar === vb.cifar
  );
}

export function sameConfig(a: NetworkConfig, b: NetworkConfig): boolean {
  return sameArchitecture(a, b) && a.numClasses === b.numClasses && a.inputHeightPx === b.inputHeightPx && a.inputWidthPx === b.inputWidthPx;
}

/** A name for a custom configuration, e.g. `custom(layers=3,4,6,3 groups=8 width_per_group=14)`. */
export function describeConfig(config: NetworkConfig, preset?: string): string {
  const base = presetConfig(preset !== undefined && isPresetName(preset) ? preset : DEFAULT_PRESET);
  const parts: string[] = [];
  const v = variantOf(config);
  const vb = variantOf(base);
  if (v.cifar !== vb.cifar) parts.push(v.cifar ? 'cifar' : 'imagenet');
  if (config.layers.length !== base.layers.length || !config.layers.every((n, i) => n === base.layers[i])) parts.push(`layers=${config.layers.join(',')}`);
  if (config.groups !== base.groups) parts.push(`groups=${config.groups}`);
  if (config.widthPerGroup !== base.widthPerGroup) parts.push(`width_per_group=${config.widthPerGroup}`);
  if (config.baseWidth !== base.baseWidth) parts.push(`base_width=${config.baseWidth}`);
  if (v.se !== vb.se) parts.push(v.se ? 'se' : 'no_se');
  if (v.stem !== vb.stem) parts.push(`stem=${v.stem}`);
  if (v.avgDown !== vb.avgDown) parts.push(v.avgDown ? 'avg_down' : 'no_avg_down');
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
  const v = variantOf(config);
  const sameShape = (n: PresetName, strict: boolean): boolean => {
    const p = presetConfig(n);
    const vp = variantOf(p);
    return (
      p.groups === config.groups &&
      p.widthPerGroup === config.widthPerGroup &&
      p.layers.length === config.layers.length &&
      p.layers.every((d, i) => d === config.layers[i]) &&
      vp.cifar === v.cifar &&
      (!strict || (vp.se === v.se && vp.stem === v.stem && vp.avgDown === v.avgDown))
    );
  };
  return describeConfig(config, PRESET_NAMES.find((n) => sameShape(n, true)) ?? PRESET_NAMES.find((n) => sameShape(n, false)));
}
