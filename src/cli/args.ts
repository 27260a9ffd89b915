/**
 * Flag parsing for the `resnext` command (node:util parseArgs) with messages that say what is accepted.
 * Every mistake is a UsageError (exit code 2).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InputError, type FieldNames } from '../model/errors';
import type { ConfigOverrides } from '../model/architecture';
import { LIMITS } from '../model/config';

export class UsageError extends InputError {
  override readonly name = 'UsageError';
}

export const CONFIG_OPTIONS = {
  layers: { type: 'string' },
  groups: { type: 'string' },
  'width-per-group': { type: 'string' },
  'base-width': { type: 'string' },
  'num-classes': { type: 'string' },
  input: { type: 'string' },
  se: { type: 'boolean' },
  stem: { type: 'string' },
  'avg-down': { type: 'boolean' },
  cifar: { type: 'boolean' },
  block: { type: 'string' },
  attn: { type: 'string' },
  'stem-width': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** --format and --out: how a command that writes a report is told what to write and where (output.ts formatAndOut). */
export const OUTPUT_OPTIONS = {
  format: { type: 'string' },
  out: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** How the CLI names each configuration field in a core error: by its flag. */
export const FLAG_FIELD_NAMES: FieldNames = {
  layers: '--layers',
  groups: '--groups',
  widthPerGroup: '--width-per-group',
  baseWidth: '--base-width',
  numClasses: '--num-classes',
  input: '--input',
  se: '--se',
  stem: '--stem',
  avgDown: '--avg-down',
  cifar: '--cifar',
  block: '--block',
  eca: '--attn eca',
  stemWidth: '--stem-width',
};

/** The architecture switches (flags without a value on the command line; `key=true|false` in a configuration spec). */
const SWITCHES = ['se', 'avg-down', 'cifar'] as const;

export function parse<O extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  args: string[],
  options: O,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    throw new UsageError(
      `${command}: ${message.replace(/\. To specify a positional argument.*$/, '')}; accepted options: ${Object.keys(options)
        .map((o) => `--${o}`)
        .join(', ')} (see 'resnext ${command} --help')`,
    );
  }
}

/** A whole number written as digits only ("2.5", "1e3", "-1", "" are refused). */
export function parseWholeNumber(flag: string, text: string, range: { min: number; max: number }): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < range.min || value > range.max) {
    throw new UsageError(`--${flag} must be a whole number from ${range.min} to ${range.max}, got ${/^\d+$/.test(text.trim()) ? text.trim() : `'${text}'`}`);
  }
  return value;
}

export function parseChoice<T extends string>(flag: string, text: string | undefined, choices: readonly T[], fallback: T): T {
  if (text === undefined) return fallback;
  if ((choices as readonly string[]).includes(text)) return text as T;
  throw new UsageError(`--${flag} '${text}' is not supported; accepted: ${choices.join(', ')}`);
}

/** `--input 224` or `--input 320x240` (height x width, as PyTorch's [N, C, H, W]). */
export function parseInputSize(text: string): { height: number; width: number } {
  const match = /^\s*(\d+)\s*(?:[xX×]\s*(\d+))?\s*$/.exec(text);
  const range = LIMITS.inputSizePx;
  if (!match) throw new UsageError(`--input must be HxW in pixels (e.g. 224x224) or one size for both, each from ${range.min} to ${range.max}, got '${text}'`);
  const height = Number(match[1]);
  const width = Number(match[2] ?? match[1]);
  return { height, width };
}

/** The custom-configuration flags as overrides; value ranges are checked by validateConfig. */
export function configOverrides(values: Record<string, string | boolean | undefined>): ConfigOverrides {
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const overrides: { -readonly [K in keyof ConfigOverrides]: ConfigOverrides[K] } = {};
  const layers = str('layers');
  if (layers !== undefined) {
    const parts = layers.split(',').map((p) => p.trim());
    if (parts.length !== 4 || !parts.every((p) => /^\d+$/.test(p))) {
      throw new UsageError(`--layers must be 4 positive whole numbers separated by commas (blocks in layer1..layer4, e.g. 3,4,6,3), got '${layers}'`);
    }
    overrides.layers = parts.map(Number);
  }
  const whole = (flag: string, range: { min: number; max: number }): number | undefined => {
    const text = str(flag);
    return text === undefined ? undefined : parseWholeNumber(flag, text, range);
  };
  overrides.groups = whole('groups', LIMITS.groups);
  overrides.widthPerGroup = whole('width-per-group', LIMITS.widthPerGroup);
  overrides.baseWidth = whole('base-width', LIMITS.baseWidth);
  overrides.numClasses = whole('num-classes', LIMITS.numClasses);
  for (const flag of SWITCHES) {
    const value = values[flag];
    if (value === undefined) continue;
    let on: boolean;
    if (typeof value === 'boolean') on = value;
    else if (/^(true|1|yes)$/i.test(value.trim())) on = true;
    else if (/^(false|0|no)$/i.test(value.trim())) on = false;
    else
      throw new UsageError(
        `--${flag} is a switch: give it without a value (in a configuration spec: ${flag.replace(/-/g, '_')}=true or false), got '${value}'`,
      );
    if (flag === 'se') overrides.se = on;
    else if (flag === 'avg-down') overrides.avgDown = on;
    else overrides.cifar = on;
  }
  const stem = str('stem');
  if (stem !== undefined) {
    if (stem !== 'deep' && stem !== 'standard' && stem !== 'tiered')
      throw new UsageError(
        `--stem '${stem}' is not supported; accepted: standard (7x7 conv), deep (three 3x3 convs, timm), tiered (timm's deep_tiered: 3·(w/4), w, 2w channels)`,
      );
    overrides.stem = stem;
  }
  overrides.stemWidth = whole('stem-width', LIMITS.stemWidth);
  const block = str('block');
  if (block !== undefined) {
    if (block !== 'basic' && block !== 'bottleneck' && block !== 'selective-kernel') {
      throw new UsageError(
        `--block '${block}' is not supported; accepted: basic (two 3x3 convs, ResNet-18/34), bottleneck (1x1, grouped 3x3, 1x1), selective-kernel (timm's SK bottleneck)`,
      );
    }
    overrides.block = block;
  }
  const attn = str('attn');
  if (attn !== undefined) {
    if (attn !== 'none' && attn !== 'se' && attn !== 'eca') {
      throw new UsageError(`--attn '${attn}' is not supported; accepted: none, se (squeeze-and-excitation), eca (efficient channel attention)`);
    }
    if (overrides.se !== undefined && overrides.se !== (attn === 'se')) {
      throw new UsageError(`--se ${overrides.se ? 'on' : 'off'} contradicts --attn ${attn}; give one of the two (--attn none|se|eca)`);
    }
    overrides.se = attn === 'se';
    overrides.eca = attn === 'eca';
  }
  const input = str('input');
  if (input !== undefined) {
    const { height, width } = parseInputSize(input);
    overrides.inputHeightPx = height;
    overrides.inputWidthPx = width;
  }
  return overrides;
}

export function hasConfigFlags(values: Record<string, string | boolean | undefined>): boolean {
  return Object.keys(CONFIG_OPTIONS).some((k) => k !== 'input' && values[k] !== undefined);
}
