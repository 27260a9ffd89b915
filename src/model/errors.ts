/**
 * Errors that are the user's to fix (a bad flag, an invalid configuration, a malformed file). Their message is
 * meant to be shown as is: it says what was wrong and what is accepted. Anything else that escapes the core is a bug.
 * (netron's split: "invalid file" errors are the user's, everything else is reported as a bug.)
 */
export class InputError extends Error {
  override readonly name: string = 'InputError';
}

/** The configuration fields an error can name; each front end names them its own way (a flag, a key, an input box). */
export const CONFIG_FIELDS = [
  'layers',
  'groups',
  'widthPerGroup',
  'baseWidth',
  'numClasses',
  'input',
  'se',
  'stem',
  'avgDown',
  'cifar',
  'block',
  'eca',
  'stemWidth',
] as const;
export type ConfigField = (typeof CONFIG_FIELDS)[number];
export type FieldNames = Readonly<Record<ConfigField, string>>;

/** The fields in plain words: the default wording of a ConfigError's message. */
export const PLAIN_FIELD_NAMES: FieldNames = {
  layers: 'layers',
  groups: 'groups',
  widthPerGroup: 'width per group',
  baseWidth: 'base width',
  numClasses: 'num classes',
  input: 'input size',
  se: 'SE',
  stem: 'stem',
  avgDown: 'avg-down',
  cifar: 'the CIFAR layout',
  block: 'block',
  eca: 'ECA',
  stemWidth: 'stem width',
};

const wordFields = (template: string, names: FieldNames): string =>
  template.replace(/\{(\w+)\}/g, (whole, field: string) => ((CONFIG_FIELDS as readonly string[]).includes(field) ? names[field as ConfigField] : whole));

/**
 * An invalid network configuration (preset name, layers, groups, widths, classes, input size). Its `template` names
 * fields as `{widthPerGroup}`; `message` words them plainly and `worded(names)` as a front end calls them, so the
 * core never words a hint for one front end ("raise --width-per-group") that the others must rewrite.
 */
export class ConfigError extends InputError {
  override readonly name = 'ConfigError';
  readonly template: string;
  constructor(template: string) {
    super(wordFields(template, PLAIN_FIELD_NAMES));
    this.template = template;
  }

  worded(names: FieldNames): string {
    return wordFields(this.template, names);
  }
}

/** A weights file that cannot be read or does not fit the network. */
export class WeightsError extends InputError {
  override readonly name = 'WeightsError';
}

export function isInputError(error: unknown): error is InputError {
  return error instanceof InputError;
}

/** Why reading a file or a folder failed, in the user's words (the end of "cannot read the image X: …"). */
export function unreadableReason(error: unknown, expected: 'file' | 'folder'): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return expected === 'file' ? 'there is no file at this path' : 'there is no such folder';
  if (code === 'EISDIR') return 'it is a directory, not a file';
  if (code === 'ENOTDIR') return 'it is a file, not a folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return code ?? (error instanceof Error ? error.message : String(error));
}
