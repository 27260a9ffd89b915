/**
 * The "Custom configuration…" input flow's logic, kept free of the vscode API so it is unit-tested: one field per
 * step, parsed from what the user types and validated against the whole configuration so far with the core's own
 * rules (validateConfig via resolveConfig), so the message shown as you type is the one the CLI would give.
 */
import { resolveConfig } from '../model/architecture';
import { isInputError } from '../model/errors';
import { LIMITS, presetConfig, variantOf, type NetworkConfig, type PresetName } from '../model/config';

export type FieldKey = 'variant' | 'layers' | 'groups' | 'widthPerGroup' | 'baseWidth' | 'numClasses' | 'inputSize';

/** The switches of the variant field, as typed (the CLI's --se, --stem deep, --avg-down, --cifar). */
const VARIANT_WORDS = ['se', 'deep-stem', 'avg-down', 'cifar'] as const;

function formatVariant(c: NetworkConfig): string {
  const v = variantOf(c);
  const words = [v.se && 'se', v.stem === 'deep' && 'deep-stem', v.avgDown && 'avg-down', v.cifar && 'cifar'].filter((w): w is string => w !== false);
  return words.length === 0 ? 'none' : words.join(', ');
}

export interface CustomField {
  readonly key: FieldKey;
  readonly title: string;
  readonly prompt: string;
  /** The field's current value as the user would type it. */
  readonly format: (config: NetworkConfig) => string;
}

export const CUSTOM_FIELDS: readonly CustomField[] = [
  {
    key: 'variant',
    title: 'Variant',
    prompt: `none, or any of ${VARIANT_WORDS.join(', ')} (timm's Squeeze-and-Excitation, deep stem, average-pool shortcut; the CIFAR ResNeXt-29 layout: 3 stages, 32x32)`,
    format: formatVariant,
  },
  {
    key: 'layers',
    title: 'Blocks per stage',
    prompt: 'Bottleneck blocks in layer1..layer4, four whole numbers (torchvision: 3,4,6,3 for 50 layers, 3,4,23,3 for 101)',
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
    case 'variant': {
      const words =
        trimmed.toLowerCase() === 'none'
          ? []
          : trimmed
              .toLowerCase()
              .split(/[\s,]+/)
              .filter((w) => w !== '');
      const unknown = words.find((w) => !(VARIANT_WORDS as readonly string[]).includes(w));
      if (unknown !== undefined) return { error: `'${unknown}' is not a variant; enter none, or any of ${VARIANT_WORDS.join(', ')}` };
      const cifar = words.includes('cifar');
      // Switching between the ImageNet and CIFAR layouts starts the later fields from that layout's preset.
      const layout = cifar !== variantOf(config).cifar ? presetConfig(cifar ? 'resnext29_8x64d' : 'resnext50_32x4d') : config;
      const next: NetworkConfig = {
        ...config,
        layers: layout.layers,
        numClasses: layout.numClasses,
        inputHeightPx: layout.inputHeightPx,
        inputWidthPx: layout.inputWidthPx,
        se: words.includes('se'),
        stem: words.includes('deep-stem') ? 'deep' : 'standard',
        avgDown: words.includes('avg-down'),
        cifar,
      };
      return { config: next };
    }
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
    return resolveConfig(base, { ...config, ...(config.layers && { layers: [...config.layers] }) });
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
