/**
 * The preset catalog: the one place that lists the presets, their family, the names other libraries give them
 * (torchvision, timm, torch.hub) and, where the weights come from timm or the CIFAR port, the preprocessing their
 * pretrained configuration asks for. Everything else (config.ts, the CLI, the quick pick, the Python scanner)
 * reads this table.
 *
 * Sources: torchvision/models/resnet.py (ResNet, ResNeXt, Wide ResNet); timm/models/resnet.py at
 * huggingface/pytorch-image-models aa4b585 (`seresnext50_32x4d`, `seresnext101_32x4d`, `seresnext101_32x8d`,
 * `resnext50d_32x4d`, `resnext101_32x{16,32,48}d` and their `default_cfgs`); torch.hub facebookresearch/WSL-Images
 * (`resnext101_32x{16,32,48}d_wsl` = torchvision's ResNet with groups 32 and width per group 16/32/48); the CIFAR
 * ResNeXt-29 of Xie et al. 2017 §5.2 / Table 7 as ported to PyTorch by prlz77/ResNeXt.pytorch (models/model.py).
 *
 * config.ts re-exports the preset functions from here and catalog.ts uses the architecture for `staticTotals`: the
 * cycle is harmless because no module in it reads another's exports while loading (only inside functions).
 */
import { ConfigError } from './errors';
import { sameArchitecture, type NetworkConfig } from './config';
import { accountingTotals, type Totals } from './accounting';
import { architecture } from './architecture';
import { staticTrace } from './shapes';

export type Family =
  'ResNet' | 'ResNet-D' | 'SE-ResNet' | 'ResNeXt' | 'Wide ResNet' | 'SE-ResNeXt' | 'ECA-ResNeXt' | 'SK-ResNeXt' | 'ResNeXt-D' | 'ResNeXt WSL' | 'CIFAR ResNeXt';
/** Families in the order the quick pick and `resnext presets` show them. */
export const FAMILIES: readonly Family[] = [
  'ResNet',
  'ResNeXt',
  'ResNet-D',
  'SE-ResNet',
  'Wide ResNet',
  'SE-ResNeXt',
  'ECA-ResNeXt',
  'SK-ResNeXt',
  'ResNeXt-D',
  'ResNeXt WSL',
  'CIFAR ResNeXt',
];
/** What each family is, in a line (`resnext presets`, the quick pick's separators). */
export const FAMILY_DESCRIPTIONS: Readonly<Record<Family, string>> = {
  ResNet: 'He et al. 2016: BasicBlock (18, 34) and Bottleneck (50+) networks, torchvision',
  'ResNet-D': "timm's Bag-of-Tricks stems: D (deep stem + avg-down), T (tiered deep stem), S (64-wide deep stem)",
  'SE-ResNet': 'ResNet with squeeze-and-excitation in every block (timm)',
  ResNeXt: 'Xie et al. 2017: grouped 3x3 convolutions (cardinality x width), torchvision',
  'Wide ResNet': 'Bottleneck ResNets with twice the inner width, torchvision',
  'SE-ResNeXt': 'ResNeXt with squeeze-and-excitation (timm), also on D and T stems',
  'ECA-ResNeXt': 'ResNeXt with efficient channel attention (a Conv1d across channels) on the tiered stem (timm)',
  'SK-ResNeXt': 'ResNeXt whose grouped 3x3 is a selective kernel: two dilations mixed by attention (timm)',
  'ResNeXt-D': 'ResNeXt on the D stem (timm)',
  'ResNeXt WSL': "Facebook's weakly supervised Instagram ResNeXt-101s (torch.hub)",
  'CIFAR ResNeXt': 'ResNeXt-29 for 32x32 CIFAR images (prlz77/ResNeXt.pytorch)',
};

export type Interpolation = 'bilinear' | 'bicubic';

/**
 * Evaluation preprocessing of a pretrained configuration: resize the shorter side to `resizePx` with
 * `interpolation` (Pillow's filter, antialiased when downscaling), center-crop `cropPx`, scale to [0, 1], normalize.
 * timm: resizePx = floor(input_size / crop_pct) (timm/data/transforms_factory.py `transforms_imagenet_eval`).
 */
export interface Preprocessing {
  readonly interpolation: Interpolation;
  readonly resizePx: number;
  readonly cropPx: number;
  /** timm's `crop_pct` (cropPx / resizePx before flooring); absent for torchvision and CIFAR recipes. */
  readonly cropPct?: number;
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
  /** Where the values come from (library, file, pretrained tag). */
  readonly source: string;
}

