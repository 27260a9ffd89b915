// Image decoding and torchvision preprocessing against what Pillow and torchvision produced (test/fixtures/images/
// README.md says how the small fixtures were made; chelsea.*.V1.input.f32 come from torchvision itself).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { InputError } from '../../src/model/errors';
import { decodeImage, MAX_IMAGE_PIXELS, type RgbImage } from '../../src/model/image/decode';
import { centerCrop, normalize, preprocess, resizedSizePx, resizeShorterSide, type RgbPixels } from '../../src/model/image/preprocess';
import { mulberry32 as prng } from '../../src/model/network';
import { concatBytes } from '../writePth';

const FIXTURES = join(__dirname, '..', 'fixtures');
const IMAGES = join(FIXTURES, 'images');

function readBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

function readFloats(path: string): Float32Array {
  const bytes = readFileSync(path);
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

function diffStats(actual: Float32Array, expected: Float32Array): { max: number; mean: number; exactFraction: number } {
  assert.equal(actual.length, expected.length);
  let max = 0;
  let sum = 0;
  let exact = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    if (d > max) max = d;
    sum += d;
    if (d < 1e-6) exact++;
  }
  return { max, mean: sum / expected.length, exactFraction: exact / expected.length };
}

// ---------------------------------------------------------------------------------------------------------------
// Against torchvision

test('chelsea.png → preprocess equals torchvision V1 transforms (within one 8-bit level everywhere, exact ≥ 99%)', () => {
  const image = decodeImage(readBytes(join(FIXTURES, 'chelsea.png')), 'chelsea.png');
  assert.equal(image.widthPx, 451);
  assert.equal(image.heightPx, 300);
  const tensor = preprocess(image, { resizePx: 256, cropPx: 224 });
  assert.equal(tensor.length, 3 * 224 * 224);
  const stats = diffStats(tensor, readFloats(join(FIXTURES, 'chelsea.png.V1.input.f32')));
  console.log(
    `chelsea.png: max abs diff ${stats.max.toExponential(3)}, mean ${stats.mean.toExponential(3)}, exact (<1e-6) ${(stats.exactFraction * 100).toFixed(3)}%`,
  );
  assert.ok(stats.max <= 0.0175, `max diff ${stats.max}`);
  assert.ok(stats.exactFraction >= 0.99, `exact fraction ${stats.exactFraction}`);
});

test('chelsea.jpg → preprocess matches torchvision V1 transforms (mean abs diff ≤ 0.01)', () => {
  const image = decodeImage(readBytes(join(FIXTURES, 'chelsea.jpg')), 'chelsea.jpg');
  assert.equal(image.format, 'jpeg');
  assert.equal(image.mode, 'RGB');
  const tensor = preprocess(image);
  const stats = diffStats(tensor, readFloats(join(FIXTURES, 'chelsea.jpg.V1.input.f32')));
  console.log(
    `chelsea.jpg: max abs diff ${stats.max.toExponential(3)}, mean ${stats.mean.toExponential(3)}, exact (<1e-6) ${(stats.exactFraction * 100).toFixed(3)}%`,
  );
  assert.ok(stats.mean <= 0.01, `mean diff ${stats.mean}`);
  // Channel means the reference README gives for this tensor.
  const plane = 224 * 224;
  const means = [0, 1, 2].map((c) => tensor.subarray(c * plane, (c + 1) * plane).reduce((a, b) => a + b, 0) / plane);
  assert.deepEqual(
    means.map((m) => m.toFixed(4)),
    ['0.3901', '-0.1845', '-0.5192'],
  );
});

test('decode + preprocess of chelsea.jpg: warm timing (median of 10, informational)', () => {
  const bytes = readBytes(join(FIXTURES, 'chelsea.jpg'));
  for (let i = 0; i < 3; i++) preprocess(decodeImage(bytes, 'chelsea.jpg'));
  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    preprocess(decodeImage(bytes, 'chelsea.jpg'));
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(
    `chelsea.jpg decode + preprocess, warm: median ${((times[4]! + times[5]!) / 2).toFixed(2)} ms (min ${times[0]!.toFixed(2)}, max ${times[9]!.toFixed(2)})`,
  );
});

