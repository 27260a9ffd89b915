/**
 * A safe unpickler for PyTorch checkpoints. It interprets the pickle opcodes that `torch.save` emits (protocols 0–5,
 * CPython's Lib/pickletools.py documents each one) but never imports, calls or evaluates anything. What an allow-list
 * of globals admits is interpreted here as data:
 *  - `collections.OrderedDict` → a dict (its BUILD state, torch's `_metadata`, is kept aside and ignored);
 *  - `torch._utils._rebuild_tensor_v2` / `_rebuild_tensor` / `_rebuild_parameter[_with_state]` → a TensorRef, a
 *    description (storage, offset, size, stride) that pth.ts turns into numbers once the storages are known;
 *  - `torch.<T>Storage` → a storage type, used only inside persistent ids;
 *  - persistent ids `('storage', storage_type, key, location, numel[, view_metadata])` → a StorageRef.
 * Any other global becomes an inert record of its name (`PyGlobal` with `allowed: false`), and REDUCE / NEWOBJ /
 * NEWOBJ_EX / OBJ / INST on it (or on any record) give an inert `PyObject` that holds the arguments; BUILD stores the
 * state in it, APPEND/SETITEM its items. So `torch.save(model)`, TorchScript's `data.pkl`, an `argparse.Namespace` in a
 * timm checkpoint or `os.system('…')` in a hostile file all parse to plain data that find.ts walks for tensors and
 * inspect.ts shows; nothing named in the file is ever looked up, let alone run. Tensors come only from the allow-listed
 * torch rebuild functions.
 *
 * Everything is bounded by the input: each opcode consumes at least one byte and pushes at most one value, lengths are
 * checked against the bytes that remain before anything is allocated, and the stack, mark stack and memo have caps,
 * so random bytes end in a WeightsError quickly.
 */
import { WeightsError } from '../errors';

/** Element types of torch storages, in the file's little-endian byte order. */
export type StorageDtype = 'float32' | 'float16' | 'bfloat16' | 'float64' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

export const STORAGE_ELEMENT_SIZES: Record<StorageDtype, number> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

/** torch's legacy typed-storage classes (torch/storage.py), the names that persistent ids carry. */
export const STORAGE_TYPES: Readonly<Record<string, StorageDtype>> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

/** The functions this unpickler interprets (never calls). */
const REBUILD_FUNCTIONS = ['_rebuild_tensor_v2', '_rebuild_tensor', '_rebuild_parameter', '_rebuild_parameter_with_state'] as const;
type RebuildFunction = (typeof REBUILD_FUNCTIONS)[number];

export const ALLOWED_GLOBALS: readonly string[] = [
  'collections.OrderedDict',
  ...REBUILD_FUNCTIONS.map((name) => `torch._utils.${name}`),
  ...Object.keys(STORAGE_TYPES).map((name) => `torch.${name}`),
];

export interface PyList {
  readonly kind: 'list';
  readonly items: PickleValue[];
}
export interface PyTuple {
  readonly kind: 'tuple';
  readonly items: readonly PickleValue[];
}
/** A set or frozenset: kept only so that pickles holding one parse; never interpreted. */
export interface PySet {
  readonly kind: 'set';
  readonly items: PickleValue[];
}
export interface PyDict {
  readonly kind: 'dict';
  /** Insertion order is preserved (Map), as in Python 3.7+ dicts and OrderedDict. */
  readonly entries: Map<PickleValue, PickleValue>;
}
/** A global the pickle names: interpreted when allow-listed, else only recorded (never imported). */
export interface PyGlobal {
  readonly kind: 'global';
  readonly module: string;
  readonly name: string;
  readonly allowed: boolean;
}
/**
 * An inert record of what Python would have built by calling `callable` (REDUCE, NEWOBJ, NEWOBJ_EX, OBJ, INST): the
 * arguments as data, the BUILD state, and the items APPEND/SETITEM would have added. Nothing is called.
 */
