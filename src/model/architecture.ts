/**
 * The modules of a configuration in registration order, with their state-dict names and PyTorch shapes. The
 * network (weights + forward), the shape trace, the accounting and the state-dict matching all read this one
 * description. Three naming schemes (config.ts `namingOf`):
 * - torchvision (torchvision/models/resnet.py): conv1, bn1, relu, maxpool, layerN.i.{conv1,bn1,conv2,bn2,conv3,bn3,
 *   relu (called three times; twice in BasicBlock, which has no conv3/bn3), downsample.0/1}, avgpool, fc.
 * - timm (timm/models/resnet.py): the stem conv1 is a Sequential conv1.0..conv1.6 for the deep and tiered stems; bn1,
 *   act1, maxpool; Bottleneck layerN.i.{conv1,bn1,act1,conv2,bn2,drop_block,act2,aa,conv3,bn3,se,act3,downsample};
 *   BasicBlock layerN.i.{conv1,bn1,drop_block,act1,aa,conv2,bn2,se,act2,downsample}; se = SEModule {fc1,bn,act,fc2,
 *   gate} or EcaModule {conv (Conv1d), gate}; downsample.0/1 or with avg-down downsample.0 (pool),1 (conv),2 (BN);
 *   global_pool.{pool,flatten}, fc. drop_block, aa and se.bn are nn.Identity in these networks: parameter-free rows,
 *   listed because hooks list them. timm/models/sknet.py SelectiveKernelBottleneck: layerN.i.{conv1 (ConvNormAct),
 *   conv2 (SelectiveKernel: paths.0/1 ConvNormAct, attn {fc_reduce, bn, act, fc_select}), conv3 (ConvNormAct), se,
 *   act, downsample}; a ConvNormAct is {conv, bn (BatchNormAct2d: BN, then its `drop` Identity and `act`)}.
 * - cifar (prlz77/ResNeXt.pytorch models/model.py): conv_1_3x3, bn_1, stage_S.stage_S_bottleneck_i.{conv_reduce,
 *   bn_reduce, conv_conv, bn, conv_expand, bn_expand, shortcut.shortcut_conv, shortcut.shortcut_bn}, classifier. Its
 *   ReLUs and the 8x8 average pool are functional (F.relu, F.avg_pool2d): no module, no row.
 */
import { ConfigError } from './errors';
import {
  DEFAULT_PRESET,
  deepStemWidths,
  describeConfig,
  ecaKernelSize,
  LIMITS,
  namingOf,
  presetConfig,
  requirePreset,
  selectiveKernelAttnChannels,
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
  /** A learnable bias (SE's 1x1 convs); every other conv is bias=False, followed by BN (or nothing: SK's fc_select). */
  readonly bias?: boolean;
  /** Dilation (SK's second path: 2); absent = 1. */
  readonly dilation?: number;
}
/** timm EcaModule's nn.Conv1d(1, 1, kernel, padding=(kernel - 1) / 2, bias=False), run across the channel axis of
 * the [N, 1, C] pooled vector. Weight [1, 1, kernel]. */
