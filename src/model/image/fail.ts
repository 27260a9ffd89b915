/** The image decoders' one way to refuse a file. */
import { InputError } from '../errors';

/** An InputError that names the file first: `<source>: <what>`. */
export function fail(source: string, what: string): never {
  throw new InputError(`${source}: ${what}`);
}
