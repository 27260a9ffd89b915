import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { initBackend, tf } from '../../src/model/tf';
import {
  GROUPED_METHODS,
  candidateMethods,
  chooseGroupedMethod,
  groupedCalibrations,
  groupedConv2d,
  groupedMethods,
  prepareGroupedConv,
  type GroupedMethodOption,
} from '../../src/model/groupedConv';
import { architecture } from '../../src/model/architecture';
import { buildNetwork, mulberry32 } from '../../src/model/network';
import { maxAbsDiff, tinyConfig } from '../helpers';

/** PyTorch's Conv2d(groups=G, dilation=d) written out: NCHW input, weight [Cout, Cin/G, k, k], symmetric zero padding. */
function naiveGroupedConv(
  x: Float32Array,
  [n, cin, h, w]: [number, number, number, number],
  weight: Float32Array,
  bias: Float32Array,
  cout: number,
  k: number,
  groups: number,
  stride: number,
  pad: number,
  dilation = 1,
) {
  const span = (k - 1) * dilation + 1;
  const ho = Math.floor((h + 2 * pad - span) / stride) + 1;
  const wo = Math.floor((w + 2 * pad - span) / stride) + 1;
  const inPerGroup = cin / groups;
  const outPerGroup = cout / groups;
  const out = new Float64Array(n * cout * ho * wo);
  for (let b = 0; b < n; b++)
    for (let o = 0; o < cout; o++) {
      const g = Math.floor(o / outPerGroup);
      for (let y = 0; y < ho; y++)
        for (let xx = 0; xx < wo; xx++) {
          let acc = bias[o]!;
          for (let i = 0; i < inPerGroup; i++) {
            const c = g * inPerGroup + i;
            for (let ky = 0; ky < k; ky++)
              for (let kx = 0; kx < k; kx++) {
                const iy = y * stride - pad + ky * dilation;
                const ix = xx * stride - pad + kx * dilation;
                if (iy < 0 || ix < 0 || iy >= h || ix >= w) continue;
                acc += x[((b * cin + c) * h + iy) * w + ix]! * weight[((o * inPerGroup + i) * k + ky) * k + kx]!;
              }
          }
          out[((b * cout + o) * ho + y) * wo + xx] = acc;
        }
    }
  return { out, shape: [n, cout, ho, wo] };
}

const CASES: [number, number, number, number, number, number, number, number, number?][] = [
  // [cin, cout, groups, k, stride, pad, h, w, dilation]
  [8, 8, 4, 3, 1, 1, 9, 9],
  [8, 16, 4, 3, 2, 1, 10, 7], // Cin/G = 2, Cout/G = 4
  [12, 6, 3, 3, 2, 1, 11, 11], // Cout/G < Cin/G, odd G (pairs falls back to one group per conv)
  [6, 6, 6, 3, 1, 1, 5, 6], // depthwise proper (Cin/G = 1)
  [6, 18, 6, 3, 2, 1, 7, 5], // one input channel per group, M = 3
  [16, 32, 2, 3, 1, 1, 6, 6],
  [32, 32, 32, 3, 2, 1, 8, 8],
  [24, 48, 8, 1, 2, 0, 7, 7], // 1x1 grouped, stride 2
  [20, 20, 10, 3, 1, 0, 6, 7], // no padding
  [12, 24, 6, 5, 2, 2, 9, 8], // 5x5, pad 2
  [40, 40, 4, 3, 2, 1, 5, 5], // M = 10 (pairs: blocks of 20)
  [4, 4, 1, 3, 1, 1, 5, 5], // G = 1 through the same paths
  [8, 8, 4, 3, 1, 2, 9, 7, 2], // timm SelectiveKernel's dilated path: 3x3, dilation 2, padding 2
  [6, 6, 6, 3, 1, 2, 6, 6, 2], // the same, depthwise proper
  [16, 32, 2, 3, 1, 2, 5, 8, 2], // Cin/G = 8 (the per-group convs dilate too)
  [4, 4, 1, 3, 1, 2, 5, 5, 2], // G = 1 dilated
];

for (const method of GROUPED_METHODS) {
  test(`grouped conv (${method} method) equals a naive grouped conv within 1e-5`, async () => {
    await initBackend();
    const rand = mulberry32(42);
    const before = tf.memory().numTensors;
    for (const [cin, cout, groups, k, stride, pad, h, w, dilation = 1] of CASES) {
      const x = Float32Array.from({ length: 2 * cin * h * w }, () => rand() * 2 - 1);
      const weight = Float32Array.from({ length: cout * (cin / groups) * k * k }, () => rand() * 2 - 1);
      const bias = Float32Array.from({ length: cout }, () => rand() - 0.5);
      const spec = { inChannels: cin, outChannels: cout, groups, kernel: k, stride, padding: pad, dilation };
      for (const withBias of [true, false]) {
        const expected = naiveGroupedConv(x, [2, cin, h, w], weight, withBias ? bias : new Float32Array(cout), cout, k, groups, stride, pad, dilation);
        const prepared = prepareGroupedConv(weight, withBias ? bias : undefined, spec, method);
        assert.equal(prepared.method, method);
        for (const relu of [false, true]) {
          const result = tf.tidy(() => {
            const nhwc = tf.transpose(tf.tensor4d(x, [2, cin, h, w]), [0, 2, 3, 1]) as tf.Tensor4D;
            return tf.transpose(groupedConv2d(nhwc, prepared, relu), [0, 3, 1, 2]);
          });
          assert.deepEqual(result.shape, expected.shape);
          const got = result.dataSync();
          result.dispose();
          let max = 0;
          for (let i = 0; i < got.length; i++) max = Math.max(max, Math.abs(got[i]! - (relu ? Math.max(0, expected.out[i]!) : expected.out[i]!)));
          assert.ok(max <= 1e-5, `${method}, case ${[cin, cout, groups, k, stride, pad, h, w, dilation]} bias=${withBias} relu=${relu}: max abs diff ${max}`);
        }
        for (const t of prepared.tensors) t.dispose();
      }
    }
    assert.equal(tf.memory().numTensors, before);
  });
}

