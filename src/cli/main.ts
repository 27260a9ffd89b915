/**
 * The `resnext` command (DESIGN §4). Exit codes: 0 success, 2 bad input or usage (one line on stderr saying what
 * was wrong and what is accepted), 1 internal error. JSON goes to stdout only.
 */
import { ENGINE_CHOICES, isEngineChoice, setEngine, type EngineChoice } from '../model/engines';
import * as v8 from 'node:v8';
import { MAX_THREADS, setThreads } from '../model/tf';
import { resolveConfig } from '../model/architecture';
import { PRESET_NAMES } from '../model/config';
import { describeWeights, readWeightsFile } from '../model/weights/load';
import { configForWeights } from '../model/weights/resolve';
import { FAMILIES, FAMILY_DESCRIPTIONS, presetCatalog, presetFamily } from '../model/catalog';
import { summarize, type Summary } from '../model/summarize';
import { summaryConfig } from '../model/summaryConfig';
import { formatSummary, SUMMARY_FORMATS } from '../model/report';
import { leftColumn, ruledTable, shapeColumns, sizeColumns, type TableColumn } from '../model/report/table';
import { CONFIG_OPTIONS, configOverrides, hasConfigFlags, parse, parseChoice, UsageError, OUTPUT_OPTIONS } from './args';
import { formatAndOut, emit } from './output';
import { classifyCommand, CLASSIFY_USAGE } from './classify';
import { compareCommand, COMPARE_SYNOPSIS } from './compare';
import { equivalenceCommand, EQUIVALENCE_SYNOPSIS } from './equivalence';
import { profileCommand, PROFILE_SYNOPSIS } from './profile';
import { exitCodeFor } from './failure';
import { scanCommand, SCAN_SYNOPSIS } from './scan';
import { evaluateCommand, EVALUATE_USAGE } from './evaluate';
import { inspectCommand, INSPECT_SYNOPSIS } from './inspect';
import { convertCommand, CONVERT_SYNOPSIS } from './convert';
import { COUNT_OPTIONS, COUNT_SYNOPSIS, countOptions } from './count';
import { countSummary, countsTable } from '../model/countReport';
import { diffCommand, DIFF_SYNOPSIS } from './diff';
import { checkCommand, CHECK_SYNOPSIS } from './check';
import { exportCommand, EXPORT_SYNOPSIS } from './export';
import { graphCommand, GRAPH_SYNOPSIS } from './graph';
import { classSummaryFromArgs, PYTHON_OPTIONS, PYTHON_SYNOPSIS, wantsClass } from './classSource';

const USAGE = `resnext — inspect ResNet/ResNeXt-family networks (torchvision-exact counts)

Usage:
  resnext presets [--format table|json]
  resnext summarize <preset> [--layers 3,4,6,3] [--groups N] [--width-per-group N] [--base-width N]
                    [--num-classes N] [--input HxW] [--block basic|bottleneck|selective-kernel] [--attn none|se|eca]
                    [--stem standard|deep|tiered] [--stem-width N] [--se] [--avg-down] [--cifar]
                    [--format table|markdown|csv|json] [--out FILE]
  resnext summarize --weights FILE [--state-dict KEY] [--input HxW] [--format …] [--out FILE]
                    (architecture inferred from the checkpoint: .pth/.pt/.pth.tar/.ckpt/.bin, TorchScript, .safetensors)
${PYTHON_SYNOPSIS('summarize')}${COUNT_SYNOPSIS}${CLASSIFY_USAGE}${EVALUATE_USAGE}${COMPARE_SYNOPSIS}${EQUIVALENCE_SYNOPSIS}${PROFILE_SYNOPSIS}${SCAN_SYNOPSIS}${INSPECT_SYNOPSIS}${CONVERT_SYNOPSIS}${DIFF_SYNOPSIS}${CHECK_SYNOPSIS}${EXPORT_SYNOPSIS}${GRAPH_SYNOPSIS}
Presets (by family; 'resnext presets' lists them with counts and their timm/torchvision names):
${FAMILIES.map((f) => `  ${f}: ${PRESET_NAMES.filter((n) => presetFamily(n) === f).join(', ')}`).join('\n')}
Custom flags without a preset start from resnext50_32x4d (with --cifar, from resnext29_8x64d; with --block basic, from
resnet18). --block basic
makes two-3x3 blocks (ResNet-18/34; groups 1), --block selective-kernel timm's SK bottleneck; --attn se (or --se)
adds timm's Squeeze-and-Excitation, --attn eca its Efficient Channel Attention; --stem deep timm's three-conv stem,
--stem tiered its deep_tiered one, --stem-width N their width (timm stem_width; default base width / 2); --avg-down
timm's average-pool shortcut; --cifar the CIFAR ResNeXt-29 layout (3x3 stem, three stages, 32x32 input, 10 classes).
--threads N (every command that runs the network): the engine's threads, 1–8; default: the available cores.
--engine auto|onnxruntime|wasm (classify, evaluate, profile): what runs the weights; auto: onnxruntime where it loads.
Exit codes: 0 success, 2 bad input or usage, 1 internal error.
`;

