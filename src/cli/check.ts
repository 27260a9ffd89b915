/**
 * `resnext check FILE (PRESET | custom flags) [--state-dict KEY] [--format table|json] [--out FILE]`: what
 * `load_state_dict` would report for that architecture, with hints (src/model/weights/check.ts; schema
 * resnext-inspector/check@1). Reads no tensor data.
 */
import { resolveConfig } from '../model/architecture';
import { PRESET_NAMES } from '../model/config';
import { checkCheckpoint } from '../model/weights/check';
import { DIFF_FORMATS, formatCheck } from '../model/weights/diffText';
import { CONFIG_OPTIONS, configOverrides, hasConfigFlags, parse, UsageError } from './args';
import { emit, formatAndOut } from './output';

export const CHECK_SYNOPSIS = `  resnext check FILE (<preset> | --layers … --groups N …) [--state-dict KEY] [--format table|json] [--out FILE]
`;

const USAGE = `Usage:
${CHECK_SYNOPSIS}
Says what model.load_state_dict(state_dict) would report for that architecture, on the state dict as stored in
FILE (no prefix stripped): missing keys, unexpected keys and size mismatches (which torch raises even with
strict=False), whether a strict load succeeds, and hints — a prefix to strip, another num_classes, the configuration
the file's shapes fit, what strict=False would skip. Reads only the file's headers and pickle, no tensor data.
Presets: ${PRESET_NAMES.join(', ')}; or custom flags (--layers, --groups, --width-per-group, --base-width,
--num-classes, --se, --stem, --avg-down, --cifar) on resnext50_32x4d or on the preset given.
`;

export async function checkCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse('check', args, {
    ...CONFIG_OPTIONS,
    format: { type: 'string' },
    out: { type: 'string' },
    'state-dict': { type: 'string' },
  });
  if (values.help) return void process.stdout.write(USAGE);
  if (positionals.length === 0) throw new UsageError('check needs a checkpoint file and an architecture (a preset or custom flags)');
  if (positionals.length > 2) throw new UsageError(`check takes a file and at most one preset, got ${positionals.length}: ${positionals.join(' ')}`);
  if (positionals.length === 1 && !hasConfigFlags(values)) {
    throw new UsageError(`check needs an architecture after the file: a preset (e.g. resnext50_32x4d) or custom flags (--layers 3,4,6,3 --groups 32 …)`);
  }
  const { format, out } = formatAndOut(values, DIFF_FORMATS);
  const { config } = resolveConfig(positionals[1], configOverrides(values));
  const check = checkCheckpoint(positionals[0]!, config, {
    ...(typeof values['state-dict'] === 'string' && { stateDictKey: values['state-dict'] }),
  });
  emit(formatCheck(check, format), out);
}
