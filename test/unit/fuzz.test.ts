/**
 * Seeded mutation fuzzing of the weight readers: every mutated fixture must either parse or end in a WeightsError —
 * never another exception type (a bug: an unchecked offset, a bad cast) and never a hang (the test's timeout).
 * Mutations concentrate where the structure lives (zip: the first entries and the central directory at the end;
 * legacy: the pickles at the start; safetensors: the JSON header) but also land anywhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WeightsError } from '../../src/model/errors';
import { readPth } from '../../src/model/weights/pth';
import { unpickle } from '../../src/model/weights/pickle';
import { inspectWeights } from '../../src/model/weights/inspect';
import { readWeights } from '../../src/model/weights/load';
import { openZip } from '../../src/model/weights/zip';
import { readSafetensors } from '../../src/model/weights/safetensors';
import { writeZip, zipCheckpointEntries } from '../writePth';
import { mulberry32 as prng } from '../../src/model/network';

/** FUZZ_CASES and FUZZ_SEED allow longer runs with other seeds by hand; the defaults keep the suite under ~15 s. */
const CASES_PER_PARSER = Number(process.env.FUZZ_CASES ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);
const fixtures = join(__dirname, '..', 'fixtures');
// A plain Uint8Array copy: Buffer's slice() returns a view, which would let a test's edits leak into the fixture.
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(fixtures, name)));

/** Byte ranges of an input where mutations mostly land: [start, end) pairs. */
type Region = readonly [number, number];

/** Values that tend to break length and offset arithmetic. */
const INTERESTING_UINT32 = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

class Mutator {
  constructor(
    private readonly random: () => number,
    private readonly others: readonly Uint8Array[],
  ) {}

  int(limit: number): number {
    return Math.floor(this.random() * limit);
  }

  /** A position: 80% inside one of the regions, 20% anywhere. */
  private position(length: number, regions: readonly Region[]): number {
    if (length === 0) return 0;
    if (regions.length > 0 && this.random() < 0.8) {
      const [start, end] = regions[this.int(regions.length)]!;
      const from = Math.max(0, Math.min(start, length - 1));
      const to = Math.max(from + 1, Math.min(end, length));
      return from + this.int(to - from);
    }
    return this.int(length);
  }

  /** One to three stacked mutations of a copy of `input`. */
  mutate(input: Uint8Array, regions: readonly Region[]): Uint8Array {
    let bytes = input.slice();
    const rounds = 1 + this.int(3);
    for (let round = 0; round < rounds; round++) {
      const at = this.position(bytes.length, regions);
      switch (this.int(7)) {
        case 0: {
          // bit flips
          const flips = 1 + this.int(8);
          for (let i = 0; i < flips && bytes.length > 0; i++) {
            const p = Math.min(bytes.length - 1, at + this.int(16));
            bytes[p]! ^= 1 << this.int(8);
          }
          break;
        }
        case 1: // byte sets
          for (let i = 0, n = 1 + this.int(4); i < n && at + i < bytes.length; i++) bytes[at + i] = this.int(256);
          break;
        case 2: {
          // an interesting 32-bit little-endian value (lengths, offsets, counts)
          const value = INTERESTING_UINT32[this.int(INTERESTING_UINT32.length)]!;
          for (let i = 0; i < 4 && at + i < bytes.length; i++) bytes[at + i] = (value >>> (8 * i)) & 0xff;
          break;
        }
        case 3: // truncation
          bytes = bytes.subarray(0, this.random() < 0.5 ? at : this.int(bytes.length + 1));
          break;
        case 4: {
          // splice: our prefix, then another fixture's bytes from a random point
          const other = this.others[this.int(this.others.length)]!;
          const from = this.int(other.length);
          const spliced = new Uint8Array(at + Math.min(other.length - from, 1 << 16));
          spliced.set(bytes.subarray(0, at));
          spliced.set(other.subarray(from, from + spliced.length - at), at);
          bytes = spliced;
          break;
        }
        case 5: {
          // duplicate a range in place (shifts everything after it)
          const length = 1 + this.int(Math.min(256, Math.max(1, bytes.length - at)));
          const copy = bytes.subarray(at, at + length);
          const grown = new Uint8Array(bytes.length + copy.length);
          grown.set(bytes.subarray(0, at + copy.length));
          grown.set(copy, at + copy.length);
          grown.set(bytes.subarray(at + copy.length), at + 2 * copy.length);
          bytes = grown;
          break;
        }
        case 6: {
          // delete a range
          const length = Math.min(1 + this.int(64), bytes.length - at);
          const shrunk = new Uint8Array(bytes.length - length);
          shrunk.set(bytes.subarray(0, at));
          shrunk.set(bytes.subarray(at + length), at);
          bytes = shrunk;
          break;
        }
      }
    }
    return bytes;
  }
}