const IMAGENET_DEFAULT_MEAN = [0.485, 0.456, 0.406] as const;
const IMAGENET_DEFAULT_STD = [0.229, 0.224, 0.225] as const;

/** timm `transforms_imagenet_eval`: scale_size = floor(img_size / crop_pct). */
const timmEval = (interpolation: Interpolation, cropPct: number, tag: string, maker: string): Preprocessing => ({
  interpolation,
  resizePx: Math.floor(224 / cropPct),
  cropPx: 224,
  cropPct,
  mean: IMAGENET_DEFAULT_MEAN,
  std: IMAGENET_DEFAULT_STD,
  source: `timm default_cfgs['${tag}'] (${maker}: input 224, crop_pct ${cropPct}, ${interpolation}, IMAGENET_DEFAULT_MEAN/STD)`,
});

/** prlz77/ResNeXt.pytorch train.py: test transform = ToTensor + Normalize(mean/255, std/255); no resize (32x32 input). */
const CIFAR_PREPROCESSING: Preprocessing = {
  interpolation: 'bilinear',
  resizePx: 32,
  cropPx: 32,
  mean: [125.3 / 255, 123.0 / 255, 113.9 / 255],
  std: [63.0 / 255, 62.1 / 255, 66.7 / 255],
  source: 'prlz77/ResNeXt.pytorch train.py (CIFAR mean [125.3, 123.0, 113.9]/255, std [63.0, 62.1, 66.7]/255; 32x32 images, no resize)',
};

export interface PresetSpec {
  readonly family: Family;
  /** Blocks per stage: four stages (ImageNet layout) or three (CIFAR). */
  readonly layers: readonly number[];
  readonly groups: number;
  readonly widthPerGroup: number;
  readonly block?: 'basic' | 'selective-kernel';
  readonly se?: boolean;
  readonly eca?: boolean;
  readonly stem?: 'standard' | 'deep' | 'tiered';
  /** timm stem_width of the deep / tiered stem (absent: 32, i.e. baseWidth / 2). */
  readonly stemWidth?: number;
  readonly avgDown?: boolean;
  readonly cifar?: boolean;
  readonly numClasses?: number;
  readonly inputPx?: number;
  /** The same network's name elsewhere: `torchvision.models.<name>`, `timm.create_model('<name>')`, torch.hub. */
  readonly aliases: { readonly torchvision?: string; readonly timm?: readonly string[]; readonly hub?: string; readonly port?: string };
  /** Preprocessing of the pretrained weights these presets are used with, when it is not torchvision's (official.ts). */
  readonly preprocessing?: Preprocessing;
}

/** torch.hub facebookresearch/WSL-Images `resnext101_32x{width}d_wsl`, timm's `resnext101_32x{width}d.fb_wsl_ig1b_ft_in1k`. */
function wsl(widthPerGroup: 16 | 32 | 48): PresetSpec {
  const timmTag = `resnext101_32x${widthPerGroup}d.fb_wsl_ig1b_ft_in1k`;
  return {
    family: 'ResNeXt WSL',
    layers: [3, 4, 23, 3],
    groups: 32,
    widthPerGroup,
    aliases: { hub: `facebookresearch/WSL-Images:resnext101_32x${widthPerGroup}d_wsl`, timm: [timmTag, `ig_resnext101_32x${widthPerGroup}d`] },
    preprocessing: timmEval('bilinear', 0.875, timmTag, '_cfg'),
  };
}

/** A timm network (timm/models/resnet.py, sknet.py at timm 1.0.29) with its default pretrained configuration. */
function timmNet(
  family: Family,
  layers: readonly number[],
  groups: number,
  widthPerGroup: number,
  extra: Partial<PresetSpec>,
  names: readonly string[],
  tag: string,
  cropPct = 0.875,
): PresetSpec {
  return {
    family,
    layers,
    groups,
    widthPerGroup,
    ...extra,
    aliases: { timm: [...names, tag] },
    preprocessing: timmEval('bicubic', cropPct, tag, '_cfg'),
  };
}