// ---------------------------------------------------------------------------------------------------------------
// Decoding against Pillow's convert("RGB")

interface ManifestImage {
  readonly file: string;
  readonly width?: number;
  readonly height?: number;
  readonly format?: string;
  readonly mode?: string;
  readonly error?: string;
}
interface ManifestResize {
  readonly file: string;
  readonly source: string;
  readonly resizePx: number;
  readonly width: number;
  readonly height: number;
}
const manifest = JSON.parse(readFileSync(join(IMAGES, 'manifest.json'), 'utf8')) as (ManifestImage | { resized: ManifestResize[] })[];
const images = manifest.filter((e): e is ManifestImage => 'file' in e);
const resized = manifest.flatMap((e) => ('resized' in e ? e.resized : []));

for (const entry of images) {
  test(`decode ${entry.file} = Pillow ${entry.error ? `refusal (${entry.error})` : `${entry.mode} → RGB`}`, () => {
    const bytes = readBytes(join(IMAGES, entry.file));
    if (entry.error) {
      assert.throws(
        () => decodeImage(bytes, entry.file),
        (e: unknown) => e instanceof InputError && e.message.includes(entry.error!),
      );
      return;
    }
    const image = decodeImage(bytes, entry.file);
    assert.equal(image.widthPx, entry.width);
    assert.equal(image.heightPx, entry.height);
    assert.equal(image.format, entry.format);
    assert.equal(image.mode, entry.mode);
    const expected = readBytes(join(IMAGES, `${entry.file}.rgb`));
    assert.equal(image.data.length, expected.length);
    let differing = 0;
    for (let i = 0; i < expected.length; i++) if (image.data[i] !== expected[i]) differing++;
    assert.equal(differing, 0, `${differing} bytes differ from Pillow's`);
  });
}

test('the decoded fixtures cover the formats and modes the brief lists', () => {
  const kinds = new Set(images.filter((e) => !e.error).map((e) => `${e.format}:${e.mode}`));
  for (const kind of ['png:1', 'png:L', 'png:I;16', 'png:RGB', 'png:P', 'png:LA', 'png:RGBA', 'jpeg:RGB', 'jpeg:L', 'jpeg:CMYK', 'bmp:RGB', 'bmp:P']) {
    assert.ok(kinds.has(kind), kind);
  }
  for (const name of [
    'palette8-adam7.png',
    'rgb16-adam7.png',
    'rgb-420-progressive.jpg',
    'gray-progressive.jpg',
    'cmyk-progressive.jpg',
    'ycck.jpg',
    'rgb-restart.jpg',
  ]) {
    assert.ok(
      images.some((e) => e.file === name),
      name,
    );
  }
});

// ---------------------------------------------------------------------------------------------------------------
// Preprocessing pieces

for (const entry of resized) {
  test(`resizeShorterSide(${entry.source}, ${entry.resizePx}) = Pillow BILINEAR resize to ${entry.width}x${entry.height}`, () => {
    const image = decodeImage(readBytes(join(IMAGES, entry.source)), entry.source);
    const out = resizeShorterSide(image, entry.resizePx);
    assert.equal(out.widthPx, entry.width);
    assert.equal(out.heightPx, entry.height);
    assert.deepEqual(out.data, readBytes(join(IMAGES, entry.file)));
  });
}

test('resizedSizePx follows torchvision _compute_resized_output_size (long side truncated)', () => {
  assert.deepEqual(resizedSizePx(451, 300, 256), [384, 256]); // int(256 * 451 / 300) = int(384.85)
  assert.deepEqual(resizedSizePx(300, 451, 232), [232, 348]); // int(232 * 451 / 300) = int(348.77)
  assert.deepEqual(resizedSizePx(1, 1, 256), [256, 256]);
  assert.deepEqual(resizedSizePx(3, 1000, 256), [256, 85333]);
});

