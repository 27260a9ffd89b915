import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { initBackend, tf } from '../../src/model/tf';
import { groupedConv2d, groupedConvFilter } from '../../src/model/groupedConv';
import { mulberry32 } from '../../src/model/network';

/** PyTorch's Conv2d(groups=G) written out: NCHW input, weight [Cout, Cin/G, k, k], symmetric zero padding. */
function naiveGroupedConv(x: Float32Array, [n, cin, h, w]: [number, number, number, number], weight: Float32Array, bias: Float32Array, cout: number, k: number, groups: number, stride: number, pad: number) {
  const ho = Math.floor((h + 2 * pad - k) / stride) + 1;
  const wo = Math.floor((w + 2 * pad - k) / stride) + 1;
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
                const iy = y * stride - pad + ky;
                const ix = xx * stride - pad + kx;
                if (iy < 0 || ix < 0 || iy >= h || ix >= w) continue;
                acc += x[((b * cin + c) * h + iy) * w + ix]! * weight[((o * inPerGroup + i) * k + ky) * k + kx]!;
              }
          }
          out[((b * cout + o) * ho + y) * wo + xx] = acc;
        }
    }
  return { out, shape: [n, cout, ho, wo] };
}

test('grouped conv (depthwise method) equals a naive grouped conv within 1e-5', async () => {
  await initBackend();
  const rand = mulberry32(42);
  const cases: [number, number, number, number, number, number, number][] = [
    // [cin, cout, groups, k, stride, h, w]
    [8, 8, 4, 3, 1, 9, 9],
    [8, 16, 4, 3, 2, 10, 7], // Cin/G = 2, Cout/G = 4
    [12, 6, 3, 3, 2, 11, 11], // Cout/G < Cin/G
    [6, 6, 6, 3, 1, 5, 6], // depthwise proper (Cin/G = 1)
    [16, 32, 2, 3, 1, 6, 6],
    [32, 32, 32, 3, 2, 8, 8],
    [24, 48, 8, 1, 2, 7, 7], // 1x1 grouped, stride 2
    [4, 4, 1, 3, 1, 5, 5], // G = 1 through the same path
  ];
  const before = tf.memory().numTensors;
  for (const [cin, cout, groups, k, stride, h, w] of cases) {
    const pad = Math.floor(k / 2);
    const x = Float32Array.from({ length: 2 * cin * h * w }, () => rand() * 2 - 1);
    const weight = Float32Array.from({ length: cout * (cin / groups) * k * k }, () => rand() * 2 - 1);
    const bias = Float32Array.from({ length: cout }, () => rand() - 0.5);
    const expected = naiveGroupedConv(x, [2, cin, h, w], weight, bias, cout, k, groups, stride, pad);
    const weights = groupedConvFilter(weight, bias, cin, cout, k, groups);
    for (const relu of [false, true]) {
      const result = tf.tidy(() => {
        const nhwc = tf.transpose(tf.tensor4d(x, [2, cin, h, w]), [0, 2, 3, 1]) as tf.Tensor4D;
        return tf.transpose(groupedConv2d(nhwc, weights, stride, pad, relu), [0, 3, 1, 2]);
      });
      assert.deepEqual(result.shape, expected.shape);
      const got = result.dataSync();
      result.dispose();
      let max = 0;
      for (let i = 0; i < got.length; i++) max = Math.max(max, Math.abs(got[i]! - (relu ? Math.max(0, expected.out[i]!) : expected.out[i]!)));
      assert.ok(max <= 1e-5, `case ${[cin, cout, groups, k, stride, h, w]} relu=${relu}: max abs diff ${max}`);
    }
    weights.filter.dispose();
    weights.bias.dispose();
  }
  assert.equal(tf.memory().numTensors, before);
});
