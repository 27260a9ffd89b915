/**
 * The modules of a configuration in torchvision's registration order, with their state-dict names and PyTorch
 * shapes. The network (weights + forward), the accounting and the state-dict matching all read this one list.
 */
import { ConfigError } from './errors';
import { DEFAULT_PRESET, describeConfig, EXPANSION, LIMITS, presetConfig, requirePreset, stagePlans, validateConfig, type NetworkConfig } from './config';

export interface ConvModule {
  readonly type: 'Conv2d';
  readonly name: string;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
  readonly groups: number;
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

export interface BlockSpec {
  /** `layer2.0` */
  readonly name: string;
  readonly stage: number;
  readonly conv1: ConvModule;
  readonly bn1: BatchNormModule;
  readonly conv2: ConvModule;
  readonly bn2: BatchNormModule;
  readonly conv3: ConvModule;
  readonly bn3: BatchNormModule;
  readonly downsample?: { readonly conv: ConvModule; readonly bn: BatchNormModule };
}

export interface Architecture {
  readonly config: NetworkConfig;
  readonly conv1: ConvModule;
  readonly bn1: BatchNormModule;
  readonly blocks: readonly BlockSpec[];
  readonly fc: LinearModule;
}

function conv(name: string, inChannels: number, outChannels: number, kernel: number, stride: number, padding: number, groups = 1): ConvModule {
  return { type: 'Conv2d', name, inChannels, outChannels, kernel, stride, padding, groups };
}
function bn(name: string, channels: number): BatchNormModule {
  return { type: 'BatchNorm2d', name, channels };
}

/** torchvision ResNet._make_layer: stride on the 3x3 (ResNet v1.5), downsample = 1x1 conv + BN on the first block
 * when the stride is not 1 or the channels change. */
export function architecture(config: NetworkConfig): Architecture {
  const blocks: BlockSpec[] = [];
  const { stages } = stagePlans(config);
  stages.forEach((s, stageIndex) => {
    for (let b = 0; b < s.blocks; b++) {
      const name = `${s.name}.${b}`;
      const cin = b === 0 ? s.inChannels : s.outChannels;
      const stride = b === 0 ? s.stride : 1;
      const needsDownsample = b === 0 && (s.stride !== 1 || s.inChannels !== s.planes * EXPANSION);
      blocks.push({
        name,
        stage: stageIndex + 1,
        conv1: conv(`${name}.conv1`, cin, s.width, 1, 1, 0),
        bn1: bn(`${name}.bn1`, s.width),
        conv2: conv(`${name}.conv2`, s.width, s.width, 3, stride, 1, config.groups),
        bn2: bn(`${name}.bn2`, s.width),
        conv3: conv(`${name}.conv3`, s.width, s.outChannels, 1, 1, 0),
        bn3: bn(`${name}.bn3`, s.outChannels),
        ...(needsDownsample
          ? { downsample: { conv: conv(`${name}.downsample.0`, cin, s.outChannels, 1, stride, 0), bn: bn(`${name}.downsample.1`, s.outChannels) } }
          : {}),
      });
    }
  });
  return {
    config,
    conv1: conv('conv1', 3, config.baseWidth, 7, 2, 3),
    bn1: bn('bn1', config.baseWidth),
    blocks,
    fc: { type: 'Linear', name: 'fc', inFeatures: stages[3]!.outChannels, outFeatures: config.numClasses },
  };
}

/** Every module with parameters, in state-dict order. */
export function paramModules(arch: Architecture): ParamModule[] {
  const list: ParamModule[] = [arch.conv1, arch.bn1];
  for (const b of arch.blocks) {
    list.push(b.conv1, b.bn1, b.conv2, b.bn2, b.conv3, b.bn3);
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

/** Learnable parameters of a module: numel(weight) + numel(bias) (torch counts `parameters()`, not buffers). */
export function moduleParams(m: ParamModule): number {
  switch (m.type) {
    case 'Conv2d':
      return m.outChannels * (m.inChannels / m.groups) * m.kernel * m.kernel;
    case 'BatchNorm2d':
      return 2 * m.channels;
    case 'Linear':
      return m.inFeatures * m.outFeatures + m.outFeatures;
  }
}

export function countParams(arch: Architecture): number {
  return paramModules(arch).reduce((sum, m) => sum + moduleParams(m), 0);
}

/** Validates a configuration and refuses one whose weights would not fit in memory (LIMITS.params). */
export function checkedArchitecture(config: NetworkConfig): Architecture {
  validateConfig(config);
  const arch = architecture(config);
  const params = countParams(arch);
  if (params > LIMITS.params) {
    throw new ConfigError(
      `this configuration has ${params.toLocaleString('en-US')} parameters, more than the ${LIMITS.params.toLocaleString('en-US')} accepted ` +
        `(${(LIMITS.params * 4) / 2 ** 30} GiB of float32 weights); reduce the widths, groups or depths`,
    );
  }
  return arch;
}

export type ConfigOverrides = Partial<Omit<NetworkConfig, 'layers'>> & { layers?: readonly number[] };

/** A preset (resnext50_32x4d when none is named, DESIGN §4) with overrides applied, validated. */
export function resolveConfig(preset: string | undefined, overrides: ConfigOverrides = {}): { model: string; config: NetworkConfig } {
  const base = presetConfig(preset === undefined ? DEFAULT_PRESET : requirePreset(preset));
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as ConfigOverrides;
  const config = { ...base, ...defined } as NetworkConfig;
  checkedArchitecture(config);
  return { model: describeConfig(config, preset), config };
}
