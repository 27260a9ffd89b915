/**
 * `resnext export`: the tiny test network's ONNX file is the one onnx's full checker passed (byte for byte: its
 * sha256 is in test/fixtures/onnx/reference.json, written by make_onnx.py after check_model(full_check=True)), and
 * onnxruntime on it gives PyTorch's logits.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import type * as Ort from 'onnxruntime-node';
import { decodeOnnxModel } from '../../src/model/engines/onnx';
import { engineSkip, fixture, FIXTURES, maxAbsDiff, runCli } from '../helpers';

interface Reference {
  readonly sha256: string;
  readonly bytes: number;
  readonly logits: number[];
}
const REF = JSON.parse(fixture('onnx/reference.json').toString('utf8')) as Reference;

test(
  "export of the tiny network: the file onnx's full checker passed, and onnxruntime on it gives PyTorch's logits (≤ 1e-4)",
  { skip: engineSkip('onnxruntime') },
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resnext-export-'));
    try {
      const out = path.join(dir, 'tiny.onnx');
      const r = runCli('export', '--weights', path.join(FIXTURES, 'checkpoints', 'torchscript.pt'), '--out', out);
      assert.equal(r.code, 0, r.stderr);
      const bytes = fs.readFileSync(out);
      assert.equal(bytes.length, REF.bytes);
      assert.equal(createHash('sha256').update(bytes).digest('hex'), REF.sha256, 'the export changed: check it again with test/fixtures/onnx/make_onnx.py');
      assert.deepEqual(fs.readdirSync(dir), ['tiny.onnx'], 'no temporary file left');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const ort = require('onnxruntime-node') as typeof Ort;
      const session = await ort.InferenceSession.create(bytes);
      try {
        const input = new Float32Array(new Uint8Array(fixture('chelsea.png.V1.input.f32')).buffer);
        const result = await session.run({ input: new ort.Tensor('float32', input, [1, 3, 224, 224]) });
        const diff = maxAbsDiff(result.logits!.data as Float32Array, REF.logits);
        assert.ok(diff <= 1e-4, `ORT on the exported file vs PyTorch: max abs diff ${diff}`);
      } finally {
        await session.release();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('export without weights warns and uses random ones; --dynamic-batch and --opset; bad input is refused with a reason', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resnext-export-'));
  try {
    const out = path.join(dir, 'cifar.onnx');
    const r = runCli('export', 'resnext29_8x64d', '--groups', '2', '--width-per-group', '4', '--out', out, '--dynamic-batch', '--opset', '18');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: no --weights given: .* seeded random weights/);
    const m = decodeOnnxModel(fs.readFileSync(out));
    assert.equal(m.opset, 18);
    assert.deepEqual(m.inputs, [{ name: 'input', dims: ['batch', 3, 32, 32] }]);
    assert.deepEqual(m.outputs, [{ name: 'logits', dims: ['batch', 10] }]);
    const noOut = runCli('export', 'resnext50_32x4d');
    assert.equal(noOut.code, 2);
    assert.match(noOut.stderr, /export needs --out FILE\.onnx/);
    const badOpset = runCli('export', 'resnext50_32x4d', '--out', path.join(dir, 'x.onnx'), '--opset', '9');
    assert.equal(badOpset.code, 2);
    assert.match(badOpset.stderr, /--opset/);
    const notWeights = runCli('export', '--weights', path.join(FIXTURES, 'chelsea.jpg'), '--out', path.join(dir, 'y.onnx'));
    assert.equal(notWeights.code, 2);
    assert.deepEqual(fs.readdirSync(dir), ['cifar.onnx'], 'nothing written for refused input');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
