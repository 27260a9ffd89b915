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
/** torchvision / timm BasicBlock.expansion: out channels = planes. */
export const BASIC_EXPANSION = 1;

export { DEFAULT_PRESET, PRESET_NAMES, closestPreset, isPresetName, presetConfig, requirePreset, type PresetName } from './catalog';

/** Accepted ranges: large enough for any real member of the family, small enough to never exhaust memory. */
export const LIMITS = {
  blocksPerStage: { min: 1, max: 100 },
  groups: { min: 1, max: 1024 },
  widthPerGroup: { min: 1, max: 1024 },
  baseWidth: { min: 1, max: 512 },
  stemWidth: { min: 1, max: 512 },
  numClasses: { min: 1, max: 100_000 },
  inputSizePx: { min: 1, max: 1024 },
  /** Weights a network may be built with on TF.js: 2 GiB of float32. wide_resnet101_2 has 127M, ResNeXt-101 32x16d WSL 194M. */
  params: 500_000_000,
  /** Configurations that may be described (summaries trace them by arithmetic, without weights): ResNeXt-101 32x48d
   * WSL has 829M; beyond 4G the counts stop being meaningful for this family. */
  describedParams: 4_000_000_000,
} as const;

export type BlockKind = 'basic' | 'bottleneck' | 'selective-kernel';
export type StemKind = 'standard' | 'deep' | 'tiered';
export type AttnKind = 'none' | 'se' | 'eca';

/** The variant switches with their defaults filled in. */
export interface Variant {
  /** attn === 'se' (kept: most code asks only this). */
  readonly se: boolean;
  readonly attn: AttnKind;
  readonly block: BlockKind;
  readonly stem: StemKind;
  /** timm stem_width of the deep / tiered stem (config.stemWidth, else floor(baseWidth / 2)); the standard stem's
   * 7x7 conv has baseWidth channels and this is baseWidth. */
  readonly stemWidth: number;
  readonly avgDown: boolean;
  readonly cifar: boolean;
}

export function variantOf(config: NetworkConfig): Variant {
  const stem = config.stem ?? 'standard';
  const attn: AttnKind = config.se === true ? 'se' : config.eca === true ? 'eca' : 'none';
  return {
    se: attn === 'se',
    attn,
    block: config.block ?? 'bottleneck',
    stem,
    stemWidth: stem === 'standard' ? config.baseWidth : (config.stemWidth ?? Math.floor(config.baseWidth / 2)),
    avgDown: config.avgDown === true,
    cifar: config.cifar === true,
  };
}

/** out channels = planes * expansion: 1 for BasicBlock, 4 for the bottlenecks. */
export function expansionOf(config: NetworkConfig): number {
  return config.block === 'basic' ? BASIC_EXPANSION : EXPANSION;
}

/** Channels out of the stem: the 7x7 (or CIFAR 3x3) conv's baseWidth; 2 · stem_width for timm's deep and tiered stems. */
export function stemChannels(config: NetworkConfig): number {
  const v = variantOf(config);
  return v.stem === 'standard' || v.cifar ? config.baseWidth : 2 * v.stemWidth;
}

/** timm ResNet's stem widths: deep (w, w, 2w); deep_tiered (3 · (w // 4), w, 2w). */
export function deepStemWidths(config: NetworkConfig): readonly [number, number, number] {
  const v = variantOf(config);
  const w = v.stemWidth;
  return [v.stem === 'tiered' ? 3 * Math.floor(w / 4) : w, w, 2 * w];
}

/** timm EcaModule's kernel: t = int(abs(log2(C) + 1) / 2), the next odd number, at least 3 (gamma 2, beta 1). Python's
 * math.log(C, 2) is log(C) / log(2), reproduced as such. */
export function ecaKernelSize(channels: number): number {
  const t = Math.trunc(Math.abs(Math.log(channels) / Math.log(2) + 1) / 2);
  return Math.max(t % 2 === 1 ? t : t + 1, 3);
}

/** timm SelectiveKernel attention channels for skresnext50_32x4d (rd_ratio 1/16, rd_divisor 32): make_divisible(C / 16, 32). */
export function selectiveKernelAttnChannels(channels: number): number {
  return makeDivisible(channels / 16, 32);
}

