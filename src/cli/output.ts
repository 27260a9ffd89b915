/** Writing results: stdout, or `--out FILE` written atomically (temporary file in the same folder, then rename). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseChoice, UsageError } from './args';

/** Fails early (before any work) when --out cannot be written: missing folder, a folder given, no permission. */
export function checkWritable(file: string, flag = '--out'): void {
  const target = path.resolve(file);
  const dir = path.dirname(target);
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(target);
  } catch {
    // does not exist yet: fine
  }
  if (stat?.isDirectory()) throw new UsageError(`${flag} ${file} is a folder; give a file path such as ${path.join(file, 'summary.md')}`);
  try {
    if (!fs.statSync(dir).isDirectory()) throw new Error('not a folder');
    fs.accessSync(dir, fs.constants.W_OK);
    if (stat) fs.accessSync(target, fs.constants.W_OK);
  } catch {
    throw new UsageError(
      `${flag} ${file} cannot be written: ${fs.existsSync(dir) ? 'no write permission' : `the folder ${dir} does not exist`}; give a writable file path`,
    );
  }
}

/** --format (one of `formats`, `table` by default) and --out, which fails here, before any work, when it cannot be written. */
export function formatAndOut<F extends string>(
  values: Record<string, string | boolean | undefined>,
  formats: readonly ('table' | F)[],
): { format: 'table' | F; out: string | undefined } {
  const format = parseChoice('format', values.format as string | undefined, formats, 'table');
  const out = values.out as string | undefined;
  if (out !== undefined) checkWritable(out);
  return { format, out };
}

export function writeAtomically(file: string, text: string | Uint8Array, flag = '--out'): void {
  const target = path.resolve(file);
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(temp, text, { flag: 'wx' });
    fs.renameSync(temp, target);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw new UsageError(`${flag} ${file} cannot be written: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

export function emit(text: string, out: string | undefined): void {
  if (out === undefined) {
    process.stdout.write(text);
  } else {
    writeAtomically(out, text);
    process.stderr.write(`wrote ${out} (${Buffer.byteLength(text)} bytes)\n`);
  }
}
