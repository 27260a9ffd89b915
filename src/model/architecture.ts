/**
 * The modules of a configuration in registration order, with their state-dict names and PyTorch shapes. The
 * network (weights + forward), the shape trace, the accounting and the state-dict matching all read this one
 * description. Three naming schemes (config.ts `namingOf`):
 * - torchvision (torchvision/models/resnet.py): conv1, bn1, relu, maxpool, layerN.i.{conv1,bn1,conv2,bn2,conv3,bn3,
 *   relu (called three times), downsample.0/1}, avgpool, fc.
 * - timm (timm/models/resnet.py): the stem conv1 is a Sequential conv1.0..conv1.6 for the deep stem; bn1, act1,
 *   maxpool; blocks layerN.i.{conv1,bn1,act1,conv2,bn2,drop_block,act2,aa,conv3,bn3,se.{fc1,bn,act,fc2,gate},act3,
 *   downsample.0/1 or with avg-down downsample.0 (pool),1 (conv),2 (BN)}; global_pool.{pool,flatten}, fc.
 *   drop_block, aa and se.bn are nn.Identity in these networks: parameter-free rows, listed because hooks list them.
 * - cifar (prlz77/ResNeXt.pytorch models/model.py): conv_1_3x3, bn_1, stage_S.stage_S_bottleneck_i.{conv_reduce,
 *   bn_reduce, conv_conv, bn, conv_expand, bn_expand, shortcut.shortcut_conv, shortcut.shortcut_bn}, classifier. Its
 *   ReLUs and the 8x8 average pool are functional (F.relu, F.avg_pool2d): no module, no row.
 */
import { ConfigError } from './errors';
import {
  DEFAULT_PRESET,
  describeConfig,
  LIMITS,
  namingOf,
  presetConfig,
  requirePreset,
  seReducedChannels,
  stagePlans,
  validateConfig,
  variantOf,
  type Naming,
  type NetworkConfig,
} from './config';

export interface ConvModule {
  readonly type: 'Conv2d';
  readonly name: string;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
  readonly groups: number;
  /** A learnable bias (SE's 1x1 convs); every other conv is bias=False, followed by BN. */
  readonly bias?: boolean;
}
export interface BatchNormModule {
  readonly type: 'BatchNorm2d';
  readonly name: string;
  readonly channels: number;
}
export interface LinearModule {
  readonly type: 'Linear';
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
}
export type ParamModule = ConvModule | BatchNormModule | LinearModule;

/** conv → BN (eval mode, folded into the conv) → optional ReLU. `act` names the ReLU module's row; undefined when the
 * ReLU is functional (the CIFAR port's F.relu) or absent. */
export interface ConvBnAct {
  readonly conv: ConvModule;
  readonly bn: BatchNormModule;
  readonly relu: boolean;
  readonly act?: string;
}

/** timm SEModule (squeeze_excite.py): x * sigmoid(fc2(relu(fc1(mean_hw(x))))). */
export interface SqueezeExcite {
  /** `layer1.0.se` */
  readonly name: string;
  readonly fc1: ConvModule;
  readonly fc2: ConvModule;
}

export interface Shortcut {
  /** avg-down only: AvgPool2d(2, stride, ceil_mode=True, count_include_pad=False), or Identity at stride 1. */
  readonly pool?: { readonly name: string; readonly type: 'AvgPool2d' | 'Identity'; readonly stride: number };
  readonly conv: ConvModule;
  readonly bn: BatchNormModule;
}

export interface BlockSpec {
  /** `layer2.0`, `stage_2.stage_2_bottleneck_0` */
  readonly name: string;
  /** 1-based stage index. */
  readonly stage: number;
  /** torchvision / timm `Bottleneck`, the CIFAR port's `ResNeXtBottleneck` (the class torchsummary prints). */
  readonly type: 'Bottleneck' | 'ResNeXtBottleneck';
  readonly conv1: ConvModule;
  readonly bn1: BatchNormModule;
  readonly conv2: ConvModule;
  readonly bn2: BatchNormModule;
  readonly conv3: ConvModule;
  readonly bn3: BatchNormModule;
  /** Rows of the ReLU modules after bn1, after bn2 and after the residual add (undefined: functional ReLU, no row). */
  readonly acts: readonly [string | undefined, string | undefined, string | undefined];
  /** timm's nn.Identity placeholders: drop_block (after bn2) and aa (after act2). */
  readonly identities?: { readonly dropBlock: string; readonly aa: string };
  readonly se?: SqueezeExcite;
  readonly downsample?: Shortcut;
}

