/**
 * `resnext evaluate --merge a.json b.json … [--format json|csv] [--out FILE]`: the shards of one
 * `resnext evaluate DIR --shard K/N --format json` run merged into the result of one run (src/model/evaluateShard.ts).
 */
import * as fs from 'node:fs';
import { unreadableReason } from '../model/errors';
import { evaluationCsv } from '../model/evaluate';
import { mergeEvaluations } from '../model/evaluateShard';
import { parse, parseChoice, UsageError } from './args';
import { checkWritable, emit } from './output';

export const EVALUATE_MERGE_USAGE = `  resnext evaluate --merge SHARD.json… [--format json|csv] [--out FILE]
                   (the outputs of evaluate DIR --shard K/N --format json, all N of one run: one run's JSON, or its per-class CSV)
`;

export function evaluateMergeCommand(args: string[]): void {
  const { values, positionals } = parse('evaluate', args, { merge: { type: 'boolean' }, format: { type: 'string' }, out: { type: 'string' } });
  if (values.help) return void process.stdout.write(EVALUATE_MERGE_USAGE);
  const format = parseChoice('format', values.format as string | undefined, ['json', 'csv'] as const, 'json');
  const out = values.out as string | undefined;
  if (out !== undefined) checkWritable(out);
  if (positionals.length === 0)
    throw new UsageError('evaluate --merge takes the shards’ JSON files, e.g. resnext evaluate --merge shard-*.json --out eval.json');
  const inputs = positionals.map((file) => {
    try {
      return { source: file, text: fs.readFileSync(file, 'utf8') };
    } catch (error) {
      throw new UsageError(`cannot read ${file}: ${unreadableReason(error, 'file')}`);
    }
  });
  const json = mergeEvaluations(inputs);
  const shards = positionals.length;
  process.stderr.write(`evaluate --merge: ${shards} shard${shards === 1 ? '' : 's'}, ${json.count} images classified, ${json.failed.length} failed\n`);
  const text =
    format === 'json'
      ? JSON.stringify(json, null, 2) + '\n'
      : evaluationCsv({ json, model: '', title: '', weights: '', root: '', labels: [], fileMs: [], thumbnails: [], workers: 0, elapsedMs: 0 });
  emit(text, out);
}
