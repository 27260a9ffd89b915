/**
 * A configuration written as one command-line word, for commands that take several (`resnext compare`):
 *
 *   resnext50_32x4d                              a preset
 *   resnext50_32x4d:groups=8,width_per_group=14  a preset with overrides
 *   groups=8,width_per_group=14                  overrides on resnext50_32x4d (DESIGN §4: the default preset)
 *   resnet50:layers=3,4,23,3,input=160x128       `layers` takes four numbers: the commas after it continue it
 *
 * Keys are the flag names with `_` or `-`: layers, groups, width_per_group, base_width, num_classes, input. Values
 * are checked by the same code as the flags (args.ts `configOverrides`, then `resolveConfig`).
 */
import { resolveConfig, type ConfigOverrides } from '../model/architecture';
import type { NetworkConfig } from '../model/config';
import { ConfigError, type FieldNames } from '../model/errors';
import { CONFIG_OPTIONS, configOverrides, UsageError } from './args';

const SPEC_KEYS = Object.keys(CONFIG_OPTIONS).map((flag) => flag.replace(/-/g, '_'));
/** How a configuration spec (`preset:key=value,…`) names each field in a core error: by its key. */
const SPEC_FIELD_NAMES: FieldNames = {
  layers: 'layers',
  groups: 'groups',
  widthPerGroup: 'width_per_group',
  baseWidth: 'base_width',
  numClasses: 'num_classes',
  input: 'input',
  se: 'se',
  stem: 'stem',
  avgDown: 'avg_down',
  cifar: 'cifar',
  block: 'block',
  eca: 'attn=eca',
  stemWidth: 'stem_width',
};
export const SPEC_EXAMPLE = 'resnext50_32x4d:groups=8,width_per_group=14';

/** Rewrites a flag-oriented message ("--width-per-group must be …") for a key in a spec ("width_per_group must be …"). */
const asKeys = (message: string): string => message.replace(/--([a-z]+(?:-[a-z]+)*)/g, (_, flag: string) => flag.replace(/-/g, '_'));

/** Splits `key=value,key=value` where the layers value itself holds commas. */
function parsePairs(spec: string, text: string): Record<string, string> {
  const values: Record<string, string> = {};
  let lastKey: string | undefined;
  for (const token of text.split(',')) {
    const eq = token.indexOf('=');
    if (eq < 0) {
      // A bare token continues the previous value: only `layers` has a comma-separated value.
      if (lastKey === 'layers' && token.trim() !== '') {
        values.layers += `,${token.trim()}`;
        continue;
      }
      throw new UsageError(`configuration '${spec}': '${token}' is not key=value; write e.g. ${SPEC_EXAMPLE} (keys: ${SPEC_KEYS.join(', ')})`);
    }
    const key = token.slice(0, eq).trim().replace(/-/g, '_');
    const value = token.slice(eq + 1).trim();
    if (!SPEC_KEYS.includes(key)) {
      throw new UsageError(`configuration '${spec}': unknown key '${token.slice(0, eq)}'; accepted keys: ${SPEC_KEYS.join(', ')} (e.g. ${SPEC_EXAMPLE})`);
    }
    if (key in values) throw new UsageError(`configuration '${spec}': '${key}' is given twice; give each key once`);
    values[key] = value;
    lastKey = key;
  }
  return values;
}

/** The overrides a spec's `key=value` list stands for, in the form `configOverrides` returns for flags. */
function specOverrides(spec: string, text: string): ConfigOverrides {
  const pairs = parsePairs(spec, text);
  const asFlags = Object.fromEntries(Object.entries(pairs).map(([key, value]) => [key.replace(/_/g, '-'), value]));
  try {
    return configOverrides(asFlags);
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`configuration '${spec}': ${asKeys(error.message)}`);
    throw error;
  }
}

/**
 * Resolves a spec to a named, validated configuration. `common` overrides (the command's own --groups, --input …
 * flags) apply first, the spec's own keys on top.
 */
export function resolveSpec(spec: string, common: ConfigOverrides = {}): { model: string; config: NetworkConfig } {
  const colon = spec.indexOf(':');
  let preset: string | undefined;
  let overrides: ConfigOverrides = {};
  if (colon >= 0) {
    preset = spec.slice(0, colon).trim() || undefined;
    overrides = specOverrides(spec, spec.slice(colon + 1));
  } else if (spec.includes('=')) {
    overrides = specOverrides(spec, spec);
  } else {
    preset = spec.trim();
  }
  const defined = (o: ConfigOverrides): ConfigOverrides => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as ConfigOverrides;
  try {
    return resolveConfig(preset, { ...defined(common), ...defined(overrides) });
  } catch (error) {
    // A bare preset name's error ("unknown preset …; accepted presets: …") already says everything.
    if (error instanceof ConfigError && spec !== preset) throw new ConfigError(`configuration '${spec}': ${error.worded(SPEC_FIELD_NAMES)}`);
    throw error;
  }
}
