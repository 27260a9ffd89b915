import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readSafetensors } from '../../src/model/weights/safetensors';
import { WeightsError } from '../../src/model/errors';

/** A safetensors file from a header object and a data buffer (the format's 8-byte LE length, JSON, bytes). */
function file(header: unknown, dataBytes: number, headerLengthOverride?: bigint): Uint8Array {
  const json = Buffer.from(JSON.stringify(header));
  const out = Buffer.alloc(8 + json.length + dataBytes);
  out.writeBigUInt64LE(headerLengthOverride ?? BigInt(json.length), 0);
  json.copy(out, 8);
  return out;
}

test('safetensors bad input: each a WeightsError saying what is wrong', () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ['shorter than the length field', new Uint8Array(5), /fewer than the 8-byte header length/],
    ['header length past the end', file({}, 0, 1_000_000n), /header length \(1000000 bytes\) runs past the end of the file/],
    [
      'header not JSON',
      (() => {
        const f = file({}, 0);
        f[8] = 0x41;
        return f;
      })(),
      /header is not UTF-8 JSON/,
    ],
    ['unknown dtype', file({ w: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, 1), /dtype "F8_E4M3"; accepted: F32, F16, BF16, F64/],
    ['offsets out of range', file({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, 8), /data_offsets \[0, 16\] outside the 8-byte data buffer/],
    ['shape and bytes disagree', file({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8), /shape \[3\] of F32 \(12 bytes\) but 8 bytes of data/],
    [
      'overlapping tensors',
      file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 12),
      /tensors 'a' and 'b' overlap/,
    ],
    ['negative shape', file({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, 4), /expected a list of non-negative integers/],
  ];
  for (const [label, bytes, message] of cases) {
    assert.throws(
      () => readSafetensors(bytes, 'w.safetensors'),
      (e: unknown) => e instanceof WeightsError && /^w\.safetensors is not a valid safetensors file: /.test(e.message) && message.test(e.message),
      label,
    );
  }
  const ok = readSafetensors(file({ __metadata__: { format: 'pt' }, w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, 8));
  assert.deepEqual([...ok.get('w')!.data], [0, 0]);
});
