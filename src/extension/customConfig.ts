/**
 * The "Custom configuration…" flow's logic, kept free of the vscode API so it is unit-tested. First three picks (the
 * block, the stem: one item each; the options: any number), then one input box per numeric field. Every step is
 * validated against the whole configuration so far with the core's own rules (validateConfig via resolveConfig), so
 * the message shown as you type is the one the CLI would give, and a pick list offers only what the core accepts.
 */
import { resolveConfig } from '../model/architecture';
import { isInputError } from '../model/errors';
import { exactPreset, LIMITS, presetConfig, variantOf, type NetworkConfig, type PresetName } from '../model/config';

export type FieldKey = 'stemWidth' | 'layers' | 'groups' | 'widthPerGroup' | 'baseWidth' | 'numClasses' | 'inputSize';

/** One item of a pick step: `id` is what applyChoice receives. */
export interface ChoiceItem {
  readonly id: string;
  readonly label: string;
  readonly description: string;
  readonly detail?: string;
}

export type ChoiceKey = 'block' | 'stem' | 'options';

/** A step picked from a list (VS Code's QuickPick): one item for block and stem, any number for the options. */
export interface ChoiceStep {
  readonly key: ChoiceKey;
  readonly title: string;
  readonly placeholder: string;
  readonly many: boolean;
  /** The items this configuration can take at this step (options that no value of the earlier steps allows are left out). */
  readonly items: (config: NetworkConfig) => readonly ChoiceItem[];
  /** The ids picked for this configuration (what the step starts with). */
  readonly picked: (config: NetworkConfig) => readonly string[];
}

const BLOCKS: readonly (ChoiceItem & { readonly preset: PresetName })[] = [
  {
    id: 'bottleneck',
    label: 'Bottleneck',
    description: '1×1 → grouped 3×3 → 1×1, expansion 4',
    detail: 'ResNeXt, ResNet-50/101/152, Wide ResNet (torchvision Bottleneck); starts from resnext50_32x4d',
    preset: 'resnext50_32x4d',
  },
  {
    id: 'basic',
    label: 'Basic',
    description: '3×3 → 3×3, expansion 1',
    detail: 'ResNet-18/34 (torchvision BasicBlock): groups 1, width 64 only; starts from resnet18',
    preset: 'resnet18' as PresetName,
  },
  {
    id: 'selective-kernel',
    label: 'Selective kernel',
    description: '1×1 → (3×3 | dilated 3×3) with attention → 1×1',
    detail: 'SK-ResNeXt (timm SelectiveKernelBottleneck); starts from skresnext50_32x4d',
    preset: 'skresnext50_32x4d' as PresetName,
  },
];

const STEMS: readonly ChoiceItem[] = [
  { id: 'standard', label: 'Standard', description: '7×7/2 conv + 3×3/2 max pool', detail: 'torchvision, timm ResNet/ResNeXt' },
  {
    id: 'deep',
    label: 'Deep',
    description: 'three 3×3 convs (stem width, stem width, 2 × stem width)',
    detail: "timm's ResNet-C/D/S stems (resnet50d, gluon_resnet50_v1s)",
  },
  {
    id: 'tiered',
    label: 'Tiered',
    description: 'three 3×3 convs (¾ × stem width, stem width, 2 × stem width)',
    detail: "timm's ResNet-T stem (resnet26t, seresnext26t_32x4d)",
  },
];

const OPTIONS: readonly ChoiceItem[] = [
  { id: 'se', label: 'Squeeze-and-Excitation', description: 'timm SEModule in every block · clears ECA' },
  { id: 'eca', label: 'Efficient channel attention', description: 'ECA: 1-D conv over pooled channels · clears SE' },
  { id: 'avg-down', label: 'Average-pool shortcut', description: '2×2 avg pool before the 1×1 shortcut conv (ResNet-D)' },
  { id: 'cifar', label: 'CIFAR layout', description: '3 stages, one 3×3 stem conv, 32×32 input (ResNeXt-29)' },
];

function optionIds(c: NetworkConfig): string[] {
  const v = variantOf(c);
  return [v.attn !== 'none' && v.attn, v.avgDown && 'avg-down', v.cifar && 'cifar'].filter((w): w is string => typeof w === 'string');
}

