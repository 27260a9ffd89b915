/**
 * Class activation maps against PyTorch (test/fixtures/evaluate/make_evaluate.py): the grid on layer4, its upsampling
 * as F.interpolate does it, the CLI's --cam JSON and the --cam-out PNG (read back by our Pillow-checked decoder).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { classifyFiles, loadClassifier } from '../../src/model/classify';
import { camOverlay, upsampleBilinear, type ClassActivationMap } from '../../src/model/cam';
import { VIRIDIS, viridis } from '../../src/model/colormap';
import { decodeImage } from '../../src/model/image/decode';
import { encodePng } from '../../src/model/image/pngEncode';
import { fixture, FIXTURES, maxAbsDiff, ROOT, ENGINES, engineSkip } from '../helpers';

interface CamReference {
  resizePx: number;
  cropPx: number;
  class: number;
  logits: number[];
  grid: number[][];
  upsampled13x20: number[][];
}
const references = (): CamReference[] => JSON.parse(fixture('evaluate/cam_reference.json').toString('utf8')) as CamReference[];
const CLI = path.join(ROOT, 'dist', 'cli.js');
const CHELSEA_PNG = path.join(FIXTURES, 'chelsea.png');

for (const engine of ENGINES)
  test(`CAM grid of the top-1 class equals PyTorch's within 1e-4 on PNG input (224 and 128 crops) on ${engine}`, { skip: engineSkip(engine) }, async () => {
    const classifier = await loadClassifier(path.join(FIXTURES, 'tiny.pth'), { engine });
    assert.equal(classifier.engine.info.name, engine);
    try {
      for (const ref of references()) {
        const c = await classifyFiles(classifier, [CHELSEA_PNG], { resizePx: ref.resizePx, cropPx: ref.cropPx, topK: 5, cam: 'top1' });
        const cam = c.results[0]!.cam!;
        assert.equal(cam.class, ref.class);
        assert.equal(cam.grid.length, ref.grid.length);
        assert.equal(cam.grid[0]!.length, ref.grid[0]!.length);
        const diff = maxAbsDiff(cam.grid.flat(), ref.grid.flat());
        assert.ok(diff <= 1e-4, `crop ${ref.cropPx}: max abs diff ${diff}`);
        assert.equal(cam.min, Math.min(...cam.grid.flat()));
        assert.equal(cam.max, Math.max(...cam.grid.flat()));
        // The map's mean plus fc.bias[c] is the logit of c (global average pool, then Linear).
        const mean = cam.grid.flat().reduce((a, b) => a + b, 0) / cam.grid.flat().length;
        const fcBias = c.results[0]!.logits[ref.class]! - mean;
        assert.ok(Math.abs(c.results[0]!.logits[ref.class]! - ref.logits[ref.class]!) <= 1e-4);
        assert.ok(Number.isFinite(fcBias));
      }
      // 'top': one map per top-K class, in the order of `top`, the first being `cam`.
      const all = await classifyFiles(classifier, [CHELSEA_PNG], { resizePx: 256, cropPx: 224, topK: 3, cam: 'top' });
      const r = all.results[0]!;
      assert.deepEqual(
        r.cams!.map((m) => m.class),
        r.top.map((t) => t.index),
      );
      assert.deepEqual(r.cams![0], r.cam);
      // Without cam, no map and the same logits.
      const plain = await classifyFiles(classifier, [CHELSEA_PNG], { resizePx: 256, cropPx: 224, topK: 3 });
      assert.equal(plain.results[0]!.cam, undefined);
      assert.deepEqual(plain.results[0]!.logits, r.logits);
    } finally {
      classifier.dispose();
    }
  });

test("bilinear upsampling equals F.interpolate(mode='bilinear', align_corners=False)", () => {
  for (const ref of references()) {
    const up = upsampleBilinear(ref.grid, 13, 20);
    const diff = maxAbsDiff(up, ref.upsampled13x20.flat());
    assert.ok(diff <= 1e-5, `max abs diff ${diff}`);
  }
});

test('viridis: the published end points; the overlay blends the colormap over the image', () => {
  assert.equal(VIRIDIS.length, 256 * 3);
  assert.deepEqual(viridis(0), [0x44, 0x01, 0x54]);
  assert.deepEqual(viridis(1), [0xfd, 0xe7, 0x25]);
  assert.deepEqual(viridis(Number.NaN), viridis(0));
  const image = { widthPx: 2, heightPx: 1, data: new Uint8Array([0, 0, 0, 255, 255, 255]) };
  const cam: ClassActivationMap = { class: 0, grid: [[-1, 3]], min: -1, max: 3 };
  // Opacity 1: pure colormap; left is the minimum (viridis 0), right the maximum (viridis 1).
  assert.deepEqual([...camOverlay(image, cam, 1).data], [0x44, 0x01, 0x54, 0xfd, 0xe7, 0x25]);
  assert.deepEqual([...camOverlay(image, cam, 0).data], [...image.data]);
  assert.deepEqual([...camOverlay(image, cam, 0.5).data], [34, 1, 42, 254, 243, 146]);
  assert.throws(() => camOverlay(image, cam, 1.5), /opacity must be in \[0, 1\]/);
});

test('encodePng writes a PNG our Pillow-checked decoder reads back exactly', () => {
  const w = 37;
  const h = 11;
  const data = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 31 + (i >> 5)) & 0xff);
  const decoded = decodeImage(encodePng({ widthPx: w, heightPx: h, data }), 'roundtrip.png');
  assert.equal(decoded.widthPx, w);
  assert.equal(decoded.heightPx, h);
  assert.equal(decoded.mode, 'RGB');
  assert.deepEqual(decoded.data, data);
});

test('resnext classify --cam (JSON) and --cam-out (a 224x224 PNG overlay); --cam-out refuses several images', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resnext-cam-'));
  try {
    const out = path.join(dir, 'cam.png');
    const r = spawnSync(process.execPath, [CLI, 'classify', CHELSEA_PNG, '--weights', path.join(FIXTURES, 'tiny.pth'), '--cam-out', out, '--format', 'json'], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const cam = JSON.parse(r.stdout).results[0].cam;
    const ref = references()[0]!;
    assert.deepEqual(Object.keys(cam), ['class', 'grid', 'min', 'max']);
    assert.equal(cam.class, ref.class);
    assert.ok(maxAbsDiff(cam.grid.flat(), ref.grid.flat()) <= 1e-4);
    const png = decodeImage(fs.readFileSync(out), out);
    assert.equal(png.widthPx, 224);
    assert.equal(png.heightPx, 224);
    assert.match(r.stderr, /wrote .*cam\.png \(CAM of class \d+ over the 224x224 center crop\)/);
    assert.deepEqual(fs.readdirSync(dir), ['cam.png']);
    const table = spawnSync(process.execPath, [CLI, 'classify', CHELSEA_PNG, '--weights', path.join(FIXTURES, 'tiny.pth'), '--cam'], { encoding: 'utf8' });
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`CAM of class ${ref.class} on the 7x7 grid: min -?\\d`));
    const two = spawnSync(process.execPath, [CLI, 'classify', CHELSEA_PNG, CHELSEA_PNG, '--weights', path.join(FIXTURES, 'tiny.pth'), '--cam-out', out], {
      encoding: 'utf8',
    });
    assert.equal(two.status, 2);
    assert.match(two.stderr, /--cam-out writes one overlay, but 2 images were given/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