async function presetsCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse('presets', args, { format: { type: 'string' } });
  if (values.help) return void process.stdout.write(USAGE);
  if (positionals.length > 0) throw new UsageError(`presets takes no arguments, got '${positionals.join(' ')}'`);
  const format = parseChoice('format', values.format as string | undefined, ['table', 'json'] as const, 'table');
  const catalog = presetCatalog();
  if (format === 'json') {
    const presets = catalog.map((p) => ({
      name: p.name,
      family: p.family,
      aliases: p.aliases,
      config: summaryConfig(p.config),
      params: p.totals.params,
      macs: p.totals.macs,
    }));
    const families = FAMILIES.map((name) => ({
      name,
      description: FAMILY_DESCRIPTIONS[name],
      presets: catalog.filter((p) => p.family === name).map((p) => p.name),
    }));
    return void process.stdout.write(JSON.stringify({ schema: 'resnext-inspector/presets@1', presets, families }, null, 2) + '\n');
  }
  type Entry = (typeof catalog)[number];
  const columns: TableColumn<Entry>[] = [
    // By family: the family's name on its first preset only.
    leftColumn('Family', (p) => (catalog[catalog.indexOf(p) - 1]?.family === p.family ? '' : p.family)),
    leftColumn('Preset', (p) => p.name),
    ...shapeColumns((p: Entry) => p.config),
    ...sizeColumns((p: Entry) => p.totals),
  ];
  process.stdout.write(ruledTable(columns, catalog));
}

async function summarizeCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse('summarize', args, {
    ...CONFIG_OPTIONS,
    ...OUTPUT_OPTIONS,
    weights: { type: 'string' },
    'state-dict': { type: 'string' },
    ...COUNT_OPTIONS,
    ...PYTHON_OPTIONS,
  });
  if (values.help) return void process.stdout.write(USAGE);
  const counting = countOptions(values);
  const report = (summary: Summary): string => {
    const counted = countSummary(summary, counting);
    const text = formatSummary(counted, format);
    return counted.counts && (format === 'table' || format === 'markdown') ? text + '\n' + countsTable(counted.counts, counting.flops) : text;
  };
  if (positionals.length > 1) throw new UsageError(`summarize takes one preset, got ${positionals.length}: ${positionals.join(' ')}`);
  const { format, out } = formatAndOut(values, SUMMARY_FORMATS);
  if (wantsClass(values)) return emit(formatSummary(classSummaryFromArgs(values), format), out);
  const weightsPath = values.weights as string | undefined;
  if (weightsPath === undefined && values['state-dict'] !== undefined)
    throw new UsageError('--state-dict chooses a state dict in --weights FILE; give --weights too');
  if (weightsPath === undefined) {
    if (positionals.length === 0 && !hasConfigFlags(values) && values.input === undefined) {
      throw new UsageError(`summarize needs a preset (${PRESET_NAMES.join(', ')}), custom flags, or --weights FILE`);
    }
    const { model, config } = resolveConfig(positionals[0], configOverrides(values));
    emit(report(await summarize(config, { model })), out);
    return;
  }
  // The checkpoint says the architecture unless a preset or flags name one (then the weights are checked against it).
  const weights = readWeightsFile(weightsPath, { stateDictKey: values['state-dict'] as string | undefined });
  const { stateDict } = weights;
  const resolved = configForWeights(stateDict, weightsPath, positionals[0], configOverrides(values), hasConfigFlags(values), weights.choice);
  const summary = await summarize(resolved.config, { model: resolved.model, stateDict, weightsSource: describeWeights(weightsPath, weights) });
  emit(report(summary), out);
}