/** What every option id sets, from the configuration's block and stem. */
function withOptions(config: NetworkConfig, ids: readonly string[]): NetworkConfig {
  const cifar = ids.includes('cifar');
  // Switching between the ImageNet and CIFAR layouts starts the later fields from that layout's preset.
  const layout = cifar !== variantOf(config).cifar ? presetConfig(cifar ? 'resnext29_8x64d' : 'resnext50_32x4d') : config;
  return {
    ...config,
    layers: layout.layers,
    numClasses: layout.numClasses,
    inputHeightPx: layout.inputHeightPx,
    inputWidthPx: layout.inputWidthPx,
    se: ids.includes('se'),
    eca: ids.includes('eca'),
    avgDown: ids.includes('avg-down'),
    cifar,
  };
}

export const CHOICE_STEPS: readonly ChoiceStep[] = [
  {
    key: 'block',
    title: 'Block',
    placeholder: 'The residual block of every stage',
    many: false,
    items: () => BLOCKS,
    picked: (c) => [variantOf(c).block],
  },
  {
    key: 'stem',
    title: 'Stem',
    placeholder: 'The layers before layer1',
    many: false,
    items: (c) => STEMS.filter((s) => !('error' in applyChoice(c, 'stem', [s.id]))),
    picked: (c) => [variantOf(c).stem],
  },
  {
    key: 'options',
    title: 'Options',
    placeholder: 'Pick any (Space toggles, Enter accepts; none is fine)',
    many: true,
    // An option is listed when the block and stem chosen allow it on its own (the core's rules decide).
    items: (c) => OPTIONS.filter((o) => !('error' in applyChoice(c, 'options', [o.id]))),
    picked: optionIds,
  },
];

/**
 * The options picked after a click: SE and ECA (and any other pair the core refuses together) exclude each other,
 * so the option just picked wins and the one it conflicts with is cleared.
 */
export function reconcileOptions(config: NetworkConfig, before: readonly string[], after: readonly string[]): string[] {
  const added = after.filter((id) => !before.includes(id));
  const kept: string[] = [...added];
  for (const id of after) {
    if (added.includes(id)) continue;
    if (!('error' in applyChoice(config, 'options', [...kept, id]))) kept.push(id);
  }
  return after.filter((id) => kept.includes(id));
}

/** The configuration a pick yields, validated by the core, or why it cannot be taken. */
export function applyChoice(config: NetworkConfig, key: ChoiceKey, ids: readonly string[]): { config: NetworkConfig } | { error: string } {
  let next: NetworkConfig;
  switch (key) {
    case 'block': {
      const block = BLOCKS.find((b) => b.id === ids[0]);
      if (block === undefined || ids.length !== 1) return { error: `Pick one block: ${BLOCKS.map((b) => b.label).join(', ')}` };
      if (block.id === variantOf(config).block) return { config };
      // Another block starts from that block's preset (layers, groups and widths differ between them), keeping the stem and options.
      const preset = presetConfig(block.preset);
      next = {
        ...config,
        layers: preset.layers,
        groups: preset.groups,
        widthPerGroup: preset.widthPerGroup,
        baseWidth: preset.baseWidth,
        block: block.id === 'bottleneck' ? undefined : (block.id as NetworkConfig['block']),
        cifar: false,
      };
      break;
    }
    case 'stem': {
      const stem = STEMS.find((s) => s.id === ids[0]);
      if (stem === undefined || ids.length !== 1) return { error: `Pick one stem: ${STEMS.map((s) => s.label).join(', ')}` };
      next = { ...config, stem: stem.id as NetworkConfig['stem'], ...(stem.id === 'standard' && { stemWidth: undefined }) };
      break;
    }
    case 'options': {
      const unknown = ids.find((id) => !OPTIONS.some((o) => o.id === id));
      if (unknown !== undefined) return { error: `'${unknown}' is not an option; pick from ${OPTIONS.map((o) => o.id).join(', ')}` };
      next = withOptions(config, ids);
      break;
    }
  }
  const resolved = resolveCustom(DEFAULT_BASE, next);
  return 'error' in resolved ? resolved : { config: next };
}

const DEFAULT_BASE = 'resnext50_32x4d';

export interface CustomField {
  readonly key: FieldKey;
  readonly title: string;
  readonly prompt: string;
  /** The field's current value as the user would type it. */
  readonly format: (config: NetworkConfig) => string;
  /** Asked only when this holds (the stem width only for a deep or tiered stem). */
  readonly applies?: (config: NetworkConfig) => boolean;
}

