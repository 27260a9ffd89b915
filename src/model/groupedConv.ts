/**
 * Grouped convolution on TF.js, whose conv2d has no `groups` (DESIGN §2, "depthwise method").
 *
 * A grouped conv with G groups maps each group's Cin/G inputs to its M = Cout/G outputs. A depthwise conv over all
 * Cin channels with channel multiplier M produces, for input channel c = g·(Cin/G) + i, the outputs c·M + m: the
 * product of input i of group g with the weights of output m of group g. Summing over i gives output g·M + m, which
 * is exactly PyTorch's channel order. So: depthwiseConv2d → reshape [N,H,W,G,Cin/G,M] → sum over Cin/G. It does the
 * grouped conv's multiply-adds and nothing more (the block-diagonal dense weight would do G times as many).
 */
import { tf } from './tf';

export interface GroupedConvWeights {
  /** Depthwise filter [kh, kw, Cin, M]. */
  readonly filter: tf.Tensor4D;
  /** Bias per depthwise output channel [Cin·M]: the conv's bias on i = 0 of each group, 0 elsewhere, so the sum
   * over i adds it once. */
  readonly bias: tf.Tensor1D;
  readonly groups: number;
  readonly inChannels: number;
  readonly outChannels: number;
}

/**
 * Rearranges a PyTorch grouped-conv weight [Cout, Cin/G, k, k] (and a bias [Cout]) into the depthwise form:
 * filter[y, x, g·Ig + i, m] = W[g·M + m, i, y, x].
 */
export function groupedConvFilter(
  weight: Float32Array,
  bias: Float32Array | undefined,
  inChannels: number,
  outChannels: number,
  kernel: number,
  groups: number,
): GroupedConvWeights {
  const inPerGroup = inChannels / groups;
  const outPerGroup = outChannels / groups;
  const kk = kernel * kernel;
  const filter = new Float32Array(kk * inChannels * outPerGroup);
  for (let g = 0; g < groups; g++) {
    for (let m = 0; m < outPerGroup; m++) {
      const o = g * outPerGroup + m;
      for (let i = 0; i < inPerGroup; i++) {
        const c = g * inPerGroup + i;
        const src = (o * inPerGroup + i) * kk;
        for (let p = 0; p < kk; p++) filter[(p * inChannels + c) * outPerGroup + m] = weight[src + p]!;
      }
    }
  }
  const depthwiseBias = new Float32Array(inChannels * outPerGroup);
  if (bias) {
    for (let g = 0; g < groups; g++) {
      for (let m = 0; m < outPerGroup; m++) depthwiseBias[g * inPerGroup * outPerGroup + m] = bias[g * outPerGroup + m]!;
    }
  }
  return {
    filter: tf.tensor4d(filter, [kernel, kernel, inChannels, outPerGroup]),
    bias: tf.tensor1d(depthwiseBias),
    groups,
    inChannels,
    outChannels,
  };
}

/** Grouped conv (NHWC) with symmetric zero padding as PyTorch pads, optional fused ReLU. */
export function groupedConv2d(x: tf.Tensor4D, w: GroupedConvWeights, stride: number, padding: number, relu: boolean): tf.Tensor4D {
  return tf.tidy(() => {
    const inPerGroup = w.inChannels / w.groups;
    const outPerGroup = w.outChannels / w.groups;
    if (inPerGroup === 1) {
      // Depthwise proper: nothing to sum, the fused op applies bias and ReLU.
      return tf.fused.depthwiseConv2d({ x, filter: w.filter, bias: w.bias, strides: stride, pad: padding, activation: relu ? 'relu' : 'linear' });
    }
    const y = tf.fused.depthwiseConv2d({ x, filter: w.filter, bias: w.bias, strides: stride, pad: padding });
    const [n, h, wd] = y.shape;
    const summed = tf.sum(tf.reshape(y, [n * h * wd * w.groups, inPerGroup, outPerGroup]), 1);
    const out = tf.reshape(summed, [n, h, wd, w.outChannels]) as tf.Tensor4D;
    return relu ? tf.relu(out) : out;
  });
}