function gradient(widthPx: number, heightPx: number): RgbPixels {
  const data = new Uint8Array(widthPx * heightPx * 3);
  for (let y = 0; y < heightPx; y++) {
    for (let x = 0; x < widthPx; x++) {
      const o = (y * widthPx + x) * 3;
      data[o] = (x * 37 + y * 11) & 255;
      data[o + 1] = (x * 5 + y * 53) & 255;
      data[o + 2] = (x * y) & 255;
    }
  }
  return { widthPx, heightPx, data };
}

test("centerCrop: Python banker's rounding of (size − crop) / 2, zero padding when the image is smaller", () => {
  const image = gradient(10, 9);
  // (10 − 7) / 2 = 1.5 → 2; (9 − 7) / 2 = 1 → 1
  const crop = centerCrop(image, 7);
  assert.deepEqual(Array.from(crop.data.subarray(0, 3)), Array.from(image.data.subarray((1 * 10 + 2) * 3, (1 * 10 + 2) * 3 + 3)));
  // (10 − 5) / 2 = 2.5 → 2
  const crop5 = centerCrop(image, 5);
  assert.deepEqual(Array.from(crop5.data.subarray(0, 3)), Array.from(image.data.subarray((2 * 10 + 2) * 3, (2 * 10 + 2) * 3 + 3)));
  // 3x2 into 6: pad left (6 − 3) // 2 = 1, top (6 − 2) // 2 = 2
  const small = gradient(3, 2);
  const padded = centerCrop(small, 6);
  assert.equal(padded.data.length, 6 * 6 * 3);
  assert.deepEqual(Array.from(padded.data.subarray((2 * 6 + 1) * 3, (2 * 6 + 1) * 3 + 3)), Array.from(small.data.subarray(0, 3)));
  assert.deepEqual(Array.from(padded.data.subarray(0, 3)), [0, 0, 0]);
  assert.deepEqual(Array.from(padded.data.subarray((5 * 6 + 5) * 3)), [0, 0, 0]);
});

test('normalize: float32 (v/255 − mean) / std per channel, NCHW', () => {
  const out = normalize({ widthPx: 2, heightPx: 1, data: new Uint8Array([0, 128, 255, 255, 0, 64]) });
  const f = Math.fround;
  const expect = (v: number, mean: number, std: number): number => f(f(f(v / 255) - f(mean)) / f(std));
  assert.deepEqual(Array.from(out), [
    expect(0, 0.485, 0.229),
    expect(255, 0.485, 0.229),
    expect(128, 0.456, 0.224),
    expect(0, 0.456, 0.224),
    expect(255, 0.406, 0.225),
    expect(64, 0.406, 0.225),
  ]);
});

test('preprocess computes only the crop window, identical to resize → crop → normalize', () => {
  const cases: [number, number, number, number][] = [
    [451, 300, 256, 224],
    [300, 451, 232, 224],
    [1, 1, 256, 224],
    [5, 3, 256, 224],
    [640, 17, 64, 48],
    [50, 40, 20, 32],
    [7, 300, 9, 9],
  ];
  for (const [w, h, resizePx, cropPx] of cases) {
    const image = gradient(w, h);
    const full = normalize(centerCrop(resizeShorterSide(image, resizePx), cropPx));
    const windowed = preprocess(image, { resizePx, cropPx });
    assert.deepEqual(windowed, full, `${w}x${h} resize ${resizePx} crop ${cropPx}`);
  }
});

test('a 1x1 image preprocesses to a constant tensor', () => {
  const image = decodeImage(readBytes(join(IMAGES, 'one-pixel.png')), 'one-pixel.png');
  assert.deepEqual([image.widthPx, image.heightPx, ...image.data], [1, 1, 200, 100, 50]);
  const tensor = preprocess(image);
  assert.equal(tensor.length, 3 * 224 * 224);
  const plane = 224 * 224;
  const expected = normalize({ widthPx: 1, heightPx: 1, data: new Uint8Array([200, 100, 50]) });
  for (let c = 0; c < 3; c++) assert.ok(tensor.subarray(c * plane, (c + 1) * plane).every((v) => v === expected[c]));
});

