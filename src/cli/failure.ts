/** The exit code of a failed command, with its one-line message on stderr (DESIGN §4): 2 for the user's input, 1 for a bug. */
import { ConfigError, isInputError } from '../model/errors';
import { FLAG_FIELD_NAMES } from './args';

export function exitCodeFor(error: unknown): number {
  if (isInputError(error)) {
    process.stderr.write(`resnext: ${error instanceof ConfigError ? error.worded(FLAG_FIELD_NAMES) : error.message}\n`);
    return process.exitCode === 130 ? 130 : 2; // 130: interrupted (Ctrl-C) during a download or an evaluation
  }
  const detail = error instanceof Error ? (process.env.RESNEXT_DEBUG ? error.stack : error.message) : String(error);
  process.stderr.write(
    `resnext: internal error: ${detail}\nThis is a bug; please report it with the command line (set RESNEXT_DEBUG=1 for the stack trace).\n`,
  );
  return 1;
}
