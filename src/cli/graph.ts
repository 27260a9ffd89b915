/**
 * `resnext graph`: the architecture graph (issue 19; src/model/graph) of a preset, custom flags or a checkpoint, as
 * graph@1 JSON, Mermaid, DOT or a standalone SVG, at stage, block or layer depth.
 */
import { resolveConfig } from '../model/architecture';
import { PRESET_NAMES } from '../model/config';
import { readWeightsFile } from '../model/weights/load';
import { configForWeights } from '../model/weights/resolve';
import { architectureGraph } from '../model/graph';
import { collapseGraph, GRAPH_DEPTHS, type GraphDepth } from '../model/graph/depth';
import { GRAPH_FORMATS, formatGraph } from '../model/graph/formats';
import { CONFIG_OPTIONS, configOverrides, hasConfigFlags, parse, parseChoice, UsageError } from './args';
import { checkWritable, emit } from './output';
import { classGraphFromArgs, PYTHON_OPTIONS, PYTHON_SYNOPSIS, wantsClass } from './classSource';

export const GRAPH_SYNOPSIS = `  resnext graph <preset | custom flags | --weights FILE [--state-dict KEY]> [--input HxW]
                [--format json|mermaid|dot|svg] [--depth stage|block|layer] [--out FILE]
${PYTHON_SYNOPSIS('graph')}`;

const USAGE = `Usage:
${GRAPH_SYNOPSIS}
The network's graph, built from the summary's trace: one node per module call (torchvision/timm names, the k-th
repeated call of a module as NAME#k), the residual additions and the other functional ops torch.fx keeps, the
containers (stages, blocks, downsample, SE) and the data flow with each tensor's shape (schema
resnext-inspector/graph@1). --depth block (Mermaid, DOT, SVG default) shows each Bottleneck as one node, --depth
stage each stage; JSON defaults to layer depth (everything).
`;

export async function graphCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse('graph', args, {
    ...CONFIG_OPTIONS,
    format: { type: 'string' },
    depth: { type: 'string' },
    out: { type: 'string' },
    weights: { type: 'string' },
    'state-dict': { type: 'string' },
    ...PYTHON_OPTIONS,
  });
  if (values.help) return void process.stdout.write(USAGE);
  if (positionals.length > 1) throw new UsageError(`graph takes one preset, got ${positionals.length}: ${positionals.join(' ')}`);
  const format = parseChoice('format', values.format as string | undefined, GRAPH_FORMATS, 'json');
  const depth: GraphDepth = parseChoice('depth', values.depth as string | undefined, GRAPH_DEPTHS, format === 'json' ? 'layer' : 'block');
  const out = values.out as string | undefined;
  if (out !== undefined) checkWritable(out);
  if (wantsClass(values)) return emit(formatGraph(collapseGraph(classGraphFromArgs(values), depth), format), out);
  const weightsPath = values.weights as string | undefined;
  if (weightsPath === undefined && values['state-dict'] !== undefined)
    throw new UsageError('--state-dict chooses a state dict in --weights FILE; give --weights too');
  let resolved: { model: string; config: Parameters<typeof architectureGraph>[0] };
  if (weightsPath === undefined) {
    if (positionals.length === 0 && !hasConfigFlags(values) && values.input === undefined) {
      throw new UsageError(`graph needs a preset (${PRESET_NAMES.join(', ')}), custom flags, or --weights FILE`);
    }
    resolved = resolveConfig(positionals[0], configOverrides(values));
  } else {
    const weights = readWeightsFile(weightsPath, { stateDictKey: values['state-dict'] as string | undefined });
    resolved = configForWeights(weights.stateDict, weightsPath, positionals[0], configOverrides(values), hasConfigFlags(values), weights.choice);
  }
  const graph = collapseGraph(architectureGraph(resolved.config, resolved.model), depth);
  emit(formatGraph(graph, format), out);
}