/** A parameter-free row of the head: torchvision `avgpool`; timm `global_pool.pool`, `global_pool.flatten` and the
 * SelectAdaptivePool2d container `global_pool`; none in the CIFAR port (functional pool). */
export interface HeadRow {
  readonly name: string;
  readonly type: 'AdaptiveAvgPool2d' | 'Flatten' | 'SelectAdaptivePool2d';
  /** [N, C] instead of [N, C, 1, 1]. */
  readonly flat: boolean;
}

export interface Architecture {
  readonly config: NetworkConfig;
  readonly naming: Naming;
  /** conv → BN → ReLU units of the stem (one, or three for the deep stem). */
  readonly stem: readonly ConvBnAct[];
  /** The 3x3/2 max pool's row name; absent in the CIFAR layout. */
  readonly maxpool?: string;
  readonly blocks: readonly BlockSpec[];
  readonly head: readonly HeadRow[];
  readonly fc: LinearModule;
}

function conv(name: string, inChannels: number, outChannels: number, kernel: number, stride: number, padding: number, groups = 1): ConvModule {
  return { type: 'Conv2d', name, inChannels, outChannels, kernel, stride, padding, groups };
}
function bn(name: string, channels: number): BatchNormModule {
  return { type: 'BatchNorm2d', name, channels };
}

function stem(config: NetworkConfig, naming: Naming): ConvBnAct[] {
  const c = config.baseWidth;
  if (naming === 'cifar') return [{ conv: conv('conv_1_3x3', 3, c, 3, 1, 1), bn: bn('bn_1', c), relu: true }];
  const act = naming === 'timm' ? 'act1' : 'relu';
  if (variantOf(config).stem !== 'deep') return [{ conv: conv('conv1', 3, c, 7, 2, 3), bn: bn('bn1', c), relu: true, act }];
  // timm stem_type='deep', stem_width = base / 2: Sequential(conv 3→w s2, BN, ReLU, conv w→w, BN, ReLU, conv w→2w).
  const w = c / 2;
  return [
    { conv: conv('conv1.0', 3, w, 3, 2, 1), bn: bn('conv1.1', w), relu: true, act: 'conv1.2' },
    { conv: conv('conv1.3', w, w, 3, 1, 1), bn: bn('conv1.4', w), relu: true, act: 'conv1.5' },
    { conv: conv('conv1.6', w, c, 3, 1, 1), bn: bn('bn1', c), relu: true, act: 'act1' },
  ];
}

/** torchvision ResNet._make_layer / timm make_blocks / the port's CifarResNeXt.block: stride on the first block's
 * 3x3 (ResNet v1.5); a projection shortcut on the first block when the stride is not 1 or the channels change. */
