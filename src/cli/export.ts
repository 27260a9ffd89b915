/** `resnext export <preset | custom flags | --weights FILE [--state-dict KEY]> --out model.onnx [--opset N] [--dynamic-batch] [--input HxW]` */
import { resolveConfig } from '../model/architecture';
import { exportOnnx, writeOnnxFile } from '../model/engines/export';
import { DEFAULT_OPSET, MAX_OPSET, MIN_OPSET } from '../model/engines/onnx';
import { describeWeights, readWeightsFile } from '../model/weights/load';
import { configForWeights } from '../model/weights/resolve';
import { CONFIG_OPTIONS, configOverrides, hasConfigFlags, parse, parseWholeNumber, UsageError } from './args';
import { checkWritable } from './output';

export const EXPORT_SYNOPSIS = `  resnext export <preset | custom flags | --weights FILE [--state-dict KEY]> --out model.onnx [--opset N]
                 [--dynamic-batch] [--input HxW]
                 (the network as ONNX, BatchNorm folded; without --weights: seeded random weights, with a warning)
`;

export async function exportCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse('export', args, {
    ...CONFIG_OPTIONS,
    weights: { type: 'string' },
    'state-dict': { type: 'string' },
    out: { type: 'string' },
    opset: { type: 'string' },
    'dynamic-batch': { type: 'boolean' },
  });
  if (values.help) return void process.stdout.write(EXPORT_SYNOPSIS);
  if (positionals.length > 1) throw new UsageError(`export takes one preset, got ${positionals.length}: ${positionals.join(' ')}`);
  const out = values.out as string | undefined;
  if (out === undefined) throw new UsageError('export needs --out FILE.onnx (where to write the model)');
  checkWritable(out);
  const opset = values.opset === undefined ? DEFAULT_OPSET : parseWholeNumber('opset', values.opset as string, { min: MIN_OPSET, max: MAX_OPSET });
  const dynamicBatch = values['dynamic-batch'] === true;
  const weightsPath = values.weights as string | undefined;
  let bytes: Uint8Array;
  let what: string;
  if (weightsPath === undefined) {
    if (values['state-dict'] !== undefined) throw new UsageError('--state-dict chooses a state dict in --weights FILE; give --weights too');
    if (positionals.length === 0 && !hasConfigFlags(values) && values.input === undefined) {
      throw new UsageError('export needs a preset (e.g. resnext50_32x4d), custom flags, or --weights FILE');
    }
    const { model, config } = resolveConfig(positionals[0], configOverrides(values));
    process.stderr.write(`warning: no --weights given: ${model} is exported with seeded random weights (torchvision's init, seed 0), not trained ones\n`);
    bytes = exportOnnx(config, { opset, dynamicBatch });
    what = `${model}, random weights`;
  } else {
    const weights = readWeightsFile(weightsPath, { stateDictKey: values['state-dict'] as string | undefined });
    const source = describeWeights(weightsPath, weights);
    const { model, config } = configForWeights(weights.stateDict, weightsPath, positionals[0], configOverrides(values), hasConfigFlags(values), weights.choice);
    bytes = exportOnnx(config, { stateDict: weights.stateDict, source, opset, dynamicBatch });
    what = `${model}, weights ${source}`;
  }
  writeOnnxFile(out, bytes);
  process.stderr.write(`wrote ${out} (${what}; opset ${opset}${dynamicBatch ? ', dynamic batch' : ''}; ${(bytes.length / 1e6).toFixed(1)} MB)\n`);
}
