/**
 * The words of an internal error (vscode-free, unit-tested). A bug is told in the user's terms: which of their
 * actions could not finish and which part of the extension stopped; the error's own text (TF.js internals, stack
 * traces) goes to the log and the issue report, never into the notification.
 */

/** What the notification offers for a bug. */
export const INTERNAL_ACTIONS = ['Show Log', 'Report Issue'] as const;

/** The part of the extension that failed, as a user knows it: the engine that runs the networks (the TF.js worker), or the rest. */
export type FailedPart = 'engine' | 'extension';

/** "Classifying cat.png could not finish: the model engine stopped unexpectedly. …" */
export function internalErrorText(what: string, part: FailedPart): string {
  const stopped = part === 'engine' ? 'the model engine stopped unexpectedly' : 'ResNeXt Inspector stopped unexpectedly';
  return `${what} could not finish: ${stopped}. This is a bug in ResNeXt Inspector, not a problem with your input; the log has the details.`;
}

export interface IssueEnvironment {
  readonly extensionVersion: string;
  readonly vscodeVersion: string;
  readonly platform: string;
  readonly node: string;
}

/** The body of an issue report: what the user did, the error with its stack, where it ran. */
export function issueBody(what: string, detail: string, env: IssueEnvironment): string {
  return [
    `**What failed**: ${what}`,
    '',
    '```',
    detail,
    '```',
    '',
    `ResNeXt Inspector ${env.extensionVersion}, VS Code ${env.vscodeVersion}, ${env.platform}, Node ${env.node}`,
  ].join('\n');
}