export function architecture(config: NetworkConfig): Architecture {
  const naming = namingOf(config);
  const v = variantOf(config);
  const blocks: BlockSpec[] = [];
  const { stages } = stagePlans(config);
  stages.forEach((s, stageIndex) => {
    for (let b = 0; b < s.blocks; b++) {
      const name = naming === 'cifar' ? `${s.name}.${s.name}_bottleneck_${b}` : `${s.name}.${b}`;
      const cin = b === 0 ? s.inChannels : s.outChannels;
      const stride = b === 0 ? s.stride : 1;
      const needsDownsample = b === 0 && (s.stride !== 1 || s.inChannels !== s.outChannels);
      const n = (torchvision: string, cifar: string): string => `${name}.${naming === 'cifar' ? cifar : torchvision}`;
      let downsample: Shortcut | undefined;
      if (needsDownsample) {
        if (naming === 'cifar') {
          downsample = {
            conv: conv(`${name}.shortcut.shortcut_conv`, cin, s.outChannels, 1, stride, 0),
            bn: bn(`${name}.shortcut.shortcut_bn`, s.outChannels),
          };
        } else if (v.avgDown) {
          downsample = {
            pool: { name: `${name}.downsample.0`, type: stride === 1 ? 'Identity' : 'AvgPool2d', stride },
            conv: conv(`${name}.downsample.1`, cin, s.outChannels, 1, 1, 0),
            bn: bn(`${name}.downsample.2`, s.outChannels),
          };
        } else {
          downsample = { conv: conv(`${name}.downsample.0`, cin, s.outChannels, 1, stride, 0), bn: bn(`${name}.downsample.1`, s.outChannels) };
        }
      }
      const acts: BlockSpec['acts'] =
        naming === 'cifar'
          ? [undefined, undefined, undefined]
          : naming === 'timm'
            ? [`${name}.act1`, `${name}.act2`, `${name}.act3`]
            : [`${name}.relu`, `${name}.relu`, `${name}.relu`];
      const reduced = seReducedChannels(s.outChannels);
      blocks.push({
        name,
        stage: stageIndex + 1,
        type: naming === 'cifar' ? 'ResNeXtBottleneck' : 'Bottleneck',
        conv1: conv(n('conv1', 'conv_reduce'), cin, s.width, 1, 1, 0),
        bn1: bn(n('bn1', 'bn_reduce'), s.width),
        conv2: conv(n('conv2', 'conv_conv'), s.width, s.width, 3, stride, 1, config.groups),
        bn2: bn(n('bn2', 'bn'), s.width),
        conv3: conv(n('conv3', 'conv_expand'), s.width, s.outChannels, 1, 1, 0),
        bn3: bn(n('bn3', 'bn_expand'), s.outChannels),
        acts,
        ...(naming === 'timm' ? { identities: { dropBlock: `${name}.drop_block`, aa: `${name}.aa` } } : {}),
        ...(v.se
          ? {
              se: {
                name: `${name}.se`,
                fc1: { ...conv(`${name}.se.fc1`, s.outChannels, reduced, 1, 1, 0), bias: true },
                fc2: { ...conv(`${name}.se.fc2`, reduced, s.outChannels, 1, 1, 0), bias: true },
              },
            }
          : {}),
        ...(downsample ? { downsample } : {}),
      });
    }
  });
  const features = stages.at(-1)!.outChannels;
  const head: HeadRow[] =
    naming === 'cifar'
      ? []
      : naming === 'timm'
        ? [
            { name: 'global_pool.pool', type: 'AdaptiveAvgPool2d', flat: false },
            { name: 'global_pool.flatten', type: 'Flatten', flat: true },
            { name: 'global_pool', type: 'SelectAdaptivePool2d', flat: true },
          ]
        : [{ name: 'avgpool', type: 'AdaptiveAvgPool2d', flat: false }];
  return {
    config,
    naming,
    stem: stem(config, naming),
    ...(naming === 'cifar' ? {} : { maxpool: 'maxpool' }),
    blocks,
    head,
    fc: { type: 'Linear', name: naming === 'cifar' ? 'classifier' : 'fc', inFeatures: features, outFeatures: config.numClasses },
  };
}

/** Every module with parameters, in state-dict order. */
export function paramModules(arch: Architecture): ParamModule[] {
  const list: ParamModule[] = arch.stem.flatMap((u) => [u.conv, u.bn]);
  for (const b of arch.blocks) {
    list.push(b.conv1, b.bn1, b.conv2, b.bn2, b.conv3, b.bn3);
    if (b.se) list.push(b.se.fc1, b.se.fc2);
    if (b.downsample) list.push(b.downsample.conv, b.downsample.bn);
  }
  list.push(arch.fc);
  return list;
}

export interface TensorEntrySpec {
  readonly key: string;
  readonly shape: readonly number[];
  /** Trainable parameter (counted in params) or buffer (BN running statistics, num_batches_tracked). */
  readonly role: 'param' | 'buffer';
}

/** The state-dict keys torchvision writes for this architecture, with PyTorch shapes. */
export function stateDictSpec(arch: Architecture): TensorEntrySpec[] {
  const out: TensorEntrySpec[] = [];
  for (const m of paramModules(arch)) {
    if (m.type === 'Conv2d') {
      out.push({ key: `${m.name}.weight`, shape: [m.outChannels, m.inChannels / m.groups, m.kernel, m.kernel], role: 'param' });
      if (m.bias) out.push({ key: `${m.name}.bias`, shape: [m.outChannels], role: 'param' });
    } else if (m.type === 'BatchNorm2d') {
      out.push(
        { key: `${m.name}.weight`, shape: [m.channels], role: 'param' },
        { key: `${m.name}.bias`, shape: [m.channels], role: 'param' },
        { key: `${m.name}.running_mean`, shape: [m.channels], role: 'buffer' },
        { key: `${m.name}.running_var`, shape: [m.channels], role: 'buffer' },
        { key: `${m.name}.num_batches_tracked`, shape: [], role: 'buffer' },
      );
    } else {
      out.push(
        { key: `${m.name}.weight`, shape: [m.outFeatures, m.inFeatures], role: 'param' },
        { key: `${m.name}.bias`, shape: [m.outFeatures], role: 'param' },
      );
    }
  }
  return out;
}

