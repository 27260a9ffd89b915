/** GIF decoding against Pillow 9.4 (test/fixtures/images/make_gif.py): the first frame's RGB, byte for byte, or the refusal. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { decodeImage } from '../../src/model/image/decode';
import { InputError } from '../../src/model/errors';
import { fixture } from '../helpers';

interface Entry {
  file: string;
  width?: number;
  height?: number;
  mode?: string;
  error?: string;
}
const manifest = JSON.parse(fixture(path.join('images', 'gif', 'manifest.json')).toString('utf8')) as Entry[];

test('every GIF fixture decodes to exactly the RGB Pillow gives for its first frame, or is refused where Pillow refuses', () => {
  assert.ok(manifest.length >= 15);
  for (const entry of manifest) {
    const bytes = fixture(path.join('images', 'gif', entry.file));
    if (entry.error) {
      assert.throws(
        () => decodeImage(bytes, entry.file),
        (e: unknown) => e instanceof InputError && e.message.startsWith(`${entry.file}: `),
        entry.file,
      );
      continue;
    }
    const image = decodeImage(bytes, entry.file);
    assert.equal(image.format, 'gif');
    assert.deepEqual([image.widthPx, image.heightPx, image.mode], [entry.width, entry.height, entry.mode], entry.file);
    const expected = fixture(path.join('images', 'gif', `${entry.file}.rgb`));
    assert.ok(Buffer.from(image.data).equals(expected), `${entry.file}: pixels differ from Pillow's`);
  }
});

test('GIF refusals say what is wrong', () => {
  const truncated = fixture(path.join('images', 'gif', 'truncated.gif'));
  assert.throws(() => decodeImage(truncated, 't.gif'), /^InputError: t\.gif: GIF file is truncated or corrupt: the image data ends after \d+ of 96 pixels$/);
  assert.throws(() => decodeImage(fixture(path.join('images', 'gif', 'no-image.gif')), 'n.gif'), /n\.gif: the GIF file has no image/);
  assert.throws(() => decodeImage(truncated.subarray(0, 10), 'h.gif'), /h\.gif: GIF file is truncated or corrupt \(it ends inside the header\)/);
  // A screen over Pillow's decompression-bomb limit is refused before decoding.
  const bomb = Buffer.from(truncated);
  bomb.writeUInt16LE(65535, 6);
  bomb.writeUInt16LE(65535, 8);
  assert.throws(() => decodeImage(bomb, 'b.gif'), /over the limit of 89,478,485 pixels/);
});

test('fuzz: 10,000 mutated GIFs each → an image or an InputError only (no crash, hang or huge allocation)', async () => {
  const { mulberry32 } = await import('../../src/model/network');
  for (const [seed, file] of [
    [11, 'interlaced-local.gif'],
    [12, 'offset-transparent.gif'],
    [13, 'noise-deferred-clear.gif'],
  ] as const) {
    const original = fixture(path.join('images', 'gif', file));
    const random = mulberry32(seed);
    let decoded = 0;
    for (let i = 0; i < 10_000; i++) {
      const bytes = Uint8Array.from(original);
      for (let m = 1 + Math.floor(random() * 4); m > 0; m--) {
        // Mostly the header, descriptor and first data bytes; sometimes anywhere.
        const at = Math.floor(random() * (random() < 0.8 ? Math.min(bytes.length, 120) : bytes.length));
        bytes[at] = random() < 0.5 ? Math.floor(random() * 256) : bytes[at]! ^ (1 << Math.floor(random() * 8));
      }
      const cut = random() < 0.1 ? bytes.subarray(0, Math.floor(random() * bytes.length)) : bytes;
      try {
        decodeImage(cut, file);
        decoded++;
      } catch (error) {
        if (!(error instanceof InputError)) assert.fail(`${file} mutation #${i} (seed ${seed}) threw ${String(error)}`);
      }
    }
    assert.ok(decoded > 0 && decoded < 10_000, `${file}: ${decoded} decoded`);
  }
});