test('bad sizes are InputErrors', () => {
  const image = gradient(4, 4);
  assert.throws(() => preprocess(image, { resizePx: 0 }), InputError);
  assert.throws(() => preprocess(image, { cropPx: 2.5 }), InputError);
  // An extreme aspect ratio: preprocess still works (only the crop is computed); the full resize is refused.
  const strip = gradient(4000, 1);
  assert.equal(preprocess(strip).length, 3 * 224 * 224);
  assert.throws(() => resizeShorterSide(strip, 256), /aspect ratio/);
});

// ---------------------------------------------------------------------------------------------------------------
// Bad input: every failure is an InputError that says what was wrong

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

const concat = (...parts: Uint8Array[]): Uint8Array => concatBytes(parts);

const PNG_SIGNATURE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function ihdr(widthPx: number, heightPx: number, bitDepth = 8, colorType = 2): Uint8Array {
  const body = new Uint8Array(13);
  const view = new DataView(body.buffer);
  view.setUint32(0, widthPx);
  view.setUint32(4, heightPx);
  body[8] = bitDepth;
  body[9] = colorType;
  return pngChunk('IHDR', body);
}

const chelseaPng = readBytes(join(FIXTURES, 'chelsea.png'));
const chelseaJpg = readBytes(join(FIXTURES, 'chelsea.jpg'));
const LIMIT = MAX_IMAGE_PIXELS.toLocaleString('en-US');

/** A JPEG with its frame header's size replaced. */
function jpegWithSize(widthPx: number, heightPx: number): Uint8Array {
  const bytes = chelseaJpg.slice();
  for (let i = 2; i < bytes.length - 8; i++) {
    if (bytes[i] === 0xff && bytes[i + 1] === 0xc0) {
      bytes[i + 5] = heightPx >> 8;
      bytes[i + 6] = heightPx & 255;
      bytes[i + 7] = widthPx >> 8;
      bytes[i + 8] = widthPx & 255;
      return bytes;
    }
  }
  throw new Error('no SOF0 in chelsea.jpg');
}

function withByte(bytes: Uint8Array, find: readonly number[], offset: number, value: number): Uint8Array {
  const out = bytes.slice();
  for (let i = 0; i < out.length - find.length; i++) {
    if (find.every((b, j) => out[i + j] === b)) {
      out[i + offset] = value;
      return out;
    }
  }
  throw new Error('pattern not found');
}