/** The CIFAR ResNeXt-29 with `groups` paths of width 64 (prlz77/ResNeXt.pytorch, widen_factor 4, 10 classes). */
function cifarResNeXt29(groups: 8 | 16): PresetSpec {
  return {
    family: 'CIFAR ResNeXt',
    layers: [3, 3, 3],
    groups,
    widthPerGroup: 64,
    cifar: true,
    numClasses: 10,
    inputPx: 32,
    aliases: { port: `prlz77/ResNeXt.pytorch CifarResNeXt(cardinality=${groups}, depth=29, nlabels=10, base_width=64, widen_factor=4)` },
    preprocessing: CIFAR_PREPROCESSING,
  };
}

// One preset a line where it fits: a table, not code.
// prettier-ignore
const PRESETS = {
  resnet18: { family: 'ResNet', layers: [2, 2, 2, 2], groups: 1, widthPerGroup: 64, block: 'basic', aliases: { torchvision: 'resnet18', timm: ['resnet18'] } },
  resnet34: { family: 'ResNet', layers: [3, 4, 6, 3], groups: 1, widthPerGroup: 64, block: 'basic', aliases: { torchvision: 'resnet34', timm: ['resnet34'] } },
  resnet50: { family: 'ResNet', layers: [3, 4, 6, 3], groups: 1, widthPerGroup: 64, aliases: { torchvision: 'resnet50', timm: ['resnet50'] } },
  resnet101: { family: 'ResNet', layers: [3, 4, 23, 3], groups: 1, widthPerGroup: 64, aliases: { torchvision: 'resnet101', timm: ['resnet101'] } },
  resnet152: { family: 'ResNet', layers: [3, 8, 36, 3], groups: 1, widthPerGroup: 64, aliases: { torchvision: 'resnet152', timm: ['resnet152'] } },
  resnext50_32x4d: { family: 'ResNeXt', layers: [3, 4, 6, 3], groups: 32, widthPerGroup: 4, aliases: { torchvision: 'resnext50_32x4d', timm: ['resnext50_32x4d'] } },
  resnext101_32x4d: { family: 'ResNeXt', layers: [3, 4, 23, 3], groups: 32, widthPerGroup: 4, aliases: { timm: ['resnext101_32x4d'] } },
  resnext101_32x8d: { family: 'ResNeXt', layers: [3, 4, 23, 3], groups: 32, widthPerGroup: 8, aliases: { torchvision: 'resnext101_32x8d', timm: ['resnext101_32x8d'] } },
  resnext101_64x4d: { family: 'ResNeXt', layers: [3, 4, 23, 3], groups: 64, widthPerGroup: 4, aliases: { torchvision: 'resnext101_64x4d', timm: ['resnext101_64x4d'] } },
  resnet18d: timmNet('ResNet-D', [2, 2, 2, 2], 1, 64, { block: 'basic', stem: 'deep', stemWidth: 32, avgDown: true }, ['resnet18d'], 'resnet18d.ra2_in1k'),
  resnet34d: timmNet('ResNet-D', [3, 4, 6, 3], 1, 64, { block: 'basic', stem: 'deep', stemWidth: 32, avgDown: true }, ['resnet34d'], 'resnet34d.ra2_in1k'),
  resnet26t: timmNet('ResNet-D', [2, 2, 2, 2], 1, 64, { stem: 'tiered', stemWidth: 32, avgDown: true }, ['resnet26t'], 'resnet26t.ra2_in1k', 0.94),
  resnet50d: timmNet('ResNet-D', [3, 4, 6, 3], 1, 64, { stem: 'deep', stemWidth: 32, avgDown: true }, ['resnet50d'], 'resnet50d.ra2_in1k'),
  gluon_resnet50_v1s: timmNet('ResNet-D', [3, 4, 6, 3], 1, 64, { stem: 'deep', stemWidth: 64 }, ['resnet50s'], 'resnet50s.gluon_in1k'),
  seresnet50: timmNet('SE-ResNet', [3, 4, 6, 3], 1, 64, { se: true }, ['seresnet50'], 'seresnet50.a1_in1k', 0.95),
  wide_resnet50_2: { family: 'Wide ResNet', layers: [3, 4, 6, 3], groups: 1, widthPerGroup: 128, aliases: { torchvision: 'wide_resnet50_2', timm: ['wide_resnet50_2'] } },
  wide_resnet101_2: { family: 'Wide ResNet', layers: [3, 4, 23, 3], groups: 1, widthPerGroup: 128, aliases: { torchvision: 'wide_resnet101_2', timm: ['wide_resnet101_2'] } },
  seresnext50_32x4d: {
    family: 'SE-ResNeXt',
    layers: [3, 4, 6, 3],
    groups: 32,
    widthPerGroup: 4,
    se: true,
    aliases: { timm: ['seresnext50_32x4d', 'seresnext50_32x4d.racm_in1k', 'seresnext50_32x4d.gluon_in1k', 'gluon_seresnext50_32x4d'] },
    preprocessing: timmEval('bicubic', 0.875, 'seresnext50_32x4d.racm_in1k', '_ttcfg'),
  },
  seresnext101_32x4d: {
    family: 'SE-ResNeXt',
    layers: [3, 4, 23, 3],
    groups: 32,
    widthPerGroup: 4,
    se: true,
    aliases: { timm: ['seresnext101_32x4d', 'seresnext101_32x4d.gluon_in1k', 'gluon_seresnext101_32x4d'] },
    preprocessing: timmEval('bicubic', 0.875, 'seresnext101_32x4d.gluon_in1k', '_gcfg'),
  },
  seresnext101_32x8d: {
    family: 'SE-ResNeXt',
    layers: [3, 4, 23, 3],
    groups: 32,
    widthPerGroup: 8,
    se: true,
    aliases: { timm: ['seresnext101_32x8d', 'seresnext101_32x8d.ah_in1k'] },
    preprocessing: timmEval('bicubic', 0.95, 'seresnext101_32x8d.ah_in1k', '_rcfg'),
  },
  seresnext26d_32x4d: timmNet('SE-ResNeXt', [2, 2, 2, 2], 32, 4, { se: true, stem: 'deep', stemWidth: 32, avgDown: true }, ['seresnext26d_32x4d'], 'seresnext26d_32x4d.bt_in1k'),
  seresnext26t_32x4d: timmNet('SE-ResNeXt', [2, 2, 2, 2], 32, 4, { se: true, stem: 'tiered', stemWidth: 32, avgDown: true }, ['seresnext26t_32x4d'], 'seresnext26t_32x4d.bt_in1k'),
  // timm has no pretrained weights for the two ECA-ResNeXts (tag 'untrained'); ecaresnext50t_32x4d is layers (2, 2, 2, 2)
  // in timm, the same network as ecaresnext26t_32x4d (timm/models/resnet.py), and is kept so here.
  ecaresnext26t_32x4d: timmNet('ECA-ResNeXt', [2, 2, 2, 2], 32, 4, { eca: true, stem: 'tiered', stemWidth: 32, avgDown: true }, ['ecaresnext26t_32x4d'], 'ecaresnext26t_32x4d.untrained'),
  ecaresnext50t_32x4d: timmNet('ECA-ResNeXt', [2, 2, 2, 2], 32, 4, { eca: true, stem: 'tiered', stemWidth: 32, avgDown: true }, ['ecaresnext50t_32x4d'], 'ecaresnext50t_32x4d.untrained'),
  skresnext50_32x4d: timmNet('SK-ResNeXt', [3, 4, 6, 3], 32, 4, { block: 'selective-kernel' }, ['skresnext50_32x4d'], 'skresnext50_32x4d.ra_in1k'),
  resnext50d_32x4d: {
    family: 'ResNeXt-D',
    layers: [3, 4, 6, 3],
    groups: 32,
    widthPerGroup: 4,
    stem: 'deep',
    avgDown: true,
    aliases: { timm: ['resnext50d_32x4d', 'resnext50d_32x4d.bt_in1k'] },
    preprocessing: timmEval('bicubic', 0.875, 'resnext50d_32x4d.bt_in1k', '_ttcfg'),
  },
  resnext101_32x16d_wsl: wsl(16),
  resnext101_32x32d_wsl: wsl(32),
  resnext101_32x48d_wsl: wsl(48),
  resnext29_8x64d: cifarResNeXt29(8),
  resnext29_16x64d: cifarResNeXt29(16),
} as const satisfies Record<string, PresetSpec>;

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as readonly PresetName[];
/** A custom configuration without a preset starts from this one (DESIGN §4). */
export const DEFAULT_PRESET: PresetName = 'resnext50_32x4d';

