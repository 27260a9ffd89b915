/**
 * A minimal PNG writer for 8-bit RGB (color type 2, no interlace, filter 0 on every row): IHDR, one IDAT compressed
 * by Node's zlib, IEND. Written here rather than taken from a package because this is all the project writes (the CAM
 * overlay) and it is about thirty lines on node:zlib; the decoder in png.ts (checked against Pillow) reads it back in
 * the tests.
 */
import * as zlib from 'node:zlib';
import type { RgbPixels } from './preprocess';

function chunk(type: string, body: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), body])) >>> 0, 0);
  return Buffer.concat([head, body, crc]);
}

export function encodePng(image: RgbPixels): Buffer {
  const { widthPx: w, heightPx: h, data } = image;
  if (data.length !== w * h * 3) throw new Error(`RGB data is ${data.length} bytes, expected ${w}x${h}x3`);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // bit depth 8, RGB, deflate, filter method 0, no interlace
  const raw = Buffer.alloc(h * (w * 3 + 1));
  for (let y = 0; y < h; y++) raw.set(data.subarray(y * w * 3, (y + 1) * w * 3), y * (w * 3 + 1) + 1);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}
