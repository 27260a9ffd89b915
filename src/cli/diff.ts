/**
 * `resnext diff A B [--state-dict KEY] [--state-dict-b KEY] [--format table|json] [--out FILE]`: two checkpoints
 * compared tensor by tensor, streaming (src/model/weights/diff.ts; schema resnext-inspector/diff@1).
 */
import { diffCheckpoints } from '../model/weights/diff';
import { DIFF_FORMATS, formatDiff } from '../model/weights/diffText';
import { parse, UsageError } from './args';
import { emit, formatAndOut } from './output';

export const DIFF_SYNOPSIS = `  resnext diff A B [--state-dict KEY] [--state-dict-b KEY] [--format table|json] [--out FILE]
`;

const USAGE = `Usage:
${DIFF_SYNOPSIS}
Compares two checkpoints tensor by tensor under torchvision's names (each file's prefix such as 'module.' stripped):
same (bit-identical), changed, added (only in B), removed (only in A) or reshaped, with ‖B−A‖₂, ‖B−A‖₂/‖A‖₂, max |B−A|
and the cosine, in float64 whatever the dtypes. The table lists each leaf module's parameters (not BatchNorm's
running statistics) in network order with a bar of their relative change, then the keys that could not be compared.
Reads one tensor of each file at a time. --state-dict chooses the state dict in both files (--state-dict-b in B).
`;

export async function diffCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse('diff', args, {
    format: { type: 'string' },
    out: { type: 'string' },
    'state-dict': { type: 'string' },
    'state-dict-b': { type: 'string' },
  });
  if (values.help) return void process.stdout.write(USAGE);
  if (positionals.length !== 2) {
    throw new UsageError(`diff takes two checkpoint files (A B), got ${positionals.length}${positionals.length ? `: ${positionals.join(' ')}` : ''}`);
  }
  const { format, out } = formatAndOut(values, DIFF_FORMATS);
  const [a, b] = positionals as [string, string];
  const diff = diffCheckpoints(a, b, {
    ...(typeof values['state-dict'] === 'string' && { stateDictKey: values['state-dict'] }),
    ...(typeof values['state-dict-b'] === 'string' && { stateDictKeyB: values['state-dict-b'] }),
  });
  emit(formatDiff(diff, format), out);
}
