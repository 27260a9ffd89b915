/** The `--format json` text of every report: two-space indented, one final newline. */
export const jsonText = (value: unknown): string => JSON.stringify(value, null, 2) + '\n';