// One bad input a line: a table, not code.
// prettier-ignore
const badInputs: { name: string; source: string; bytes: Uint8Array; message: RegExp }[] = [
  { name: 'zero-byte file', source: 'empty.png', bytes: new Uint8Array(0), message: /empty\.png: the file is empty \(0 bytes\); accepted formats: JPEG .* PNG .* BMP/ },
  { name: 'text file named .jpg', source: 'notes.jpg', bytes: new TextEncoder().encode('This is not a picture.\nJust text.\n'), message: /notes\.jpg: not a supported image \(it looks like a text file\); accepted formats: JPEG/ },
  { name: 'unknown binary format', source: 'blob.bin', bytes: new Uint8Array([0x00, 0x01, 0x02, 0x03, 0xfe, 0x10, 0x00, 0x7f]), message: /not a supported image \(its first bytes match no known image format\); accepted formats/ },
  { name: 'GIF cut inside its header (GIF is decoded: test/unit/gif.test.ts)', source: 'a.gif', bytes: new TextEncoder().encode('GIF89a\x01\x00\x01\x00'), message: /a\.gif: GIF file is truncated or corrupt \(it ends inside the header\)/ },
  { name: 'WebP (recognized, not supported)', source: 'a.webp', bytes: new TextEncoder().encode('RIFF\x10\x00\x00\x00WEBPVP8 '), message: /it is a WebP image/ },
  { name: 'truncated PNG (half the file)', source: 'cut.png', bytes: chelseaPng.subarray(0, chelseaPng.length >> 1), message: /cut\.png: PNG file is truncated/ },
  { name: 'truncated PNG (inside the header)', source: 'cut.png', bytes: chelseaPng.subarray(0, 20), message: /PNG file is truncated \(it ends inside the header\)/ },
  { name: 'truncated JPEG (half the file)', source: 'cut.jpg', bytes: chelseaJpg.subarray(0, chelseaJpg.length >> 1), message: /cut\.jpg: JPEG file is truncated/ },
  { name: 'JPEG without its end-of-image marker', source: 'cut.jpg', bytes: chelseaJpg.subarray(0, chelseaJpg.length - 2), message: /JPEG file is truncated \(it ends before its end-of-image marker\)/ },
  { name: 'truncated JPEG (inside the headers)', source: 'cut.jpg', bytes: chelseaJpg.subarray(0, 100), message: /JPEG file is truncated/ },
  {
    name: 'PNG header claiming 30000x30000, nothing else (refused before decoding)', source: 'bomb.png',
    bytes: concat(PNG_SIGNATURE, ihdr(30000, 30000), pngChunk('IEND', new Uint8Array(0))),
    message: new RegExp(`bomb\\.png: the image is 30000x30000 = 900,000,000 pixels, over the limit of ${LIMIT} pixels \\(Pillow's Image\\.MAX_IMAGE_PIXELS`),
  },
  {
    name: 'PNG claiming 30000x30000 with real pixel data behind it', source: 'bomb.png',
    bytes: concat(PNG_SIGNATURE, ihdr(30000, 30000), pngChunk('IDAT', deflateSync(new Uint8Array(1 << 20))), pngChunk('IEND', new Uint8Array(0))),
    message: new RegExp(`over the limit of ${LIMIT} pixels`),
  },
  { name: 'JPEG frame header claiming 65535x65535', source: 'bomb.jpg', bytes: jpegWithSize(65535, 65535), message: new RegExp(`65535x65535 = 4,294,836,225 pixels, over the limit of ${LIMIT}`) },
  { name: 'JPEG claiming 9000x9000 (under the limit) with 35 kB of data', source: 'liar.jpg', bytes: jpegWithSize(9000, 9000), message: /truncated or corrupt: \d+ bytes of image data cannot hold a 9000x9000 image/ },
  { name: 'PNG with a bad IHDR checksum', source: 'crc.png', bytes: withByte(chelseaPng, [0x49, 0x48, 0x44, 0x52], 6, 0x99), message: /corrupt PNG file \(bad IHDR checksum\)/ },
  { name: 'PNG with corrupt compressed data', source: 'zlib.png', bytes: concat(PNG_SIGNATURE, ihdr(4, 4), pngChunk('IDAT', new Uint8Array([0x78, 0x9c, 0xff, 0xff, 0xff, 0xff])), pngChunk('IEND', new Uint8Array(0))), message: /corrupt PNG file \(bad compressed image data/ },
  { name: 'PNG with an unknown filter type', source: 'filter.png', bytes: concat(PNG_SIGNATURE, ihdr(1, 1), pngChunk('IDAT', deflateSync(new Uint8Array([9, 1, 2, 3]))), pngChunk('IEND', new Uint8Array(0))), message: /unknown scanline filter type 9/ },
  { name: 'PNG with a bad color type', source: 'ct.png', bytes: concat(PNG_SIGNATURE, ihdr(1, 1, 8, 5), pngChunk('IEND', new Uint8Array(0))), message: /unsupported PNG color type 5 \(accepted: 0 gray, 2 RGB, 3 palette, 4 gray\+alpha, 6 RGBA\)/ },
  { name: 'PNG palette image without PLTE', source: 'p.png', bytes: concat(PNG_SIGNATURE, ihdr(1, 1, 8, 3), pngChunk('IDAT', deflateSync(new Uint8Array([0, 0]))), pngChunk('IEND', new Uint8Array(0))), message: /palette image without a PLTE chunk/ },
  { name: '12-bit JPEG', source: 'deep.jpg', bytes: withByte(chelseaJpg, [0xff, 0xc0], 4, 12), message: /unsupported JPEG: 12-bit samples \(only 8-bit JPEGs are accepted\)/ },
  { name: 'JPEG with 2 components', source: 'two.jpg', bytes: withByte(chelseaJpg, [0xff, 0xc0], 9, 2), message: /unsupported JPEG: 2 color components/ },
  { name: 'lossless JPEG', source: 'lossless.jpg', bytes: withByte(chelseaJpg, [0xff, 0xc0], 1, 0xc3), message: /unsupported JPEG: lossless JPEG/ },
  { name: 'JPEG with nothing after SOI', source: 'soi.jpg', bytes: new Uint8Array([0xff, 0xd8, 0xff]), message: /JPEG file is truncated/ },
  { name: 'BMP cut in its pixel data', source: 'cut.bmp', bytes: readBytes(join(IMAGES, 'rgb24.bmp')).subarray(0, 500), message: /cut\.bmp: BMP file is truncated \(its pixel data holds/ },
  { name: 'RLE BMP', source: 'rle.bmp', bytes: withByte(readBytes(join(IMAGES, 'palette8.bmp')), [0x28, 0, 0, 0], 16, 1), message: /unsupported BMP: RLE compression/ },
];

for (const bad of badInputs) {
  test(`bad input: ${bad.name} → InputError`, () => {
    assert.throws(
      () => decodeImage(bad.bytes, bad.source),
      (error: unknown) => {
        assert.ok(error instanceof InputError, `not an InputError: ${String(error)}`);
        assert.match(error.message, bad.message);
        return true;
      },
    );
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Fuzz: mutated headers give a decoded image or an InputError, nothing else (no crash, hang or huge allocation)

/** Recomputes every PNG chunk CRC before the first IDAT so mutations reach past the checksum check. */
function fixPngCrcs(bytes: Uint8Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 8; at + 12 <= bytes.length;) {
    const length = view.getUint32(at);
    if (at + 12 + length > bytes.length) return;
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    view.setUint32(at + 8 + length, crc32(bytes.subarray(at + 4, at + 8 + length)));
    if (type === 'IDAT') return;
    at += 12 + length;
  }
}

function fuzz(name: string, original: Uint8Array, headerBytes: number, seed: number, count: number, fixup?: (b: Uint8Array) => void): void {
  test(`fuzz: ${count} mutated ${name} headers → an image or an InputError only`, () => {
    const random = prng(seed);
    const outcomes = new Map<string, number>();
    let decoded = 0;
    for (let i = 0; i < count; i++) {
      let bytes = original.slice();
      const mutations = 1 + Math.floor(random() * 4);
      for (let m = 0; m < mutations; m++) {
        const at = 2 + Math.floor(random() * (headerBytes - 2));
        const r = random();
        bytes[at] = r < 0.3 ? 0 : r < 0.5 ? 0xff : Math.floor(random() * 256);
      }
      if (fixup && random() < 0.7) fixup(bytes);
      if (random() < 0.15) bytes = bytes.subarray(0, Math.floor(random() * bytes.length));
      let image: RgbImage;
      try {
        image = decodeImage(bytes, `${name}#${i}`);
      } catch (error) {
        if (!(error instanceof InputError)) assert.fail(`${name} mutation #${i} (seed ${seed}) threw ${String(error)}`);
        const kind = error.message
          .replace(/^[^:]*: /, '')
          .replace(/\d[\d,]*/g, 'N')
          .slice(0, 60);
        outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
        continue;
      }
      decoded++;
      assert.equal(image.data.length, image.widthPx * image.heightPx * 3);
    }
    console.log(`${name} fuzz: ${decoded} decoded, ${count - decoded} InputErrors of ${outcomes.size} kinds`);
    if (process.env.FUZZ_KINDS) console.log(outcomes);
  });
}

fuzz('chelsea.png', chelseaPng, 120, 1, 10_000, fixPngCrcs);
fuzz('chelsea.jpg', chelseaJpg, 640, 2, 10_000);
fuzz('progressive JPEG', readBytes(join(IMAGES, 'rgb-420-progressive.jpg')), 900, 3, 10_000);
fuzz('BMP', readBytes(join(IMAGES, 'palette8.bmp')), 120, 4, 10_000);