export interface Conv1dModule {
  readonly type: 'Conv1d';
  readonly name: string;
  readonly kernel: number;
  readonly padding: number;
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
export type ParamModule = ConvModule | Conv1dModule | BatchNormModule | LinearModule;

/** conv → BN (eval mode, folded into the conv) → optional ReLU. `act` names the ReLU module's row; undefined when the
 * ReLU is functional (the CIFAR port's F.relu) or absent. */
export interface ConvBnAct {
  readonly conv: ConvModule;
  readonly bn: BatchNormModule;
  readonly relu: boolean;
  readonly act?: string;
}

/** timm ConvNormAct (layers/conv_bn_act.py): `<name>.conv`, then `<name>.bn`, a BatchNormAct2d (BN, then its children
 * `<name>.bn.drop` (Identity) and `<name>.bn.act`: ReLU when `relu`, else Identity). No aa module (stride without aa). */
export interface ConvNormAct {
  /** `layer1.0.conv1`, `layer1.0.conv2.paths.0` */
  readonly name: string;
  readonly conv: ConvModule;
  readonly bn: BatchNormModule;
  readonly relu: boolean;
}

/** timm SEModule (squeeze_excite.py): x * sigmoid(fc2(relu(fc1(mean_hw(x))))). */
export interface SqueezeExcite {
  /** `layer1.0.se` */
  readonly name: string;
  readonly fc1: ConvModule;
  readonly fc2: ConvModule;
}

/** timm EcaModule (eca.py): y = mean_hw(x) viewed [N, 1, C]; y = conv(y) (Conv1d across channels); x * sigmoid(y)
 * viewed [N, C, 1, 1]. Rows: `<name>.conv` (Conv1d, [N, 1, C]), `<name>.gate` (Sigmoid, [N, 1, C]), `<name>` (EcaModule). */
export interface EfficientChannelAttn {
  /** `layer1.0.se` (timm keeps the attribute name `se` for every attn_layer) */
  readonly name: string;
  readonly conv: Conv1dModule;
}

/** timm SelectiveKernel (layers/selective_kernel.py) with split_input=False: every path sees the whole input; paths
 * are 3x3 convs with dilation 1 and 2 (kernel_size [3, 5] with keep_3x3); the attention (SelectiveKernelAttn) takes
 * the mean over H, W of the sum of the paths, fc_reduce (1x1, no bias) → BN → ReLU → fc_select (1x1 to paths · C, no
 * bias), viewed [N, paths, C, 1, 1], softmax over the paths; the output is Σ_i path_i · attn_i. */
export interface SelectiveKernel {
  /** `layer1.0.conv2` */
  readonly name: string;
  readonly paths: readonly ConvNormAct[];
  readonly attn: {
    /** `layer1.0.conv2.attn` */
    readonly name: string;
    readonly fcReduce: ConvModule;
    readonly bn: BatchNormModule;
    /** `<attn>.act`, a ReLU row */
    readonly act: string;
    readonly fcSelect: ConvModule;
  };
}

export interface Shortcut {
  /** avg-down only: AvgPool2d(2, stride, ceil_mode=True, count_include_pad=False), or Identity at stride 1. */
  readonly pool?: { readonly name: string; readonly type: 'AvgPool2d' | 'Identity'; readonly stride: number };
  readonly conv: ConvModule;
  readonly bn: BatchNormModule;
}

interface BlockCommon {
  /** `layer2.0`, `stage_2.stage_2_bottleneck_0` */
  readonly name: string;
  /** 1-based stage index. */
  readonly stage: number;
  /** Channel attention on the residual branch before the add (timm `se`): SE or ECA, never both. */
  readonly se?: SqueezeExcite;
  readonly eca?: EfficientChannelAttn;
  readonly downsample?: Shortcut;
}

/** torchvision / timm `Bottleneck`, the CIFAR port's `ResNeXtBottleneck`: 1x1 → grouped 3x3 → 1x1. */
export interface BottleneckSpec extends BlockCommon {
  readonly kind: 'bottleneck';
  /** The class torchsummary prints. */
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
}

/** torchvision / timm `BasicBlock` (ResNet-18/34): 3x3 (stride) → 3x3, expansion 1, groups 1. */
export interface BasicBlockSpec extends BlockCommon {
  readonly kind: 'basic';
  readonly type: 'BasicBlock';
  readonly conv1: ConvModule;
  readonly bn1: BatchNormModule;
  readonly conv2: ConvModule;
  readonly bn2: BatchNormModule;
  /** Rows of the ReLU modules after bn1 and after the residual add (torchvision: `relu` twice; timm: act1, act2). */
  readonly acts: readonly [string, string];
  /** timm's nn.Identity placeholders: drop_block (after bn1, before act1) and aa (after act1). */
  readonly identities?: { readonly dropBlock: string; readonly aa: string };
}

/** timm `SelectiveKernelBottleneck` (sknet.py): ConvNormAct 1x1 → SelectiveKernel (grouped) → ConvNormAct 1x1 (no act). */
export interface SelectiveKernelBlockSpec extends BlockCommon {
  readonly kind: 'selective-kernel';
  readonly type: 'SelectiveKernelBottleneck';
  readonly conv1: ConvNormAct;
  readonly conv2: SelectiveKernel;
  readonly conv3: ConvNormAct;
  /** `<block>.act`: the ReLU after the residual add. */
  readonly act: string;
}

export type BlockSpec = BottleneckSpec | BasicBlockSpec | SelectiveKernelBlockSpec;

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
  /** conv → BN → ReLU units of the stem (one, or three for the deep and tiered stems). */
  readonly stem: readonly ConvBnAct[];
  /** The 3x3/2 max pool's row name; absent in the CIFAR layout. */
  readonly maxpool?: string;
  readonly blocks: readonly BlockSpec[];
  readonly head: readonly HeadRow[];
  readonly fc: LinearModule;
}

