/** The `resnext.readClass` arguments of a summary read from the user's code (its Graph button). No vscode. */
import type { ReadFrom } from '../shared/data';
import type { ReadClassArgs } from '../shared/protocol';
import { pathToFileURL } from 'node:url';

export function readClassArgs(r: ReadFrom, action: ReadClassArgs['action']): ReadClassArgs {
  return { action, uri: pathToFileURL(r.at.file).toString(), ...(r.at.cell !== undefined ? { cell: r.at.cell } : {}), line: r.at.line, className: r.className };
}
