import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { initBackend, tf } from '../../src/model/tf';
import { buildNetwork } from '../../src/model/network';
import { readSafetensors } from '../../src/model/weights/safetensors';
import { inferConfig } from '../../src/model/weights/infer';
import { readWeights } from '../../src/model/weights/load';
import { summarize } from '../../src/model/summarize';
import { presetConfig } from '../../src/model/config';
import { WeightsError } from '../../src/model/errors';
import { fixture, linspace, maxAbsDiff, tinyConfig, tinyReference } from '../helpers';

const INPUTS = {
  zeros: () => new Float32Array(3 * 224 * 224),
  linspace: () => linspace(-2, 2, 3 * 224 * 224),
};

for (const precision of ['fp32', 'fp16', 'bf16'] as const) {
  test(`tiny_${precision}.safetensors: logits for zeros and linspace equal PyTorch's within 1e-4`, async () => {
    await initBackend();
    const ref = tinyReference();
    const stateDict = readSafetensors(fixture(`tiny_${precision}.safetensors`), `tiny_${precision}.safetensors`);
    const network = await buildNetwork(tinyConfig(), { stateDict });
    try {
      for (const [name, make] of Object.entries(INPUTS) as [keyof typeof INPUTS, () => Float32Array][]) {
        const input = tf.tensor4d(make(), [1, 3, 224, 224]);
        const logits = network.forward(input);
        const values = await logits.data();
        input.dispose();
        logits.dispose();
        const diff = maxAbsDiff(values, ref.outputs[name][precision]);
        assert.ok(diff <= 1e-4, `${precision} ${name}: max abs diff ${diff}`);
      }
    } finally {
      network.dispose();
    }
  });
}

test('every state-dict fixture (.pth zip, legacy, wrapped; safetensors) reproduces the fp32 reference logits within 1e-4', async () => {
  await initBackend();
  const ref = tinyReference();
  for (const file of ['tiny.pth', 'tiny_legacy.pth', 'tiny_wrapped.pth', 'tiny_fp32.safetensors']) {
    const { stateDict } = readWeights(fixture(file), file);
    const network = await buildNetwork(inferConfig(stateDict, file), { stateDict, source: file });
    try {
      for (const [name, make] of Object.entries(INPUTS) as [keyof typeof INPUTS, () => Float32Array][]) {
        const input = tf.tensor4d(make(), [1, 3, 224, 224]);
        const logits = network.forward(input);
        const diff = maxAbsDiff(await logits.data(), ref.outputs[name].fp32);
        input.dispose();
        logits.dispose();
        assert.ok(diff <= 1e-4, `${file} ${name}: max abs diff ${diff}`);
      }
    } finally {
      network.dispose();
    }
  }
});

test('the architecture of the tiny checkpoint is inferred from its keys and shapes', () => {
  const stateDict = readSafetensors(fixture('tiny_fp32.safetensors'));
  assert.deepEqual(inferConfig(stateDict, 'tiny'), tinyConfig());
});

test('weights of another architecture: one error listing the shape mismatches and the expected configuration', async () => {
  const stateDict = readSafetensors(fixture('tiny_fp32.safetensors'), 'tiny_fp32.safetensors');
  await assert.rejects(
    () => buildNetwork({ ...tinyConfig(), groups: 2, widthPerGroup: 32 }, { stateDict, source: 'tiny_fp32.safetensors' }),
    (e: unknown) =>
      e instanceof WeightsError &&
      /do not fit .*groups 2, width per group 32/.test(e.message) &&
      /shape mismatches \(5\): layer1\.0\.conv2\.weight: file has \[8, 2, 3, 3\], the network expects \[8, 4, 3, 3\]/.test(e.message),
  );
  await assert.rejects(() => buildNetwork({ ...tinyConfig(), layers: [3, 1, 1, 1] }, { stateDict }), /missing keys \(\d+\): layer1\.2\.conv1\.weight/);
  await assert.rejects(() => buildNetwork({ ...tinyConfig(), layers: [1, 1, 1, 1] }, { stateDict }), /unexpected keys \(15\): layer1\.1\./);
});

test('summarizing 20 times in one process leaves tf.memory().numTensors where it started', async () => {
  await initBackend();
  await summarize(tinyConfig());
  const before = tf.memory().numTensors;
  for (let i = 0; i < 20; i++) await summarize(i % 2 ? presetConfig('resnext50_32x4d') : tinyConfig());
  assert.equal(tf.memory().numTensors, before);
  const network = await buildNetwork(tinyConfig());
  network.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('streamed residency: the same logits as resident, with at most one layer of weights in TF.js at a time', async () => {
  await initBackend();
  const config = presetConfig('resnext50_32x4d');
  const input = tf.tensor4d(linspace(-2, 2, 3 * 224 * 224), [1, 3, 224, 224]);
  const resident = await buildNetwork(config, { init: 'random', seed: 7, groupedMethod: 'depthwise' });
  const residentBytes = tf.memory().numBytes - input.size * 4;
  const expected = resident.forward(input);
  const want = await expected.data();
  expected.dispose();
  resident.dispose();

  const before = tf.memory();
  const streamed = await buildNetwork(config, { init: 'random', seed: 7, groupedMethod: 'depthwise', residency: 'streamed' });
  let peak = 0;
  const logits = streamed.forward(input, () => {
    peak = Math.max(peak, tf.memory().numBytes - before.numBytes);
  });
  const got = await logits.data();
  logits.dispose();
  streamed.dispose();
  input.dispose();
  assert.deepEqual(Array.from(got), Array.from(want), 'streamed and resident run the same ops on the same weights');
  // Resident holds all 25M params (~100 MB) as tensors; streamed at most the activations plus one layer's weights.
  assert.ok(residentBytes > 90e6, `resident weights ${residentBytes} bytes`);
  assert.ok(peak < residentBytes / 3, `streamed peak ${peak} bytes against ${residentBytes} resident`);
  assert.equal(tf.memory().numTensors, before.numTensors - 1, 'nothing left behind but the disposed input');
});