test('prepareGroupedConv without weights gives zeros (plus ReLU: zeros) in every method, and checks the weight size', async () => {
  await initBackend();
  const spec = { inChannels: 8, outChannels: 8, groups: 4, kernel: 3, stride: 1, padding: 1 };
  for (const method of GROUPED_METHODS) {
    const prepared = prepareGroupedConv(undefined, undefined, spec, method);
    const y = tf.tidy(() => groupedConv2d(tf.randomUniform([1, 5, 5, 8], -1, 1) as tf.Tensor4D, prepared, false));
    assert.deepEqual(y.shape, [1, 5, 5, 8]);
    assert.ok(
      y.dataSync().every((v) => v === 0),
      method,
    );
    y.dispose();
    for (const t of prepared.tensors) t.dispose();
    assert.throws(() => prepareGroupedConv(new Float32Array(10), undefined, spec, method), /expected 8·2·3·3/);
  }
  assert.throws(() => prepareGroupedConv(undefined, undefined, { ...spec, groups: 3 }, 'perGroup'), /must divide/);
});

test('candidates: depthwise alone with one input channel per group; pairs only with an even G and M ≤ 16', () => {
  const spec = (inChannels: number, outChannels: number, groups: number) => ({ inChannels, outChannels, groups, kernel: 3, stride: 1, padding: 1 });
  assert.deepEqual(candidateMethods(spec(32, 64, 32)), ['depthwise']);
  assert.deepEqual(candidateMethods(spec(128, 128, 32)), ['depthwise', 'perGroup', 'pairs']);
  assert.deepEqual(candidateMethods(spec(512, 512, 32)), ['depthwise', 'perGroup', 'pairs']);
  assert.deepEqual(candidateMethods(spec(1024, 1024, 32)), ['depthwise', 'perGroup']);
  assert.deepEqual(candidateMethods(spec(12, 12, 3)), ['depthwise', 'perGroup']);
});

test('auto measures each layer shape once per process and picks one of its candidates', async () => {
  await initBackend();
  const before = tf.memory().numTensors;
  const spec = { inChannels: 32, outChannels: 32, groups: 4, kernel: 3, stride: 2, padding: 1 };
  const first = chooseGroupedMethod(spec, 6, 5);
  assert.ok(candidateMethods(spec).includes(first));
  const count = groupedCalibrations().length;
  const record = groupedCalibrations().at(-1)!;
  assert.equal(record.method, first);
  assert.match(record.key, /32→32 in 4 groups, 3x3\/2 pad 1, out 6x5/);
  // Every candidate ran at least once; the winner has the fastest run, and no run beat a candidate's first.
  assert.deepEqual(Object.keys(record.firstMs).sort(), [...candidateMethods(spec)].sort());
  assert.deepEqual(Object.keys(record.ms).sort(), [...candidateMethods(spec)].sort());
  assert.ok(record.ms[first]! <= Math.min(...Object.values(record.ms)), JSON.stringify(record));
  for (const m of candidateMethods(spec)) assert.ok(record.ms[m]! <= record.firstMs[m]!, m);
  assert.equal(chooseGroupedMethod(spec, 6, 5), first);
  assert.equal(groupedCalibrations().length, count, 'the same shape again is not measured again');
  chooseGroupedMethod(spec, 7, 5);
  assert.equal(groupedCalibrations().length, count + 1, 'another output size is another shape');
  assert.equal(chooseGroupedMethod({ ...spec, inChannels: 4, outChannels: 8 }, 6, 5), 'depthwise', 'a single candidate needs no measurement');
  assert.equal(groupedCalibrations().length, count + 1);
  assert.equal(tf.memory().numTensors, before);
});

test('a network gives the same logits with auto and with each method forced (1e-5 relative)', async () => {
  await initBackend();
  const config = { ...tinyConfig(), inputHeightPx: 64, inputWidthPx: 48 };
  const input = tf.randomUniform([2, 3, 64, 48], -2, 2, 'float32', 7) as tf.Tensor4D;
  const logits = async (groupedMethod: GroupedMethodOption): Promise<Float32Array> => {
    const network = await buildNetwork(config, { seed: 5, groupedMethod });
    try {
      const out = network.forward(input);
      const values = (await out.data()) as Float32Array;
      out.dispose();
      return values;
    } finally {
      network.dispose();
    }
  };
  const auto = await logits('auto');
  const scale = Math.max(...auto.map(Math.abs));
  assert.ok(scale > 0, 'logits are not all zero');
  const layers = groupedMethods(architecture(config), 'auto');
  assert.equal(layers.size, 5, 'tiny has five grouped convs'); // [2,1,1,1] blocks
  for (const method of GROUPED_METHODS) {
    const forced = await logits(method);
    assert.equal(forced.length, auto.length);
    const diff = maxAbsDiff(forced, auto);
    assert.ok(diff <= 1e-5 * scale, `${method}: max abs diff ${diff} against auto (logit scale ${scale})`);
    assert.ok([...groupedMethods(architecture(config), method).values()].every((m) => m === method));
  }
  input.dispose();
});