function conv(name: string, inChannels: number, outChannels: number, kernel: number, stride: number, padding: number, groups = 1, dilation = 1): ConvModule {
  return { type: 'Conv2d', name, inChannels, outChannels, kernel, stride, padding, groups, ...(dilation !== 1 ? { dilation } : {}) };
}
function bn(name: string, channels: number): BatchNormModule {
  return { type: 'BatchNorm2d', name, channels };
}
function convNormAct(
  name: string,
  inChannels: number,
  outChannels: number,
  kernel: number,
  stride: number,
  groups: number,
  dilation: number,
  relu: boolean,
): ConvNormAct {
  // timm get_padding(kernel, stride, dilation) = ((stride - 1) + dilation * (kernel - 1)) // 2 (static padding).
  const padding = Math.floor((stride - 1 + dilation * (kernel - 1)) / 2);
  return { name, conv: conv(`${name}.conv`, inChannels, outChannels, kernel, stride, padding, groups, dilation), bn: bn(`${name}.bn`, outChannels), relu };
}

function stem(config: NetworkConfig, naming: Naming): ConvBnAct[] {
  const c = config.baseWidth;
  if (naming === 'cifar') return [{ conv: conv('conv_1_3x3', 3, c, 3, 1, 1), bn: bn('bn_1', c), relu: true }];
  const act = naming === 'timm' ? 'act1' : 'relu';
  if (variantOf(config).stem === 'standard') return [{ conv: conv('conv1', 3, c, 7, 2, 3), bn: bn('bn1', c), relu: true, act }];
  // timm stem_type 'deep' / 'deep_tiered': Sequential(conv 3→a s2, BN, ReLU, conv a→b, BN, ReLU, conv b→2w), then bn1, act1.
  const [a, b, out] = deepStemWidths(config);
  return [
    { conv: conv('conv1.0', 3, a, 3, 2, 1), bn: bn('conv1.1', a), relu: true, act: 'conv1.2' },
    { conv: conv('conv1.3', a, b, 3, 1, 1), bn: bn('conv1.4', b), relu: true, act: 'conv1.5' },
    { conv: conv('conv1.6', b, out, 3, 1, 1), bn: bn('bn1', out), relu: true, act: 'act1' },
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
      const reduced = seReducedChannels(s.outChannels);
      const kernel = ecaKernelSize(s.outChannels);
      const common = {
        name,
        stage: stageIndex + 1,
        ...(v.attn === 'se'
          ? {
              se: {
                name: `${name}.se`,
                fc1: { ...conv(`${name}.se.fc1`, s.outChannels, reduced, 1, 1, 0), bias: true },
                fc2: { ...conv(`${name}.se.fc2`, reduced, s.outChannels, 1, 1, 0), bias: true },
              },
            }
          : {}),
        ...(v.attn === 'eca'
          ? { eca: { name: `${name}.se`, conv: { type: 'Conv1d' as const, name: `${name}.se.conv`, kernel, padding: (kernel - 1) / 2 } } }
          : {}),
        ...(downsample ? { downsample } : {}),
      };
      const identities = naming === 'timm' ? { identities: { dropBlock: `${name}.drop_block`, aa: `${name}.aa` } } : {};
      if (v.block === 'basic') {
        blocks.push({
          ...common,
          kind: 'basic',
          type: 'BasicBlock',
          conv1: conv(`${name}.conv1`, cin, s.planes, 3, stride, 1),
          bn1: bn(`${name}.bn1`, s.planes),
          conv2: conv(`${name}.conv2`, s.planes, s.outChannels, 3, 1, 1),
          bn2: bn(`${name}.bn2`, s.outChannels),
          acts: naming === 'timm' ? [`${name}.act1`, `${name}.act2`] : [`${name}.relu`, `${name}.relu`],
          ...identities,
        });
      } else if (v.block === 'selective-kernel') {
        const attnChannels = selectiveKernelAttnChannels(s.width);
        const sk = `${name}.conv2`;
        blocks.push({
          ...common,
          kind: 'selective-kernel',
          type: 'SelectiveKernelBottleneck',
          conv1: convNormAct(`${name}.conv1`, cin, s.width, 1, 1, 1, 1, true),
          conv2: {
            name: sk,
            paths: [1, 2].map((dilation, i) => convNormAct(`${sk}.paths.${i}`, s.width, s.width, 3, stride, Math.min(s.width, config.groups), dilation, true)),
            attn: {
              name: `${sk}.attn`,
              fcReduce: conv(`${sk}.attn.fc_reduce`, s.width, attnChannels, 1, 1, 0),
              bn: bn(`${sk}.attn.bn`, attnChannels),
              act: `${sk}.attn.act`,
              fcSelect: conv(`${sk}.attn.fc_select`, attnChannels, 2 * s.width, 1, 1, 0),
            },
          },
          conv3: convNormAct(`${name}.conv3`, s.width, s.outChannels, 1, 1, 1, 1, false),
          act: `${name}.act`,
        });
      } else {
        blocks.push({
          ...common,
          kind: 'bottleneck',
          type: naming === 'cifar' ? 'ResNeXtBottleneck' : 'Bottleneck',
          conv1: conv(n('conv1', 'conv_reduce'), cin, s.width, 1, 1, 0),
          bn1: bn(n('bn1', 'bn_reduce'), s.width),
          conv2: conv(n('conv2', 'conv_conv'), s.width, s.width, 3, stride, 1, config.groups),
          bn2: bn(n('bn2', 'bn'), s.width),
          conv3: conv(n('conv3', 'conv_expand'), s.width, s.outChannels, 1, 1, 0),
          bn3: bn(n('bn3', 'bn_expand'), s.outChannels),
          acts:
            naming === 'cifar'
              ? [undefined, undefined, undefined]
              : naming === 'timm'
                ? [`${name}.act1`, `${name}.act2`, `${name}.act3`]
                : [`${name}.relu`, `${name}.relu`, `${name}.relu`],
          ...identities,
        });
      }
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

/** The modules with parameters of one block, in state-dict (registration) order. */
export function blockParamModules(b: BlockSpec): ParamModule[] {
  const list: ParamModule[] = [];
  if (b.kind === 'selective-kernel') {
    list.push(b.conv1.conv, b.conv1.bn);
    for (const p of b.conv2.paths) list.push(p.conv, p.bn);
    list.push(b.conv2.attn.fcReduce, b.conv2.attn.bn, b.conv2.attn.fcSelect, b.conv3.conv, b.conv3.bn);
  } else {
    list.push(b.conv1, b.bn1, b.conv2, b.bn2);
    if (b.kind === 'bottleneck') list.push(b.conv3, b.bn3);
  }
  if (b.se) list.push(b.se.fc1, b.se.fc2);
  if (b.eca) list.push(b.eca.conv);
  if (b.downsample) list.push(b.downsample.conv, b.downsample.bn);
  return list;
}

/** Every Conv2d of a block with the BN folded into it (undefined: the conv's own bias or none), in state-dict order:
 * what an engine materialises. ECA's Conv1d is not among them (`b.eca.conv`). */
export function blockConvs(b: BlockSpec): [ConvModule, BatchNormModule | undefined][] {
  const list: [ConvModule, BatchNormModule | undefined][] = [];
  if (b.kind === 'selective-kernel') {
    list.push([b.conv1.conv, b.conv1.bn]);
    for (const p of b.conv2.paths) list.push([p.conv, p.bn]);
    list.push([b.conv2.attn.fcReduce, b.conv2.attn.bn], [b.conv2.attn.fcSelect, undefined], [b.conv3.conv, b.conv3.bn]);
  } else {
    list.push([b.conv1, b.bn1], [b.conv2, b.bn2]);
    if (b.kind === 'bottleneck') list.push([b.conv3, b.bn3]);
  }
  if (b.se) list.push([b.se.fc1, undefined], [b.se.fc2, undefined]);
  if (b.downsample) list.push([b.downsample.conv, b.downsample.bn]);
  return list;
}

/** Every module with parameters, in state-dict order. */
export function paramModules(arch: Architecture): ParamModule[] {
  const list: ParamModule[] = arch.stem.flatMap((u) => [u.conv, u.bn]);
  for (const b of arch.blocks) list.push(...blockParamModules(b));
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
    } else if (m.type === 'Conv1d') {
      out.push({ key: `${m.name}.weight`, shape: [1, 1, m.kernel], role: 'param' });
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
    case 'Conv1d':
      return m.kernel;
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

/** Overrides of a preset's fields; `block: 'bottleneck'` asks for the bottleneck explicitly (absent from a NetworkConfig). */
export type ConfigOverrides = Partial<Omit<NetworkConfig, 'layers' | 'block'>> & { layers?: readonly number[]; block?: NetworkConfig['block'] | 'bottleneck' };

/** The preset a CIFAR configuration starts from when `cifar` is asked for without a CIFAR preset. */
const CIFAR_BASE = 'resnext29_8x64d';
/** The preset the basic block starts from without a preset (issue 20). */
const BASIC_BASE = 'resnet18';

/**
 * A preset (resnext50_32x4d when none is named, DESIGN §4; resnext29_8x64d when only `cifar` is asked for, resnet18 for `block: basic`) with
 * overrides applied, validated. Switching an ImageNet preset to the CIFAR layout takes the CIFAR layout's depths
 * (3,3,3), classes (10) and input (32x32) unless they are given too.
 */
export function resolveConfig(preset: string | undefined, overrides: ConfigOverrides = {}): { model: string; config: NetworkConfig } {
  const name =
    preset === undefined ? (overrides.cifar === true ? CIFAR_BASE : overrides.block === 'basic' ? BASIC_BASE : DEFAULT_PRESET) : requirePreset(preset);
  const base = presetConfig(name);
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as ConfigOverrides;
  const { block, ...rest } = { ...base, ...defined };
  let config = { ...rest, ...(block === undefined || block === 'bottleneck' ? {} : { block }) } as NetworkConfig;
  // The basic block has no groups (torchvision/timm refuse any other): asked for on a ResNeXt preset without groups or
  // widths of its own, it takes ResNet's 1 x 64. A preset's stem width goes with its deep stem.
  if (block === 'basic' && base.block !== 'basic' && defined.groups === undefined && defined.widthPerGroup === undefined) {
    config = { ...config, groups: 1, widthPerGroup: 64 };
  }
  // One attention slot: SE asked for on an ECA preset replaces ECA, and the other way round.
  if (defined.se === true && defined.eca === undefined) config = { ...config, eca: false };
  if (defined.eca === true && defined.se === undefined) config = { ...config, se: false };
  if (defined.stem === 'standard' && defined.stemWidth === undefined && config.stemWidth !== undefined) {
    const { stemWidth: _dropped, ...withoutStemWidth } = config;
    config = withoutStemWidth;
  }
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
