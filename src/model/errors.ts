/**
 * Errors that are the user's to fix (a bad flag, an invalid configuration, a malformed file). Their message is
 * meant to be shown as is: it says what was wrong and what is accepted. Anything else that escapes the core is a bug.
 * (netron's split: "invalid file" errors are the user's, everything else is reported as a bug.)
 */
export class InputError extends Error {
  override readonly name: string = 'InputError';
}

/** An invalid network configuration (preset name, layers, groups, widths, classes, input size). */
export class ConfigError extends InputError {
  override readonly name = 'ConfigError';
}

/** A weights file that cannot be read or does not fit the network. */
export class WeightsError extends InputError {
  override readonly name = 'WeightsError';
}

export function isInputError(error: unknown): error is InputError {
  return error instanceof InputError;
}