interface Target {
  readonly name: string;
  readonly input: Uint8Array;
  readonly regions: readonly Region[];
  readonly parse: (bytes: Uint8Array) => unknown;
}

const zipBytes = fixture('tiny.pth');
const legacyBytes = fixture('tiny_legacy.pth');
const safetensorsBytes = fixture('tiny_fp32.safetensors');
const archive = openZip(zipBytes);
const dataPkl = archive.read(archive.entries.get('tiny/data.pkl')!);
const safetensorsHeaderEnd = 8 + Number(new DataView(safetensorsBytes.buffer, safetensorsBytes.byteOffset).getBigUint64(0, true));
// torch never compresses, but other zip tools may: a deflated copy exercises the inflate path.
const deflatedBytes = writeZip(zipCheckpointEntries(readPth(zipBytes).stateDict), { deflate: true });
const torchScriptBytes = fixture('checkpoints/torchscript.pt');
const allInputs = [zipBytes, legacyBytes, safetensorsBytes, fixture('tiny_wrapped.pth'), fixture('tiny_bf16.safetensors'), dataPkl];

/** A readPth target: the checkpoint `input`, mutated in `regions`. */
const pthTarget = (name: string, input: Uint8Array, regions: readonly Region[]): Target => ({
  name,
  input,
  regions,
  parse: (bytes) => readPth(bytes, 'fuzz.pth'),
});

const targets: Target[] = [
  // data.pkl and the first storages; the central directory and end records.
  pthTarget('readPth zip (tiny.pth)', zipBytes, [
    [0, 16_384],
    [zipBytes.length - 8_192, zipBytes.length],
  ]),
  // The five pickles end at ~17.7 KB; storage headers follow.
  pthTarget('readPth legacy (tiny_legacy.pth)', legacyBytes, [
    [0, 18_432],
    [18_432, legacyBytes.length],
  ]),
  pthTarget('readPth zip, deflated entries', deflatedBytes, [
    [0, 4_096],
    [deflatedBytes.length - 8_192, deflatedBytes.length],
  ]),
  {
    name: 'readSafetensors (tiny_fp32.safetensors)',
    input: safetensorsBytes,
    regions: [[0, safetensorsHeaderEnd]],
    parse: (bytes) => readSafetensors(bytes, 'fuzz.safetensors'),
  },
  {
    name: 'unpickle (tiny.pth data.pkl)',
    input: dataPkl,
    regions: [[0, dataPkl.length]],
    parse: (bytes) => unpickle(bytes, { source: 'fuzz.pkl' }),
  },
  {
    // Records everywhere (a TorchScript module tree): the inspector and the weights finder on mutated records.
    name: 'inspectWeights + readWeights (checkpoints/torchscript.pt)',
    input: torchScriptBytes,
    regions: [
      [0, 16_384],
      [torchScriptBytes.length - 16_384, torchScriptBytes.length],
    ],
    parse: (bytes) => {
      inspectWeights(bytes, 'fuzz.pt');
      return readWeights(bytes, 'fuzz.pt');
    },
  },
];

for (const [index, target] of targets.entries()) {
  test(`fuzz: ${target.name} throws only WeightsError over ${CASES_PER_PARSER} mutated inputs`, { timeout: Math.max(120_000, CASES_PER_PARSER * 20) }, () => {
    const mutator = new Mutator(prng(SEED + index), allInputs);
    let parsed = 0;
    let refused = 0;
    let slowestCaseMs = 0;
    const unexpected: string[] = [];
    const started = performance.now();
    for (let i = 0; i < CASES_PER_PARSER; i++) {
      const bytes = mutator.mutate(target.input, target.regions);
      const caseStarted = performance.now();
      try {
        target.parse(bytes);
        parsed++;
      } catch (error) {
        if (error instanceof WeightsError) refused++;
        else if (unexpected.length < 5) unexpected.push(`case ${i}: ${error instanceof Error ? error.stack : String(error)}`);
        else unexpected.push('');
      }
      slowestCaseMs = Math.max(slowestCaseMs, performance.now() - caseStarted);
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `${target.name}: ${CASES_PER_PARSER} cases in ${seconds.toFixed(2)} s = ${Math.round(CASES_PER_PARSER / seconds)} cases/s ` +
        `(${parsed} parsed, ${refused} WeightsError, slowest case ${slowestCaseMs.toFixed(1)} ms)`,
    );
    assert.deepEqual(unexpected.filter(Boolean), [], `${unexpected.length} inputs threw something other than WeightsError`);
    assert.ok(refused > CASES_PER_PARSER / 10, 'the mutations should break the input often');
  });
}
