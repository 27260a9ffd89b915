/**
 * `resnext inspect FILE [--format table|json] [--state-dict KEY]`: what a weights file holds, read without running
 * anything and without reading tensor data (src/model/weights/inspect.ts; schema resnext-inspector/inspect@1).
 */
import { inspectWeights, formatInspection, INSPECT_FORMATS } from '../model/weights/inspect';
import { readWeightsBytes } from '../model/weights/load';
import { parse, UsageError } from './args';
import { formatAndOut, emit } from './output';

export const INSPECT_SYNOPSIS = `  resnext inspect FILE [--format table|json] [--state-dict KEY] [--out FILE]
`;

const USAGE = `Usage:
${INSPECT_SYNOPSIS}
Shows what a checkpoint holds without running it: the container format, every global its pickle names (allowed, or
recorded and not run), the key tree down to each tensor (shape, dtype, bytes), the state-dict candidates and the one
chosen (--state-dict KEY chooses another), the prefix stripped and the architecture inferred from the shapes.
Reads .pth, .pt, .pth.tar, .tar, .ckpt, .bin (PyTorch zip, legacy, TorchScript) and .safetensors files.
`;

export async function inspectCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse('inspect', args, { format: { type: 'string' }, 'state-dict': { type: 'string' }, out: { type: 'string' } });
  if (values.help) return void process.stdout.write(USAGE);
  if (positionals.length !== 1)
    throw new UsageError(`inspect takes one file, got ${positionals.length}${positionals.length ? `: ${positionals.join(' ')}` : ''}`);
  const { format, out } = formatAndOut(values, INSPECT_FORMATS);
  const file = positionals[0]!;
  const inspection = inspectWeights(readWeightsBytes(file), file, { stateDictKey: values['state-dict'] as string | undefined });
  emit(formatInspection(inspection, format), out);
}