export function isPresetName(name: string): name is PresetName {
  return Object.prototype.hasOwnProperty.call(PRESETS, name);
}

export function presetSpec(name: PresetName): PresetSpec {
  return PRESETS[name];
}

export function presetFamily(name: PresetName): Family {
  return PRESETS[name].family;
}

export function presetConfig(name: PresetName): NetworkConfig {
  const p: PresetSpec = PRESETS[name];
  return {
    layers: [...p.layers],
    groups: p.groups,
    widthPerGroup: p.widthPerGroup,
    baseWidth: 64,
    numClasses: p.numClasses ?? 1000,
    inputHeightPx: p.inputPx ?? 224,
    inputWidthPx: p.inputPx ?? 224,
    ...(p.block ? { block: p.block } : {}),
    ...(p.se ? { se: true } : {}),
    ...(p.eca ? { eca: true } : {}),
    ...(p.stem === 'deep' || p.stem === 'tiered' ? { stem: p.stem } : {}),
    // stem_width only when it is not the default (base width / 2), as inference and the CLI leave it.
    ...(p.stemWidth !== undefined && p.stemWidth !== 32 ? { stemWidth: p.stemWidth } : {}),
    ...(p.avgDown ? { avgDown: true } : {}),
    ...(p.cifar ? { cifar: true } : {}),
  };
}

