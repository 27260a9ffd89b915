/**
 * Limits that hold for hostile files (issue 8): a zip entry is inflated only up to the size its storage needs, a size
 * that differs is refused before anything is allocated, and peak memory stays below 2 × the tensor bytes + 200 MB.
 * Memory is measured in a child process (resourceUsage().maxRSS) that does nothing but read the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, createDeflateRaw, inflateRawSync } from 'node:zlib';
import { pickleStateDict, writeZip, writeZipCheckpoint } from '../writePth';
import type { TensorData } from '../../src/model/weights/stateDict';
import { ROOT } from '../helpers';

const MB = 1e6;
const GIB = 2 ** 30;

interface ChildResult {
  ok: boolean;
  message?: string;
  tensors?: number;
  rssBeforeBytes: number;
  maxRssBytes: number;
}

function readInChild(file: string): ChildResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'limitsChild.ts'), file], { encoding: 'utf8', cwd: ROOT, timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as ChildResult;
}

/**
 * `size` zero bytes (a multiple of 1 MiB) as one raw deflate stream, about 1 MB per GiB, without deflating a GiB:
 * after a full flush the compressor refers to nothing before it, so the block that 1 MiB of zeros compresses to after
 * a flush can be repeated; a final empty block ends the stream.
 */
async function deflatedZeros(size: number): Promise<Uint8Array> {
  const deflate = createDeflateRaw({ level: 9 });
  let pending: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => pending.push(chunk));
  const block = Buffer.alloc(2 ** 20);
  const flushed = async (): Promise<Buffer> => {
    await new Promise<void>((resolve) => deflate.flush(constants.Z_FULL_FLUSH, () => resolve()));
    const out = Buffer.concat(pending);
    pending = [];
    return out;
  };
  deflate.write(block);
  const first = await flushed();
  deflate.write(block);
  const repeated = await flushed();
  const ended = new Promise((resolve) => deflate.on('end', resolve));
  deflate.end();
  await ended;
  const count = size / block.length;
  return Buffer.concat([first, ...Array.from({ length: count - 1 }, () => repeated), ...pending]);
}

/** A zip checkpoint with one float32 tensor `w` of `numel` elements whose storage entry is `storage`. */
function oneTensorZip(numel: number, storage: { bytes: Uint8Array; declaredSize: number }): Uint8Array {
  const tensor: TensorData = { shape: [numel], data: new Float32Array(0), sourceDtype: 'torch.float32' };
  // pickleStateDict reads only the length of data for the storage's element count.
  Object.defineProperty(tensor.data, 'length', { value: numel });
  return writeZip([
    { name: 'archive/data.pkl', data: pickleStateDict(new Map([['w', tensor]])) },
    { name: 'archive/data/0', data: new Uint8Array(0), deflated: storage },
    { name: 'archive/version', data: new TextEncoder().encode('3\n') },
  ]);
}

test('a deflate bomb (≈1 MB inflating to 1 GiB) is refused before it is inflated, with little memory', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'resnext-limits-'));
  try {
    const bombData = await deflatedZeros(GIB);
    const probe = await deflatedZeros(4 * 2 ** 20);
    assert.deepEqual(inflateRawSync(probe), Buffer.alloc(4 * 2 ** 20), 'the stream is valid deflate of zeros');
    const bomb = oneTensorZip(GIB / 4, { bytes: bombData, declaredSize: GIB });
    assert.ok(bomb.length < 1.5 * MB, `the bomb is ${bomb.length} bytes`);
    const file = join(dir, 'bomb.pth');
    writeFileSync(file, bomb);
    const r = readInChild(file);
    assert.equal(r.ok, false);
    assert.match(
      r.message!,
      /its tensors declare 268435456 elements, more than the file's \d+ bytes could hold \(a deflate bomb or overlapping views\); nothing was inflated/,
    );
    t.diagnostic(
      `bomb (${bomb.length} bytes): peak RSS ${(r.maxRssBytes / MB).toFixed(0)} MB, +${((r.maxRssBytes - r.rssBeforeBytes) / MB).toFixed(0)} MB while reading`,
    );
    assert.ok(r.maxRssBytes - r.rssBeforeBytes < 200 * MB, `peak memory grew by ${((r.maxRssBytes - r.rssBeforeBytes) / MB).toFixed(0)} MB`);

    // The same deflated GiB under a storage of 1,024 elements: its declared size differs, so it is never inflated.
    const lying = oneTensorZip(1024, { bytes: bombData, declaredSize: GIB });
    writeFileSync(file, lying);
    const m = readInChild(file);
    assert.equal(m.ok, false);
    assert.match(m.message!, /'archive\/data\/0' holds 1073741824 bytes, but its 1024 torch\.FloatStorage elements need exactly 4096/);
    t.diagnostic(`size mismatch: peak RSS ${(m.maxRssBytes / MB).toFixed(0)} MB, +${((m.maxRssBytes - m.rssBeforeBytes) / MB).toFixed(0)} MB while reading`);
    assert.ok(m.maxRssBytes - m.rssBeforeBytes < 200 * MB, `peak memory grew by ${((m.maxRssBytes - m.rssBeforeBytes) / MB).toFixed(0)} MB`);

    // A deflated entry that declares the right size but inflates to more is cut at that size and refused.
    const longer = oneTensorZip(1024, { bytes: await deflatedZeros(8 * 2 ** 20), declaredSize: 4096 });
    writeFileSync(file, longer);
    const l = readInChild(file);
    assert.equal(l.ok, false);
    assert.match(l.message!, /entry "archive\/data\/0" does not inflate to its declared 4096 bytes/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a real 64 MB checkpoint is read with peak memory below 2 × its tensor bytes + 200 MB', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'resnext-limits-'));
  try {
    const numel = 16 * 2 ** 20;
    const data = new Float32Array(numel);
    for (let i = 0; i < numel; i++) data[i] = (i % 1000) / 1000;
    const tensorBytes = numel * 4;
    const file = join(dir, 'big.pth');
    writeFileSync(file, writeZipCheckpoint(new Map([['w', { shape: [numel], data, sourceDtype: 'torch.float32' }]])));
    const r = readInChild(file);
    assert.equal(r.ok, true, r.message);
    t.diagnostic(`64 MiB checkpoint: peak RSS ${(r.maxRssBytes / MB).toFixed(0)} MB (limit ${((2 * tensorBytes + 200 * MB) / MB).toFixed(0)} MB)`);
    assert.ok(
      r.maxRssBytes < 2 * tensorBytes + 200 * MB,
      `peak memory ${(r.maxRssBytes / MB).toFixed(0)} MB for ${(tensorBytes / MB).toFixed(0)} MB of tensors`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