export interface PyObject {
  readonly kind: 'object';
  readonly callable: PyGlobal | PyObject;
  readonly args: readonly PickleValue[];
  readonly kwargs?: PickleValue;
  readonly opcode: 'REDUCE' | 'NEWOBJ' | 'NEWOBJ_EX' | 'OBJ' | 'INST';
  /** BUILD's argument (a module's `__dict__`, a Namespace's attributes); the last one when BUILD runs twice. */
  state?: PickleValue;
  readonly listItems: PickleValue[];
  readonly dictItems: Map<PickleValue, PickleValue>;
}
export interface StorageRef {
  readonly kind: 'storage';
  /** `data/<key>` in a zip checkpoint; the key in the legacy format's storage list. */
  readonly key: string;
  readonly dtype: StorageDtype;
  /** e.g. `torch.FloatStorage`, for messages. */
  readonly storageType: string;
  /** Elements in the stored (root) storage. */
  readonly numel: number;
  /** Legacy view storages (pre-1.0 files): the part of the root storage this reference covers, in elements. */
  readonly viewOffsetElements: number;
  readonly viewNumel: number;
}
export interface TensorRef {
  readonly kind: 'tensor';
  readonly storage: StorageRef;
  readonly storageOffsetElements: number;
  readonly size: readonly number[];
  readonly stride: readonly number[];
}
export type PickleValue =
  null | boolean | number | bigint | string | Uint8Array | PyList | PyTuple | PySet | PyDict | PyGlobal | PyObject | StorageRef | TensorRef;

export interface UnpickleResult {
  readonly value: PickleValue;
  /** Every global the pickle names ("module.name"), in first-seen order, and whether it is on the allow-list. */
  readonly globals: ReadonlyMap<string, boolean>;
  /** Offset just after the STOP opcode (the legacy format has several pickles back to back). */
  readonly endOffset: number;
}

/** Caps well above anything torch writes (a ResNeXt-101 state dict needs ~10k memo entries and a stack of a few dozen). */
const MAX_STACK_ITEMS = 1_000_000;
const MAX_MARK_DEPTH = 1_000;
const MAX_MEMO_ENTRIES = 1_000_000;
/** Records (globals and objects) per pickle: a whole ResNeXt-101 module pickle makes ~3k; TorchScript about as many. */
export const MAX_RECORDS = 200_000;
/** GLOBAL's text lines and the protocol-0 text opcodes (names, decimal numbers) are short; 1 KiB is generous. */
const MAX_LINE_BYTES = 1024;
/** LONG4 integers larger than this are refused (torch never writes integers wider than 64 bits). */
const MAX_LONG_BYTES = 256;
const HIGHEST_PROTOCOL = 5;

type ValueKind = 'None' | 'bool' | 'int' | 'float' | 'str' | 'bytes' | PickleObjectKind;
type PickleObjectKind = Exclude<PickleValue, null | boolean | number | bigint | string | Uint8Array>['kind'];

export function pickleObjectKind(value: PickleValue): PickleObjectKind | undefined {
  return value !== null && typeof value === 'object' && !(value instanceof Uint8Array) ? value.kind : undefined;
}

/**
 * Every container, record, tensor and storage reachable from `root` (dict keys, records' arguments, state and items
 * included), each once, without recursion: unpickled values may be cyclic and arbitrarily deep.
 */
export function* everyObject(root: PickleValue): Generator<Exclude<PickleValue, null | boolean | number | bigint | string | Uint8Array>> {
  const seen = new Set<PickleValue>();
  const pending: PickleValue[] = [root];
  while (pending.length > 0) {
    const value = pending.pop()!;
    const kind = pickleObjectKind(value);
    if (kind === undefined || seen.has(value)) continue;
    seen.add(value);
    const object = value as Exclude<PickleValue, null | boolean | number | bigint | string | Uint8Array>;
    yield object;
    if (object.kind === 'dict') {
      for (const [k, v] of object.entries) pending.push(k, v);
    } else if (object.kind === 'list' || object.kind === 'tuple' || object.kind === 'set') {
      for (const item of object.items) pending.push(item);
    } else if (object.kind === 'object') {
      for (const item of object.args) pending.push(item);
      for (const item of object.listItems) pending.push(item);
      for (const [k, v] of object.dictItems) pending.push(k, v);
      if (object.state !== undefined) pending.push(object.state);
      if (object.kwargs !== undefined) pending.push(object.kwargs);
    }
  }
}

/** "module.name" of a record's class (or of the record it was called on), for messages and the inspector. */
export function recordClassName(value: PyGlobal | PyObject): string {
  let callable: PyGlobal | PyObject = value;
  for (let depth = 0; callable.kind === 'object' && depth < 8; depth++) callable = callable.callable;
  return callable.kind === 'global' ? `${callable.module}.${callable.name}` : '(a call result)';
}