/**
 * Whose module names a configuration uses: the CIFAR port's (prlz77/ResNeXt.pytorch) for `cifar`; timm's for the
 * timm-only features (SE, ECA, deep and tiered stems, avg-down, selective kernels) and for BasicBlock networks;
 * torchvision's otherwise. timm's plain ResNeXt has torchvision's
 * state-dict keys, so this only changes the names of parameter-free rows (`relu` vs `act1`, Identity placeholders).
 */
export type Naming = 'torchvision' | 'timm' | 'cifar';

export function namingOf(config: NetworkConfig): Naming {
  const v = variantOf(config);
  if (v.cifar) return 'cifar';
  // BasicBlock networks take timm's names too: resnet18/34 have the same state-dict keys in both libraries, and the
  // rows are checked against timm's (issue 20).
  return v.attn !== 'none' || v.stem !== 'standard' || v.avgDown || v.block !== 'bottleneck' ? 'timm' : 'torchvision';
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

/** Output size of a convolution or pooling window: floor((size + 2*padding - dilation*(kernel - 1) - 1) / stride) + 1
 * (PyTorch Conv2d docs). */
export function convOutputSize(size: number, kernel: number, stride: number, padding: number, dilation = 1): number {
  return Math.floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1;
}

export interface StagePlan {
  /** `layer1` … `layer4`, or `stage_1` … `stage_3` (CIFAR port). */
  readonly name: string;
  readonly blocks: number;
  /** planes = baseWidth * 2^stage; the block outputs planes * expansion channels (4, or 1 for BasicBlock). */
  readonly planes: number;
  /** Channels of the grouped 3x3 convolution: int(planes * widthPerGroup / 64) * groups (BasicBlock: planes). */
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

/** Spatial size after the stem: 7x7/2 conv + 3x3/2 max pool; deep/tiered: 3x3/2 conv, two 3x3/1 convs + max pool; CIFAR: 3x3/1 conv. */
export function stemOutputSize(config: NetworkConfig, size: number): number {
  const v = variantOf(config);
  if (v.cifar) return convOutputSize(size, 3, 1, 1);
  const conv = v.stem !== 'standard' ? convOutputSize(size, 3, 2, 1) : convOutputSize(size, 7, 2, 3);
  return convOutputSize(conv, 3, 2, 1);
}

/** The stem's output size and the stages (four for ImageNet, three for CIFAR; stride 2 from the second on). */
export function stagePlans(config: NetworkConfig): { stemHeightPx: number; stemWidthPx: number; stages: StagePlan[] } {
  let h = stemOutputSize(config, config.inputHeightPx);
  let w = stemOutputSize(config, config.inputWidthPx);
  const stem = { stemHeightPx: h, stemWidthPx: w };
  const cifar = variantOf(config).cifar;
  const basic = config.block === 'basic';
  let inChannels = stemChannels(config);
  const stages: StagePlan[] = [];
  config.layers.forEach((blocks, i) => {
    const planes = config.baseWidth * 2 ** i;
    const stride = i === 0 ? 1 : 2;
    h = convOutputSize(h, 3, stride, 1);
    w = convOutputSize(w, 3, stride, 1);
    const outChannels = planes * expansionOf(config);
    stages.push({
      name: cifar ? `stage_${i + 1}` : `layer${i + 1}`,
      blocks,
      planes,
      width: basic ? planes : bottleneckWidth(planes, config.widthPerGroup, config.groups),
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
  if (config.stem !== undefined && config.stem !== 'standard' && config.stem !== 'deep' && config.stem !== 'tiered') {
    throw new ConfigError(`{stem} must be 'standard' (7x7 conv), 'deep' (three 3x3 convs, timm) or 'tiered' (timm deep_tiered), got '${String(config.stem)}'`);
  }
  if (config.block !== undefined && config.block !== 'basic' && config.block !== 'selective-kernel') {
    throw new ConfigError(`{block} must be 'basic', 'bottleneck' or 'selective-kernel', got '${String(config.block)}'`);
  }
  if (config.se === true && config.eca === true) {
    throw new ConfigError("{se} and {eca} are two kinds of timm's one attention slot (attn_layer 'se' or 'eca'); choose one");
  }
  if (v.cifar && v.stem !== 'standard')
    throw new ConfigError(`{stem} ${v.stem} does not apply to {cifar}: the CIFAR stem is one 3x3 conv at stride 1; drop one of the two`);
  if (v.cifar && v.avgDown) throw new ConfigError('{avgDown} does not apply to {cifar}: the CIFAR port shortcuts with a strided 1x1 conv; drop one of the two');
  if (v.cifar && v.block !== 'bottleneck') {
    throw new ConfigError(`{block} ${v.block} does not apply to {cifar}: the CIFAR port has only its ResNeXtBottleneck; drop one of the two`);
  }
  if (v.cifar && v.attn === 'eca')
    throw new ConfigError('{eca} does not apply to {cifar}: timm defines ECA for its ImageNet ResNets only; drop one of the two');
  requireInteger('{groups}', config.groups, LIMITS.groups, '');
  requireInteger('{widthPerGroup}', config.widthPerGroup, LIMITS.widthPerGroup, '');
  requireInteger('{baseWidth}', config.baseWidth, LIMITS.baseWidth, ' (torchvision: 64)');
  if (v.block === 'basic' && (config.groups !== 1 || config.widthPerGroup !== 64)) {
    throw new ConfigError(
      `the basic block (ResNet-18/34) has no grouped conv: torchvision's and timm's BasicBlock "only supports groups=1 and base_width=64", ` +
        `got {groups} ${config.groups} and {widthPerGroup} ${config.widthPerGroup}; use groups 1 and width per group 64, or the bottleneck block`,
    );
  }
  if (config.stemWidth !== undefined) {
    if (v.stem === 'standard') {
      throw new ConfigError(
        "{stemWidth} applies to the deep and tiered stems (timm's stem_width; its 7x7 stem has {baseWidth} channels); add a deep or tiered stem, or drop it",
      );
    }
    requireInteger('{stemWidth}', config.stemWidth, LIMITS.stemWidth, ' (timm: 32 for the D and T variants, 64 for S)');
  } else if (v.stem !== 'standard' && config.baseWidth % 2 !== 0) {
    throw new ConfigError(
      `the ${v.stem} stem's widths come from {baseWidth} / 2 when {stemWidth} is not given (timm stem_width); use an even {baseWidth}, got ${config.baseWidth}`,
    );
  }
  if (v.stem === 'tiered' && v.stemWidth < 4) {
    throw new ConfigError(`the tiered stem's first conv has 3 * (stem width // 4) channels, 0 at stem width ${v.stemWidth}; use a {stemWidth} of at least 4`);
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
    va.attn === vb.attn &&
    va.block === vb.block &&
    va.stem === vb.stem &&
    va.stemWidth === vb.stemWidth &&
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
  if (v.block !== vb.block) parts.push(`block=${v.block}`);
  if (v.attn !== vb.attn) parts.push(v.attn === 'none' ? `no_${vb.attn}` : v.attn);
  if (v.stem !== vb.stem) parts.push(`stem=${v.stem}`);
  const baseStemWidth = vb.stem !== 'standard' ? vb.stemWidth : Math.floor(config.baseWidth / 2);
  if (v.stem !== 'standard' && v.stemWidth !== baseStemWidth) parts.push(`stem_width=${v.stemWidth}`);
  if (v.avgDown !== vb.avgDown) parts.push(v.avgDown ? 'avg_down' : 'no_avg_down');
  if (config.numClasses !== base.numClasses) parts.push(`num_classes=${config.numClasses}`);
  if (config.inputHeightPx !== base.inputHeightPx || config.inputWidthPx !== base.inputWidthPx) {
    parts.push(`input=${config.inputHeightPx}x${config.inputWidthPx}`);
  }
  return parts.length === 0 ? (preset ?? DEFAULT_PRESET) : `${preset ?? DEFAULT_PRESET}(${parts.join(' ')})`;
}

/** The preset this configuration is exactly (architecture, classes and input), if any. */
export function exactPreset(config: NetworkConfig): PresetName | undefined {
  return PRESET_NAMES.find((n) => sameConfig(config, presetConfig(n)));
}

/** The preset name if the configuration is exactly a preset, else a description relative to the nearest one. */
export function configName(config: NetworkConfig): string {
  const exact = exactPreset(config);
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
      vp.block === v.block &&
      (!strict || (vp.attn === v.attn && vp.stem === v.stem && vp.stemWidth === v.stemWidth && vp.avgDown === v.avgDown))
    );
  };
  return describeConfig(config, PRESET_NAMES.find((n) => sameShape(n, true)) ?? PRESET_NAMES.find((n) => sameShape(n, false)));
}
