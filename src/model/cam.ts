/**
 * Class activation maps (Zhou et al., "Learning Deep Features for Discriminative Localization", CVPR 2016). These
 * networks end in a global average pool and one Linear layer, so for class c the map on layer4's final grid is
 * cam_c(y, x) = Σ_k fc.weight[c, k] · layer4[k, y, x] (Grad-CAM at layer4 gives the same map up to scale). Its mean
 * over the grid plus fc.bias[c] is the logit of c, which the tests use as a check. For display the grid is upsampled
 * bilinearly to the crop (PyTorch's `F.interpolate(mode="bilinear", align_corners=False)`), min-max normalized and
 * blended over the center crop with the viridis colormap.
 */
import { viridis } from './colormap';
import type { RgbPixels } from './image/preprocess';

/** The raw map of one class on the final grid: `grid[y][x]`, before any normalization. */
export interface ClassActivationMap {
  readonly class: number;
  readonly grid: number[][];
  readonly min: number;
  readonly max: number;
}

/**
 * cam_c on the grid, from layer4's output in NHWC order for one image (`features` is H·W·K long) and fc's weight
 * [numClasses, K] row-major. Summed in float64.
 */
export function classActivationMap(features: Float32Array, heightPx: number, widthPx: number, fcWeight: Float32Array, classIndex: number): ClassActivationMap {
  const k = features.length / (heightPx * widthPx);
  if (!Number.isInteger(k) || fcWeight.length % k !== 0)
    throw new Error(`layer4 features (${features.length}) do not fit ${heightPx}x${widthPx} and fc (${fcWeight.length})`);
  const numClasses = fcWeight.length / k;
  if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= numClasses)
    throw new Error(`class ${classIndex} is not one of the ${numClasses} classes`);
  const row = fcWeight.subarray(classIndex * k, (classIndex + 1) * k);
  const grid: number[][] = [];
  let min = Infinity;
  let max = -Infinity;
  for (let y = 0; y < heightPx; y++) {
    const line: number[] = [];
    for (let x = 0; x < widthPx; x++) {
      const base = (y * widthPx + x) * k;
      let sum = 0;
      for (let i = 0; i < k; i++) sum += row[i]! * features[base + i]!;
      line.push(sum);
      min = Math.min(min, sum);
      max = Math.max(max, sum);
    }
    grid.push(line);
  }
  return { class: classIndex, grid, min, max };
}

/**
 * Bilinear upsampling of a grid to outH × outW as `F.interpolate(mode="bilinear", align_corners=False)`: the source
 * coordinate of output pixel i is (i + 0.5) · in/out − 0.5, clamped at 0, and the last row/column repeats at the edge.
 */
export function upsampleBilinear(grid: readonly (readonly number[])[], outHeightPx: number, outWidthPx: number): Float64Array {
  const h = grid.length;
  const w = grid[0]?.length ?? 0;
  if (h === 0 || w === 0) throw new Error('an empty grid cannot be upsampled');
  const axis = (inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; t: Float64Array } => {
    const i0 = new Int32Array(outSize);
    const i1 = new Int32Array(outSize);
    const t = new Float64Array(outSize);
    const scale = inSize / outSize;
    for (let o = 0; o < outSize; o++) {
      const src = Math.max(0, (o + 0.5) * scale - 0.5);
      const lo = Math.min(Math.floor(src), inSize - 1);
      i0[o] = lo;
      i1[o] = Math.min(lo + 1, inSize - 1);
      t[o] = src - lo;
    }
    return { i0, i1, t };
  };
  const ys = axis(h, outHeightPx);
  const xs = axis(w, outWidthPx);
  const out = new Float64Array(outHeightPx * outWidthPx);
  for (let y = 0; y < outHeightPx; y++) {
    const r0 = grid[ys.i0[y]!]!;
    const r1 = grid[ys.i1[y]!]!;
    const ty = ys.t[y]!;
    for (let x = 0; x < outWidthPx; x++) {
      const x0 = xs.i0[x]!;
      const x1 = xs.i1[x]!;
      const tx = xs.t[x]!;
      const top = r0[x0]! * (1 - tx) + r0[x1]! * tx;
      const bottom = r1[x0]! * (1 - tx) + r1[x1]! * tx;
      out[y * outWidthPx + x] = top * (1 - ty) + bottom * ty;
    }
  }
  return out;
}

/** (v − min) / (max − min) in place; a flat map becomes all zeros. */
export function normalizeMinMax(values: Float64Array): Float64Array {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const range = max - min;
  for (let i = 0; i < values.length; i++) values[i] = range > 0 ? (values[i]! - min) / range : 0;
  return values;
}

/** The CAM as a picture: upsampled to widthPx × heightPx, min-max normalized, coloured with viridis. */
export function camHeatmap(cam: ClassActivationMap, widthPx: number, heightPx: number): RgbPixels {
  const heat = normalizeMinMax(upsampleBilinear(cam.grid, heightPx, widthPx));
  const out = new Uint8Array(heat.length * 3);
  for (let i = 0; i < heat.length; i++) out.set(viridis(heat[i]!), i * 3);
  return { widthPx, heightPx, data: out };
}

/** The heatmap blended over an image the size of the crop: (1 − opacity) · image + opacity · colour, rounded to bytes. */
export function camOverlay(image: RgbPixels, cam: ClassActivationMap, opacity = 0.5): RgbPixels {
  if (!(opacity >= 0 && opacity <= 1)) throw new Error(`opacity must be in [0, 1], got ${opacity}`);
  const heat = camHeatmap(cam, image.widthPx, image.heightPx).data;
  const out = new Uint8Array(image.data.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.round((1 - opacity) * image.data[i]! + opacity * heat[i]!);
  return { widthPx: image.widthPx, heightPx: image.heightPx, data: out };
}
