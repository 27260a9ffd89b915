/**
 * `resnext convert IN OUT.safetensors [--dtype float32|float16|bfloat16] [--state-dict KEY]`: the checkpoint's state
 * dict under torchvision's names as a safetensors file, written atomically (src/model/weights/convert.ts).
 */
import { convertToSafetensors, CONVERT_DTYPES } from '../model/weights/convert';
import { parse, parseChoice, UsageError } from './args';

export const CONVERT_SYNOPSIS = `  resnext convert IN OUT.safetensors [--dtype float32|float16|bfloat16] [--state-dict KEY]
`;

const USAGE = `Usage:
${CONVERT_SYNOPSIS}
Writes the state dict of any checkpoint 'resnext inspect' reads as a safetensors file with torchvision's names (the
prefix stripped) and metadata (source file, source format, architecture), in float32 (default, bit-exact), float16 or
bfloat16 (rounded to nearest even). The architecture is checked first; the file is written atomically.
`;

export async function convertCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse('convert', args, { dtype: { type: 'string' }, 'state-dict': { type: 'string' } });
  if (values.help) return void process.stdout.write(USAGE);
  if (positionals.length !== 2) throw new UsageError(`convert takes an input and an output file (IN OUT.safetensors), got ${positionals.length}`);
  const dtype = parseChoice('dtype', values.dtype as string | undefined, CONVERT_DTYPES, 'float32');
  const [input, output] = positionals as [string, string];
  const result = convertToSafetensors(input, output, { dtype, stateDictKey: values['state-dict'] as string | undefined });
  process.stderr.write(
    `wrote ${result.output} (${result.tensors} tensors, ${result.dtype}, ${result.sizeBytes} bytes): ${result.model} from ${result.source}\n`,
  );
}