/** The preset a torchvision / timm / torch.hub name stands for (`seresnext50_32x4d.racm_in1k`, `ig_resnext101_32x16d` …). */
export function presetForAlias(name: string): PresetName | undefined {
  if (isPresetName(name)) return name;
  return PRESET_NAMES.find((p) => {
    const a: PresetSpec['aliases'] = PRESETS[p].aliases;
    return a.torchvision === name || a.timm?.includes(name) === true || a.hub === name || a.hub?.endsWith(`:${name}`) === true;
  });
}

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

/** A preset by its name or one of its aliases, or a ConfigError that suggests the closest and lists them all. */
export function requirePreset(name: string): PresetName {
  const preset = presetForAlias(name);
  if (preset) return preset;
  throw new ConfigError(`unknown preset '${name}' (did you mean '${closestPreset(name)}'?); accepted presets: ${PRESET_NAMES.join(', ')}`);
}

/** Params and MACs of a configuration without TensorFlow.js (shapes from the convolution arithmetic, counted by the
 * same accounting as a traced summary). For listings such as `resnext presets` and the preset quick pick. */
export function staticTotals(config: NetworkConfig): Totals {
  const arch = architecture(config);
  return accountingTotals(arch, staticTrace(arch), [1, 3, config.inputHeightPx, config.inputWidthPx]);
}

export interface PresetEntry {
  readonly name: PresetName;
  readonly family: Family;
  readonly config: NetworkConfig;
  readonly totals: Totals;
  readonly aliases: PresetSpec['aliases'];
  readonly preprocessing?: Preprocessing;
}

/** Every preset in catalog order (grouped by family) with its static totals. */
export function presetCatalog(): PresetEntry[] {
  return PRESET_NAMES.map((name) => {
    const spec: PresetSpec = PRESETS[name];
    const config = presetConfig(name);
    return {
      name,
      family: spec.family,
      config,
      totals: staticTotals(config),
      aliases: spec.aliases,
      ...(spec.preprocessing ? { preprocessing: spec.preprocessing } : {}),
    };
  });
}

/** torchvision's `ImageClassification` with the weights' resize (256 for IMAGENET1K_V1, 232 for V2). */
export function torchvisionPreprocessing(resizePx: number): Preprocessing {
  return {
    interpolation: 'bilinear',
    resizePx,
    cropPx: 224,
    mean: IMAGENET_DEFAULT_MEAN,
    std: IMAGENET_DEFAULT_STD,
    source: 'torchvision transforms._presets.ImageClassification',
  };
}

/**
 * The evaluation preprocessing for a network: its preset's pretrained configuration when the architecture is one
 * whose weights come from timm or WSL (catalog table above); the CIFAR port's for any CIFAR-layout network; else
 * torchvision's with `resizePx`.
 */
export function preprocessingFor(config: NetworkConfig, torchvisionResizePx = 256): Preprocessing {
  if (config.cifar === true) return CIFAR_PREPROCESSING;
  const preset = PRESET_NAMES.find((n) => 'preprocessing' in PRESETS[n] && sameArchitecture(config, presetConfig(n)));
  const spec: PresetSpec | undefined = preset === undefined ? undefined : PRESETS[preset];
  return spec?.preprocessing ?? torchvisionPreprocessing(torchvisionResizePx);
}