/** numel of a conv's weight: Cout · Cin/groups · k · k (its multiply-adds per output pixel). */
export function convWeightCount(m: ConvModule): number {
  return m.outChannels * (m.inChannels / m.groups) * m.kernel * m.kernel;
}

/** Learnable parameters of a module: numel(weight) + numel(bias) (torch counts `parameters()`, not buffers). */
export function moduleParams(m: ParamModule): number {
  switch (m.type) {
    case 'Conv2d':
      return convWeightCount(m) + (m.bias ? m.outChannels : 0);
    case 'BatchNorm2d':
      return 2 * m.channels;
    case 'Linear':
      return m.inFeatures * m.outFeatures + m.outFeatures;
  }
}

export function countParams(arch: Architecture): number {
  return paramModules(arch).reduce((sum, m) => sum + moduleParams(m), 0);
}

/** Validates a configuration and refuses one too large to describe (LIMITS.describedParams). Networks up to that size
 * are summarized by arithmetic; building one with weights is limited separately (`checkBuildable`). */
export function checkedArchitecture(config: NetworkConfig): Architecture {
  validateConfig(config);
  const arch = architecture(config);
  const params = countParams(arch);
  if (params > LIMITS.describedParams) {
    throw new ConfigError(
      `this configuration has ${params.toLocaleString('en-US')} parameters, more than the ${LIMITS.describedParams.toLocaleString('en-US')} accepted; ` +
        'reduce the widths, groups or depths',
    );
  }
  return arch;
}

/** Refuses to materialise weights beyond LIMITS.params (2 GiB of float32 in TF.js's wasm heap). */
export function checkBuildable(arch: Architecture): void {
  const params = countParams(arch);
  if (params > LIMITS.params) {
    throw new ConfigError(
      `this configuration has ${params.toLocaleString('en-US')} parameters, more than the ${LIMITS.params.toLocaleString('en-US')} whose weights can be held ` +
        `(${(LIMITS.params * 4) / 2 ** 30} GiB of float32 in TensorFlow.js's wasm memory): it can be summarized and compared (traced by arithmetic), ` +
        'not built to classify; reduce the widths, groups or depths',
    );
  }
}

export type ConfigOverrides = Partial<Omit<NetworkConfig, 'layers'>> & { layers?: readonly number[] };

/** The preset a CIFAR configuration starts from when `cifar` is asked for without a CIFAR preset. */
const CIFAR_BASE = 'resnext29_8x64d';

/**
 * A preset (resnext50_32x4d when none is named, DESIGN §4; resnext29_8x64d when only `cifar` is asked for) with
 * overrides applied, validated. Switching an ImageNet preset to the CIFAR layout takes the CIFAR layout's depths
 * (3,3,3), classes (10) and input (32x32) unless they are given too.
 */
export function resolveConfig(preset: string | undefined, overrides: ConfigOverrides = {}): { model: string; config: NetworkConfig } {
  const name = preset === undefined ? (overrides.cifar === true ? CIFAR_BASE : DEFAULT_PRESET) : requirePreset(preset);
  const base = presetConfig(name);
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as ConfigOverrides;
  let config = { ...base, ...defined } as NetworkConfig;
  if (overrides.cifar === true && base.cifar !== true) {
    const layout = presetConfig(CIFAR_BASE);
    config = {
      ...config,
      layers: defined.layers ?? layout.layers,
      numClasses: defined.numClasses ?? layout.numClasses,
      inputHeightPx: defined.inputHeightPx ?? layout.inputHeightPx,
      inputWidthPx: defined.inputWidthPx ?? layout.inputWidthPx,
    };
  }
  checkedArchitecture(config);
  return { model: describeConfig(config, name), config };
}