/** A one-word description for messages (never recursive: values may be cyclic). */
export function describePickleValue(value: PickleValue): string {
  const kind: ValueKind =
    value === null
      ? 'None'
      : typeof value === 'boolean'
        ? 'bool'
        : typeof value === 'bigint'
          ? 'int'
          : typeof value === 'number'
            ? Number.isInteger(value)
              ? 'int'
              : 'float'
            : typeof value === 'string'
              ? 'str'
              : value instanceof Uint8Array
                ? 'bytes'
                : value.kind;
  if (typeof value === 'number' || typeof value === 'bigint') return `${kind} ${value}`;
  if (typeof value === 'string') return `str ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  const object = pickleObjectKind(value);
  if (object === 'global') return `global ${(value as PyGlobal).module}.${(value as PyGlobal).name}`;
  if (object === 'object') return `${recordClassName(value as PyObject)} object`;
  if (object === 'tuple' || object === 'list') return `${kind} of ${(value as PyTuple).items.length}`;
  return kind;
}

const isSize = (value: PickleValue): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** Integers become numbers when they are safe integers, bigints otherwise (the legacy magic number is 80 bits). */
function normaliseInteger(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/** Two's-complement little-endian integer (LONG1/LONG4). */
function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let hex = '';
  for (let i = bytes.length - 1; i >= 0; i--) hex += bytes[i]!.toString(16).padStart(2, '0');
  let value = BigInt(`0x${hex}`);
  if (bytes[bytes.length - 1]! & 0x80) value -= 1n << BigInt(bytes.length * 8);
  return normaliseInteger(value);
}

export interface UnpickleOptions {
  /** Where the pickle starts (default 0). */
  readonly offset?: number;
  /** Names the file in messages. */
  readonly source?: string;
}

/**
 * Interprets one pickle starting at `options.offset` and returns the value STOP leaves on the stack, with the globals
 * it names. Throws WeightsError for anything malformed and for allow-listed functions called with the wrong arguments.
 */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions = {}): UnpickleResult {
  return new Unpickler(bytes, options.offset ?? 0, options.source ?? 'the file').load();
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Python's raw-unicode-escape (UNICODE's argument): only \uXXXX and \UXXXXXXXX are escapes. */
function rawUnicodeEscape(text: string): string {
  return text.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (all, u4: string | undefined, u8: string | undefined) => {
    const code = Number.parseInt(u4 ?? u8!, 16);
    return code <= 0x10ffff ? String.fromCodePoint(code) : all;
  });
}

class Unpickler {
  private readonly view: DataView;
  private position: number;
  private opcodeOffset = 0;
  private readonly stack: PickleValue[] = [];
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, PickleValue>();
  private readonly globals = new Map<string, boolean>();
  private records = 0;

  constructor(
    private readonly bytes: Uint8Array,
    offset: number,
    private readonly source: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.position = offset;
  }

  private fail(what: string): never {
    throw new WeightsError(`${this.source} holds a malformed pickle: ${what} (opcode at byte ${this.opcodeOffset})`);
  }

  private need(count: number, what: string): number {
    if (count > this.bytes.length - this.position) {
      this.fail(`${what} needs ${count} bytes but only ${this.bytes.length - this.position} remain (the file is truncated)`);
    }
    const at = this.position;
    this.position += count;
    return at;
  }

  private u8(): number {
    return this.bytes[this.need(1, 'a 1-byte argument')]!;
  }
  private u16(): number {
    return this.view.getUint16(this.need(2, 'a 2-byte argument'), true);
  }
  private u32(): number {
    return this.view.getUint32(this.need(4, 'a 4-byte argument'), true);
  }
  private i32(): number {
    return this.view.getInt32(this.need(4, 'a 4-byte argument'), true);
  }
  private u64(): number {
    const at = this.need(8, 'an 8-byte length');
    const high = this.view.getUint32(at + 4, true);
    const low = this.view.getUint32(at, true);
    // Anything ≥ 2^32 is longer than any input this reader accepts; say so rather than lose precision.
    if (high !== 0) this.fail(`a length of ${high} · 2^32 + ${low} bytes is longer than the file`);
    return low;
  }

  private slice(length: number, what: string): Uint8Array {
    const at = this.need(length, what);
    return this.bytes.subarray(at, at + length);
  }

  private text(length: number, what: string): string {
    const raw = this.slice(length, what);
    try {
      return utf8.decode(raw);
    } catch {
      return this.fail(`${what} is not valid UTF-8`);
    }
  }

  /** A newline-terminated line (GLOBAL's module and name, the protocol-0 text opcodes), without the newline. */
  private line(what: string): string {
    const limit = Math.min(this.bytes.length, this.position + MAX_LINE_BYTES);
    const end = this.bytes.subarray(this.position, limit).indexOf(0x0a);
    if (end < 0) this.fail(`${what} has no newline within ${MAX_LINE_BYTES} bytes`);
    const value = this.text(end, what);
    this.position += 1;
    return value;
  }

  private push(value: PickleValue): void {
    if (this.stack.length >= MAX_STACK_ITEMS) this.fail(`the stack holds more than ${MAX_STACK_ITEMS} items`);
    this.stack.push(value);
  }

  private pop(): PickleValue {
    const floor = this.marks.length > 0 ? this.marks[this.marks.length - 1]! : 0;
    if (this.stack.length <= floor) this.fail('an opcode pops from an empty stack');
    return this.stack.pop()!;
  }

  private top(): PickleValue {
    const floor = this.marks.length > 0 ? this.marks[this.marks.length - 1]! : 0;
    if (this.stack.length <= floor) this.fail('an opcode reads from an empty stack');
    return this.stack[this.stack.length - 1]!;
  }

  /** Pops everything above the last MARK, and the mark. */
  private popMark(): PickleValue[] {
    const mark = this.marks.pop();
    if (mark === undefined) this.fail('an opcode needs a MARK but there is none');
    return this.stack.splice(mark);
  }

  private put(index: number): void {
    if (!this.memo.has(index) && this.memo.size >= MAX_MEMO_ENTRIES) this.fail(`the memo holds more than ${MAX_MEMO_ENTRIES} entries`);
    this.memo.set(index, this.top());
  }

  private get(index: number): void {
    if (!this.memo.has(index)) this.fail(`memo entry ${index} is read before it is written`);
    this.push(this.memo.get(index)!);
  }

  /** STRING's argument: 'text' or "text" with Python's backslash escapes (\\, \', \n, \xNN, …). */
  private quotedString(line: string): string {
    const quote = line[0];
    if (line.length < 2 || (quote !== "'" && quote !== '"') || line[line.length - 1] !== quote) this.fail('STRING is not a quoted string');
    return line.slice(1, -1).replace(/\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)/g, (_, escape: string) => {
      if (escape[0] === 'x') return String.fromCharCode(Number.parseInt(escape.slice(1), 16));
      if (/^[0-7]/.test(escape)) return String.fromCharCode(Number.parseInt(escape, 8));
      return ({ n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", '"': '"' } as Record<string, string>)[escape] ?? `\\${escape}`;
    });
  }

  private decimal(what: string): number {
    const line = this.line(what);
    if (!/^-?\d{1,15}L?$/.test(line)) this.fail(`${what} ${JSON.stringify(line)} is not a decimal integer`);
    return Number.parseInt(line, 10);
  }

  private countRecord(): void {
    if (++this.records > MAX_RECORDS) this.fail(`it makes more than ${MAX_RECORDS} objects (globals and calls)`);
  }

  /** A global by name: allow-listed or not, it is only recorded here. Nothing is imported. */
  private resolveGlobal(module: string, name: string): PyGlobal {
    const qualified = `${module}.${name}`;
    const allowed = ALLOWED_GLOBALS.includes(qualified);
    if (!this.globals.has(qualified)) this.globals.set(qualified, allowed);
    this.countRecord();
    return { kind: 'global', module, name, allowed };
  }

  /** The entries SETITEM(S) add to: a dict's, or a record's (a dict subclass such as Lightning's AttributeDict). */
  private dictOf(value: PickleValue, what: string): Map<PickleValue, PickleValue> {
    const kind = pickleObjectKind(value);
    if (kind === 'dict') return (value as PyDict).entries;
    if (kind === 'object') return (value as PyObject).dictItems;
    return this.fail(`${what} applies to a ${describePickleValue(value)}, not a dict`);
  }

  /** The items APPEND(S)/ADDITEMS add to: a list's or set's, or a record's (a list subclass). */
  private listOf(value: PickleValue, what: string): PickleValue[] {
    const kind = pickleObjectKind(value);
    if (kind === 'list' || kind === 'set') return (value as PyList | PySet).items;
    if (kind === 'object') return (value as PyObject).listItems;
    return this.fail(`${what} applies to a ${describePickleValue(value)}, not a list`);
  }

  private setItem(entries: Map<PickleValue, PickleValue>, key: PickleValue, value: PickleValue): void {
    const kind = pickleObjectKind(key);
    if (kind !== undefined && kind !== 'tuple' && kind !== 'global' && kind !== 'object') this.fail(`a dict key is a ${describePickleValue(key)} (unhashable)`);
    entries.set(key, value);
  }

  load(): UnpickleResult {
    for (;;) {
      this.opcodeOffset = this.position;
      if (this.position >= this.bytes.length) this.fail('the pickle ends without a STOP opcode (the file is truncated)');
      const opcode = this.u8();
      // One opcode a line, so the table reads against the pickle spec (the formatter would make each three).
      // prettier-ignore
      switch (opcode) {
        case 0x80: { // PROTO
          const protocol = this.u8();
          if (protocol > HIGHEST_PROTOCOL) this.fail(`pickle protocol ${protocol}; accepted are 0 to ${HIGHEST_PROTOCOL}`);
          break;
        }
        case 0x95: { // FRAME: an 8-byte length of the frame that follows; frames only group opcodes.
          const length = this.u64();
          if (length > this.bytes.length - this.position) this.fail(`a frame of ${length} bytes runs past the end of the file`);
          break;
        }
        case 0x2e: { // STOP
          const value = this.pop();
          if (this.stack.length !== 0 || this.marks.length !== 0) this.fail('STOP leaves items or marks on the stack');
          return { value, endOffset: this.position, globals: this.globals };
        }
        case 0x28: // MARK
          if (this.marks.length >= MAX_MARK_DEPTH) this.fail(`MARKs nest deeper than ${MAX_MARK_DEPTH}`);
          this.marks.push(this.stack.length);
          break;
        case 0x30: this.pop(); break; // POP
        case 0x31: this.popMark(); break; // POP_MARK
        case 0x32: this.push(this.top()); break; // DUP

        case 0x4e: this.push(null); break; // NONE
        case 0x88: this.push(true); break; // NEWTRUE
        case 0x89: this.push(false); break; // NEWFALSE
        case 0x4a: this.push(this.i32()); break; // BININT
        case 0x4b: this.push(this.u8()); break; // BININT1
        case 0x4d: this.push(this.u16()); break; // BININT2
        case 0x8a: this.push(decodeLong(this.slice(this.u8(), 'LONG1'))); break; // LONG1
        case 0x8b: { // LONG4
          const length = this.i32();
          if (length < 0 || length > MAX_LONG_BYTES) this.fail(`LONG4 of ${length} bytes; accepted up to ${MAX_LONG_BYTES}`);
          this.push(decodeLong(this.slice(length, 'LONG4')));
          break;
        }
        case 0x47: this.push(this.view.getFloat64(this.need(8, 'BINFLOAT'), false)); break; // BINFLOAT (big-endian)
        case 0x49: { // INT (protocol 0): "01"/"00" are True/False
          const line = this.line('INT');
          if (line === '01' || line === '00') this.push(line === '01');
          else if (/^-?\d{1,15}$/.test(line)) this.push(Number.parseInt(line, 10));
          else this.fail(`INT ${JSON.stringify(line)} is not a decimal integer`);
          break;
        }
        case 0x4c: this.push(this.decimal('LONG')); break; // LONG (protocol 0)
        case 0x46: { // FLOAT (protocol 0): repr of a float
          const line = this.line('FLOAT');
          const value = Number(line);
          if (!/^[-+]?(\d+\.?\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?|inf|nan)$/i.test(line) || (Number.isNaN(value) && !/nan/i.test(line))) {
            this.fail(`FLOAT ${JSON.stringify(line.slice(0, 40))} is not a number`);
          }
          this.push(/^[-+]?inf$/i.test(line) ? (line.startsWith('-') ? -Infinity : Infinity) : value);
          break;
        }
        case 0x56: this.push(rawUnicodeEscape(this.line('UNICODE'))); break; // UNICODE (protocol 0): raw-unicode-escape
        case 0x53: this.push(this.quotedString(this.line('STRING'))); break; // STRING (protocol 0): a quoted Python 2 str

        case 0x58: this.push(this.text(this.u32(), 'BINUNICODE')); break; // BINUNICODE
        case 0x8c: this.push(this.text(this.u8(), 'SHORT_BINUNICODE')); break; // SHORT_BINUNICODE
        case 0x8d: this.push(this.text(this.u64(), 'BINUNICODE8')); break; // BINUNICODE8
        // Python 2 str (legacy files written by Python 2); torch loads them with encoding='utf-8'.
        case 0x54: { // BINSTRING
          const length = this.i32();
          if (length < 0) this.fail(`BINSTRING has a negative length ${length}`);
          this.push(this.text(length, 'BINSTRING'));
          break;
        }
        case 0x55: this.push(this.text(this.u8(), 'SHORT_BINSTRING')); break; // SHORT_BINSTRING
        case 0x42: this.push(this.slice(this.u32(), 'BINBYTES')); break; // BINBYTES
        case 0x43: this.push(this.slice(this.u8(), 'SHORT_BINBYTES')); break; // SHORT_BINBYTES
        case 0x8e: this.push(this.slice(this.u64(), 'BINBYTES8')); break; // BINBYTES8
        case 0x96: this.push(this.slice(this.u64(), 'BYTEARRAY8')); break; // BYTEARRAY8

        case 0x29: this.push({ kind: 'tuple', items: [] }); break; // EMPTY_TUPLE
        case 0x74: this.push({ kind: 'tuple', items: this.popMark() }); break; // TUPLE
        case 0x85: this.push({ kind: 'tuple', items: [this.pop()] }); break; // TUPLE1
        case 0x86: { // TUPLE2
          const second = this.pop();
          this.push({ kind: 'tuple', items: [this.pop(), second] });
          break;
        }
        case 0x87: { // TUPLE3
          const third = this.pop();
          const second = this.pop();
          this.push({ kind: 'tuple', items: [this.pop(), second, third] });
          break;
        }
        case 0x5d: this.push({ kind: 'list', items: [] }); break; // EMPTY_LIST
        case 0x6c: this.push({ kind: 'list', items: this.popMark() }); break; // LIST
        case 0x61: { // APPEND
          const item = this.pop();
          this.listOf(this.top(), 'APPEND').push(item);
          break;
        }
        case 0x65: { // APPENDS
          const items = this.popMark();
          const list = this.listOf(this.top(), 'APPENDS');
          for (const item of items) list.push(item);
          break;
        }
        case 0x7d: this.push({ kind: 'dict', entries: new Map() }); break; // EMPTY_DICT
        case 0x64: { // DICT
          const items = this.popMark();
          if (items.length % 2 !== 0) this.fail('DICT has an odd number of items');
          const dict: PyDict = { kind: 'dict', entries: new Map() };
          for (let i = 0; i < items.length; i += 2) this.setItem(dict.entries, items[i]!, items[i + 1]!);
          this.push(dict);
          break;
        }
        case 0x73: { // SETITEM
          const value = this.pop();
          const key = this.pop();
          this.setItem(this.dictOf(this.top(), 'SETITEM'), key, value);
          break;
        }
        case 0x75: { // SETITEMS
          const items = this.popMark();
          if (items.length % 2 !== 0) this.fail('SETITEMS has an odd number of items');
          const dict = this.dictOf(this.top(), 'SETITEMS');
          for (let i = 0; i < items.length; i += 2) this.setItem(dict, items[i]!, items[i + 1]!);
          break;
        }
        case 0x8f: this.push({ kind: 'set', items: [] }); break; // EMPTY_SET
        case 0x90: { // ADDITEMS
          const items = this.popMark();
          const set = this.listOf(this.top(), 'ADDITEMS');
          for (const item of items) set.push(item);
          break;
        }
        case 0x91: this.push({ kind: 'set', items: this.popMark() }); break; // FROZENSET

        case 0x71: this.put(this.u8()); break; // BINPUT
        case 0x72: this.put(this.u32()); break; // LONG_BINPUT
        case 0x94: this.put(this.memo.size); break; // MEMOIZE
        case 0x70: this.put(this.decimal('PUT')); break; // PUT (protocol 0)
        case 0x68: this.get(this.u8()); break; // BINGET
        case 0x6a: this.get(this.u32()); break; // LONG_BINGET
        case 0x67: this.get(this.decimal('GET')); break; // GET (protocol 0)

        case 0x63: { // GLOBAL "module\nname\n"
          const module = this.line('GLOBAL module');
          const name = this.line('GLOBAL name');
          this.push(this.resolveGlobal(module, name));
          break;
        }
        case 0x93: { // STACK_GLOBAL
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string') {
            this.fail(`STACK_GLOBAL needs two strings, got ${describePickleValue(module)} and ${describePickleValue(name)}`);
          }
          this.push(this.resolveGlobal(module, name));
          break;
        }
        case 0x69: { // INST "module\nname\n": record the global like GLOBAL, then instantiate (as a record) like OBJ
          const module = this.line('INST module');
          const name = this.line('INST name');
          const callable = this.resolveGlobal(module, name);
          this.push(this.call(callable, { kind: 'tuple', items: this.popMark() }, 'INST'));
          break;
        }
        case 0x6f: { // OBJ
          const items = this.popMark();
          if (items.length === 0) this.fail('OBJ needs a class');
          this.push(this.call(items[0]!, { kind: 'tuple', items: items.slice(1) }, 'OBJ'));
          break;
        }
        case 0x52: { // REDUCE
          const args = this.pop();
          const callable = this.pop();
          this.push(this.call(callable, args, 'REDUCE'));
          break;
        }
        case 0x81: { // NEWOBJ: cls.__new__(cls, *args)
          const args = this.pop();
          const cls = this.pop();
          this.push(this.call(cls, args, 'NEWOBJ'));
          break;
        }
        case 0x92: { // NEWOBJ_EX: cls.__new__(cls, *args, **kwargs)
          const kwargs = this.pop();
          const args = this.pop();
          const cls = this.pop();
          if (pickleObjectKind(kwargs) !== 'dict') this.fail(`NEWOBJ_EX's keyword arguments are a ${describePickleValue(kwargs)}, not a dict`);
          this.push(this.call(cls, args, 'NEWOBJ_EX', kwargs));
          break;
        }
        case 0x62: { // BUILD: obj.__setstate__(state) in Python; here the state is stored in a record, never applied.
          // On a dict or tensor it is dropped: an OrderedDict state dict's is its `_metadata` (module versions), a tensor's its hooks.
          const state = this.pop();
          const target = this.top();
          const kind = pickleObjectKind(target);
          if (kind === 'object') (target as PyObject).state = state;
          else if (kind !== 'dict' && kind !== 'tensor') this.fail(`BUILD sets the state of a ${describePickleValue(target)}; accepted are records, dicts and tensors`);
          break;
        }
        case 0x51: this.push(this.persistentLoad(this.pop())); break; // BINPERSID
        case 0x50: this.push(this.persistentLoad(this.line('PERSID'))); break; // PERSID (protocol 0)
        case 0x98: break; // READONLY_BUFFER: a no-op on an in-band buffer
        case 0x97: this.fail('NEXT_BUFFER needs out-of-band buffers, which a file cannot provide');
        // eslint-disable-next-line no-fallthrough
        case 0x82: case 0x83: case 0x84: // EXT1, EXT2, EXT4
          this.fail('the pickle names a global through the copyreg extension registry, which a weights file never uses');
        // eslint-disable-next-line no-fallthrough
        default:
          this.fail(
            `unknown or unsupported opcode 0x${opcode.toString(16).padStart(2, '0')}; accepted are the opcodes of pickle protocols 0–5`,
          );
      }
    }
  }

  /** `('storage', storage_type, key, location, numel[, view_metadata])`, torch/serialization.py's persistent_id. */
  private persistentLoad(pid: PickleValue): StorageRef {
    if (pickleObjectKind(pid) !== 'tuple') this.fail(`a persistent id is a ${describePickleValue(pid)}; accepted is a ('storage', …) tuple`);
    const items = (pid as PyTuple).items;
    const [tag, storageType, key, location, numel, view] = items;
    if (tag !== 'storage') this.fail(`a persistent id starts with ${describePickleValue(tag ?? null)}; accepted is 'storage'`);
    if (items.length !== 5 && items.length !== 6) this.fail(`a storage persistent id has ${items.length} items; accepted are 5 or 6`);
    const isStorageType = (value: PickleValue | undefined): boolean =>
      value !== undefined &&
      pickleObjectKind(value) === 'global' &&
      (value as PyGlobal).allowed &&
      (value as PyGlobal).module === 'torch' &&
      Object.hasOwn(STORAGE_TYPES, (value as PyGlobal).name);
    if (!isStorageType(storageType)) {
      const named =
        storageType !== undefined && pickleObjectKind(storageType) === 'global'
          ? `${(storageType as PyGlobal).module}.${(storageType as PyGlobal).name}`
          : undefined;
      this.fail(
        `${named !== undefined ? `a storage uses storage type ${named}` : `a storage has type ${describePickleValue(storageType ?? null)}`}; ` +
          `accepted: ${Object.keys(STORAGE_TYPES)
            .map((n) => `torch.${n}`)
            .join(', ')}`,
      );
    }
    if (typeof key !== 'string') this.fail(`a storage key is a ${describePickleValue(key!)}, not a str`);
    if (typeof location !== 'string') this.fail(`storage '${key}' has location ${describePickleValue(location!)}, not a str`);
    if (!isSize(numel!)) this.fail(`storage '${key}' has ${describePickleValue(numel!)} elements; expected a non-negative integer`);
    let viewOffsetElements = 0;
    let viewNumel = numel as number;
    if (view !== undefined && view !== null) {
      // Pre-1.0 files: (view_key, offset, view_size) selects part of the root storage.
      const parts = pickleObjectKind(view) === 'tuple' ? (view as PyTuple).items : [];
      const [, offset, size] = parts;
      if (parts.length !== 3 || !isSize(offset!) || !isSize(size!) || offset + size > (numel as number)) {
        this.fail(`storage '${key}' has a view ${describePickleValue(view)} outside its ${numel} elements; expected (key, offset, size)`);
      }
      viewOffsetElements = offset as number;
      viewNumel = size as number;
    }
    const type = storageType as PyGlobal;
    return {
      kind: 'storage',
      key,
      dtype: STORAGE_TYPES[type.name]!,
      storageType: `${type.module}.${type.name}`,
      numel: numel as number,
      viewOffsetElements,
      viewNumel,
    };
  }

  /**
   * What REDUCE/NEWOBJ/NEWOBJ_EX/OBJ/INST would call. OrderedDict and torch's rebuild functions are interpreted as
   * data; anything else (another global, or a record) gives an inert record of the call. Nothing is ever called.
   */
  private call(callable: PickleValue, args: PickleValue, opcode: PyObject['opcode'], kwargs?: PickleValue): PickleValue {
    const kind = pickleObjectKind(callable);
    if (kind !== 'global' && kind !== 'object') this.fail(`${opcode} calls a ${describePickleValue(callable)}, which is not callable`);
    if (pickleObjectKind(args) !== 'tuple') this.fail(`${opcode}'s arguments are a ${describePickleValue(args)}, not a tuple`);
    const items = (args as PyTuple).items;
    if (kind === 'global' && (callable as PyGlobal).allowed && kwargs === undefined) {
      const { module, name } = callable as PyGlobal;
      if (module === 'collections' && name === 'OrderedDict') return this.orderedDict(items);
      if (module === 'torch._utils' && opcode === 'REDUCE') return this.rebuild(name as RebuildFunction, items);
    }
    this.countRecord();
    const record: PyObject = {
      kind: 'object',
      callable: callable as PyGlobal | PyObject,
      args: items,
      opcode,
      listItems: [],
      dictItems: new Map(),
      ...(kwargs !== undefined && { kwargs }),
    };
    return record;
  }

  /** OrderedDict() or OrderedDict([(key, value), …]). */
  private orderedDict(items: readonly PickleValue[]): PyDict {
    const dict: PyDict = { kind: 'dict', entries: new Map() };
    if (items.length === 0) return dict;
    const pairs = items[0]!;
    const kind = pickleObjectKind(pairs);
    if (items.length > 1 || (kind !== 'list' && kind !== 'tuple')) this.fail('OrderedDict is called with arguments other than a list of pairs');
    for (const pair of (pairs as PyList).items) {
      if (pickleObjectKind(pair) !== 'tuple' || (pair as PyTuple).items.length !== 2) this.fail('OrderedDict is called with an item that is not a pair');
      this.setItem(dict.entries, (pair as PyTuple).items[0]!, (pair as PyTuple).items[1]!);
    }
    return dict;
  }

  /**
   * torch/_utils.py: `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])`,
   * `_rebuild_tensor(storage, storage_offset, size, stride)`, `_rebuild_parameter(data, requires_grad, backward_hooks)`,
   * `_rebuild_parameter_with_state(data, requires_grad, backward_hooks, state)`.
   */
  private rebuild(name: RebuildFunction, items: readonly PickleValue[]): TensorRef {
    if (name === '_rebuild_parameter' || name === '_rebuild_parameter_with_state') {
      const data = items[0];
      if (items.length < 3 || items.length > 4 || data === undefined || pickleObjectKind(data) !== 'tensor') {
        this.fail(`${name} expects (tensor, requires_grad, backward_hooks[, state]), got ${items.length} arguments`);
      }
      return data as TensorRef;
    }
    const expected = name === '_rebuild_tensor' ? [4, 4] : [6, 7];
    const [storage, offset, size, stride] = items;
    const shape = (value: PickleValue | undefined): number[] | undefined =>
      value !== undefined && pickleObjectKind(value) === 'tuple' && (value as PyTuple).items.every(isSize) ? ((value as PyTuple).items as number[]) : undefined;
    const sizeList = shape(size);
    const strideList = shape(stride);
    if (
      items.length < expected[0]! ||
      items.length > expected[1]! ||
      storage === undefined ||
      pickleObjectKind(storage) !== 'storage' ||
      !isSize(offset!) ||
      sizeList === undefined ||
      strideList === undefined ||
      sizeList.length !== strideList.length
    ) {
      this.fail(
        `${name} expects (storage, storage_offset, size, stride, …) with non-negative integers and size and stride of equal length; ` +
          `got (${items.slice(0, 4).map(describePickleValue).join(', ')})`,
      );
    }
    return { kind: 'tensor', storage: storage as StorageRef, storageOffsetElements: offset as number, size: sizeList, stride: strideList };
  }
}