export const CUSTOM_FIELDS: readonly CustomField[] = [
  {
    key: 'stemWidth',
    title: 'Stem width',
    prompt: "Channels of the deep or tiered stem's middle conv; its last conv has twice as many (timm stem_width: 32; gluon_resnet50_v1s: 64)",
    format: (c) => String(variantOf(c).stemWidth),
    applies: (c) => variantOf(c).stem !== 'standard',
  },
  {
    key: 'layers',
    title: 'Blocks per stage',
    prompt: 'Blocks in each stage, whole numbers separated by commas (ResNet-18: 2,2,2,2; ResNet-34 and -50: 3,4,6,3; 101: 3,4,23,3)',
    format: (c) => c.layers.join(','),
  },
  { key: 'groups', title: 'Groups (cardinality C)', prompt: 'Groups of every 3x3 convolution (ResNeXt: 32 or 64; ResNet: 1)', format: (c) => String(c.groups) },
  {
    key: 'widthPerGroup',
    title: 'Width per group (d)',
    prompt: 'Channels per group at base width 64; bottleneck width = int(planes · d / 64) · groups (ResNeXt 32x4d: 4; ResNet: 64)',
    format: (c) => String(c.widthPerGroup),
  },
  {
    key: 'baseWidth',
    title: 'Base width',
    prompt: 'Stem channels; stage planes are base · [1, 2, 4, 8] (torchvision: 64)',
    format: (c) => String(c.baseWidth),
  },
  { key: 'numClasses', title: 'Classes', prompt: 'Outputs of the final Linear layer (ImageNet-1K: 1000)', format: (c) => String(c.numClasses) },
  {
    key: 'inputSize',
    title: 'Input size',
    prompt: `Input height x width in pixels, e.g. 224x224 or 224 (${LIMITS.inputSizePx.min}–${LIMITS.inputSizePx.max})`,
    format: (c) => (c.inputHeightPx === c.inputWidthPx ? String(c.inputHeightPx) : `${c.inputHeightPx}x${c.inputWidthPx}`),
  },
];

const WHOLE = /^\s*\d+\s*$/;

/** Parses one field into the configuration it yields, or returns why the text is not acceptable. */
export function applyField(config: NetworkConfig, key: FieldKey, text: string): { config: NetworkConfig } | { error: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { error: 'Enter a value' };
  switch (key) {
    case 'layers': {
      const stages = variantOf(config).cifar ? 3 : 4;
      const parts = trimmed.split(/[\s,]+/).filter((p) => p !== '');
      if (parts.length !== stages || !parts.every((p) => WHOLE.test(p))) {
        const example = stages === 3 ? '3,3,3' : '3,4,6,3';
        return {
          error: `Enter ${stages} whole numbers separated by commas, one per stage (e.g. ${example}); got ${parts.length} value${parts.length === 1 ? '' : 's'}`,
        };
      }
      return { config: { ...config, layers: parts.map(Number) } };
    }
    case 'inputSize': {
      const match = /^(\d+)\s*(?:[x×,]\s*(\d+))?$/i.exec(trimmed);
      if (!match) return { error: 'Enter the input size as HxW (e.g. 224x224) or one number for a square input' };
      const height = Number(match[1]);
      const width = match[2] === undefined ? height : Number(match[2]);
      return { config: { ...config, inputHeightPx: height, inputWidthPx: width } };
    }
    default: {
      if (!WHOLE.test(trimmed)) return { error: 'Enter a whole number' };
      return { config: { ...config, [key]: Number(trimmed) } };
    }
  }
}

export interface Resolved {
  readonly model: string;
  readonly config: NetworkConfig;
}

/** The configuration with every value the user entered so far, validated by the core; or the core's message. */
export function resolveCustom(base: PresetName | string, config: Partial<NetworkConfig>): Resolved | { error: string } {
  try {
    const resolved = resolveConfig(base, { ...config, ...(config.layers && { layers: [...config.layers] }) });
    // Picks and fields that land exactly on a preset (resnet18 from a basic block) are that preset.
    const preset = exactPreset(resolved.config);
    return preset === undefined ? resolved : { model: preset, config: presetConfig(preset) };
  } catch (error) {
    if (isInputError(error)) return { error: capitalize(error.message) };
    throw error;
  }
}

/** For InputBox.validateInput: undefined when acceptable, else the message to show under the box. */
export function validateField(base: PresetName, config: NetworkConfig, key: FieldKey, text: string): string | undefined {
  const applied = applyField(config, key, text);
  if ('error' in applied) return applied.error;
  const resolved = resolveCustom(base, applied.config);
  return 'error' in resolved ? resolved.error : undefined;
}

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
