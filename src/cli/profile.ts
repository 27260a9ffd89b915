/** `resnext profile <preset | custom flags | --weights FILE> [--runs N] [--format table|markdown|json] [--out FILE]` */
import { resolveConfig } from '../model/architecture';
import { profile } from '../model/profile';
import { formatProfile, PROFILE_FORMATS } from '../model/report/profile';
import { readWeightsFile } from '../model/weights/load';
import { configForWeights } from '../model/weights/resolve';
import { CONFIG_OPTIONS, configOverrides, hasConfigFlags, parse, parseChoice, parseWholeNumber, UsageError, OUTPUT_OPTIONS } from './args';
import { checkWritable, emit } from './output';

export const PROFILE_SYNOPSIS = `  resnext profile <preset | custom flags | --weights FILE> [--runs N] [--threads N]
                  [--format table|markdown|json] [--out FILE]
                  (per-layer time of the forward pass, GMAC/s, bytes and MACs/byte against this machine's ceilings)
`;

export async function profileCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse('profile', args, {
    ...CONFIG_OPTIONS,
    weights: { type: 'string' },
    runs: { type: 'string' },
    ...OUTPUT_OPTIONS,
  });
  if (values.help) return void process.stdout.write(PROFILE_SYNOPSIS);
  if (positionals.length > 1) throw new UsageError(`profile takes one preset, got ${positionals.length}: ${positionals.join(' ')}`);
  const format = parseChoice('format', values.format as string | undefined, PROFILE_FORMATS, 'table');
  const runs = values.runs === undefined ? 5 : parseWholeNumber('runs', values.runs as string, { min: 1, max: 100 });
  const out = values.out as string | undefined;
  if (out !== undefined) checkWritable(out);
  const weightsPath = values.weights as string | undefined;
  if (weightsPath === undefined) {
    if (positionals.length === 0 && !hasConfigFlags(values) && values.input === undefined) {
      throw new UsageError('profile needs a preset (e.g. resnext50_32x4d), custom flags, or --weights FILE');
    }
    const { model, config } = resolveConfig(positionals[0], configOverrides(values));
    emit(formatProfile(await profile(config, { model, runs }), format), out);
    return;
  }
  const { stateDict } = readWeightsFile(weightsPath);
  const { model, config } = configForWeights(stateDict, weightsPath, positionals[0], configOverrides(values), hasConfigFlags(values));
  emit(formatProfile(await profile(config, { model, runs, stateDict, weightsSource: weightsPath }), format), out);
}