const COMMANDS: Record<string, (args: string[]) => Promise<void>> = {
  presets: presetsCommand,
  summarize: summarizeCommand,
  classify: classifyCommand,
  compare: compareCommand,
  equivalence: equivalenceCommand,
  profile: profileCommand,
  scan: scanCommand,
  evaluate: evaluateCommand,
  inspect: inspectCommand,
  convert: convertCommand,
  diff: diffCommand,
  check: checkCommand,
  export: exportCommand,
  graph: graphCommand,
};

/**
 * Takes `--NAME VALUE` / `--NAME=VALUE` out of the arguments (before `--`), checked by `accept`; the last one wins.
 * For the options every command that runs the network takes (--threads, --engine), before the command parses its own.
 */
function takeGlobalOption<T>(args: readonly string[], name: string, accept: (text: string | undefined) => T): { value: T | undefined; args: string[] } {
  const rest: string[] = [];
  let value: T | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      rest.push(...args.slice(i));
      break;
    }
    const inline = arg.startsWith(`--${name}=`) ? arg.slice(`--${name}=`.length) : undefined;
    if (arg !== `--${name}` && inline === undefined) {
      rest.push(arg);
      continue;
    }
    value = accept(inline ?? args[++i]);
  }
  return { value, args: rest };
}

const given = (text: string | undefined): string => (text === undefined ? 'nothing' : `'${text}'`);

/**
 * `--threads N` (any command that runs the network): the engine's thread count, 1–8; 0 or absent: the available
 * cores. Taken out of the arguments before the command parses its own.
 */
export function takeThreadsOption(args: readonly string[]): { threads: number | undefined; args: string[] } {
  const { value, args: rest } = takeGlobalOption(args, 'threads', (text) => {
    if (text === undefined || !/^\d+$/.test(text) || Number(text) > MAX_THREADS) {
      throw new UsageError(`--threads must be a whole number from 0 to ${MAX_THREADS} (0: all available cores), got ${given(text)}`);
    }
    return Number(text);
  });
  return { threads: value, args: rest };
}

/** `--engine auto|onnxruntime|wasm`: what runs the weights (engines/index.ts), taken out like --threads. */
export function takeEngineOption(args: readonly string[]): { engine: EngineChoice | undefined; args: string[] } {
  const { value, args: rest } = takeGlobalOption(args, 'engine', (text): EngineChoice => {
    if (text === undefined || !isEngineChoice(text)) throw new UsageError(`--engine must be one of ${ENGINE_CHOICES.join(', ')}, got ${given(text)}`);
    return text;
  });
  return { engine: value, args: rest };
}

export async function main(argv: string[]): Promise<number> {
  // TurboFan-compile TF.js's wasm up front: the first forward pass otherwise runs baseline (Liftoff) code at about
  // half speed while the optimising tier catches up (see bench). Must happen before the backend compiles the module.
  v8.setFlagsFromString('--no-liftoff');
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    }
    const run = COMMANDS[command];
    if (!run) throw new UsageError(`unknown command '${command}'; accepted: ${Object.keys(COMMANDS).join(', ')} (see 'resnext --help')`);
    const { threads, args: withEngine } = takeThreadsOption(rest);
    setThreads(threads);
    const { engine, args } = takeEngineOption(withEngine);
    setEngine(engine);
    await run(args);
    return 0;
  } catch (error) {
    return exitCodeFor(error);
  }
}
