/**
 * torchvision's `ImageClassification` preset (torchvision/transforms/_presets.py) on a decoded RGB image, reproduced
 * bit for bit: resize the shorter side with Pillow's antialiased BILINEAR resampling, center-crop, scale to [0, 1],
 * normalize with the ImageNet mean and std. Output: a float32 NCHW tensor [1, 3, cropPx, cropPx].
 * timm's eval transform (timm/data/transforms_factory.py `transforms_imagenet_eval`) is the same pipeline with the
 * pretrained configuration's interpolation (BICUBIC for most timm weights), resize = floor(224 / crop_pct), mean and
 * std (catalog.ts); Pillow's BICUBIC is reproduced bit for bit too.
 *
 * Sources: torchvision `transforms/functional.py` (`_compute_resized_output_size`, `center_crop`, `pad`),
 * `transforms/_presets.py` (`ImageClassification.forward`), Pillow `src/libImaging/Resample.c`
 * (`precompute_coeffs`, `normalize_coeffs_8bpc`, `ImagingResampleHorizontal_8bpc`/`Vertical_8bpc`,
 * `ImagingResampleInner`).
 */
import { InputError } from '../errors';

/** torchvision's ImageNet normalization (`ImageClassification.mean` / `.std`). */
export const IMAGENET_MEAN: readonly [number, number, number] = [0.485, 0.456, 0.406];
export const IMAGENET_STD: readonly [number, number, number] = [0.229, 0.224, 0.225];

export interface PreprocessOptions {
  /** Pillow's resampling filter for the resize (torchvision: bilinear; most timm weights: bicubic). */
  readonly interpolation?: 'bilinear' | 'bicubic';
  /** Per-channel normalization (default: ImageNet's). */
  readonly mean?: readonly [number, number, number];
  readonly std?: readonly [number, number, number];
  /** Shorter side after resizing, px. 256 for IMAGENET1K_V1 weights, 232 for V2 (torchvision's `resize_size`). */
  readonly resizePx?: number;
  /** Side of the square center crop, px (torchvision's `crop_size`, 224 for every ResNeXt weight). */
  readonly cropPx?: number;
}

/** An 8-bit RGB image (interleaved R, G, B bytes, row-major) as it stands between the preprocessing steps; a decoded `RgbImage` is one. */
export interface RgbPixels {
  readonly widthPx: number;
  readonly heightPx: number;
  readonly data: Uint8Array;
}

/** A half-open range [start, end) of output pixels along one axis. */
interface Span {
  readonly start: number;
  readonly end: number;
}

/** Pillow Resample.c: `PRECISION_BITS = 32 - 8 - 2` (8 bits of result, 2 for overflow and sign). */
const PRECISION_BITS = 22;
/** A Pillow resampling filter (Resample.c `struct filter`): the kernel and its support at scale 1. */
interface Filter {
  readonly kernel: (x: number) => number;
  readonly support: number;
}
/** No intermediate image larger than Pillow's decompression-bomb limit (Image.MAX_IMAGE_PIXELS) is materialized. */
const MAX_RESIZED_PIXELS = 89_478_485;

/** Pillow's BILINEAR: support 1.0, `bilinear_filter(x) = max(0, 1 - |x|)`. */
const BILINEAR: Filter = {
  kernel: (x) => {
    const ax = x < 0 ? -x : x;
    return ax < 1.0 ? 1.0 - ax : 0.0;
  },
  support: 1.0,
};

/** Pillow's BICUBIC: support 2.0, `bicubic_filter` = Keys' cubic convolution with a = −0.5, evaluated in the same
 * order of operations as Resample.c (so the double results, and the fixed-point coefficients, are identical). */
const BICUBIC_A = -0.5;
const BICUBIC: Filter = {
  kernel: (x) => {
    const ax = x < 0 ? -x : x;
    if (ax < 1.0) return ((BICUBIC_A + 2.0) * ax - (BICUBIC_A + 3.0)) * ax * ax + 1;
    if (ax < 2.0) return (((ax - 5) * ax + 8) * ax - 4) * BICUBIC_A;
    return 0.0;
  },
  support: 2.0,
};

const FILTERS = { bilinear: BILINEAR, bicubic: BICUBIC } as const;

function checkSizePx(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1 || value > 65_535) {
    throw new InputError(`${name} must be an integer from 1 to 65535 px, got ${String(value)}`);
  }
  return value;
}

/**
 * torchvision `_compute_resized_output_size(image_size, size=[resizePx], max_size=None)`: the shorter side becomes
 * `resizePx`, the longer side `int(resizePx * long / short)` (Python float division, truncated).
 * Returns [widthPx, heightPx].
 */
export function resizedSizePx(widthPx: number, heightPx: number, resizePx: number): [number, number] {
  const short = Math.min(widthPx, heightPx);
  const long = Math.max(widthPx, heightPx);
  const newLong = Math.trunc((resizePx * long) / short);
  return widthPx <= heightPx ? [resizePx, newLong] : [newLong, resizePx];
}

/**
 * Pillow `precompute_coeffs` for a filter over the box [0, inSize) → outSize, restricted to the output pixels in
 * `span`, followed by `normalize_coeffs_8bpc`:
 *   scale = inSize / outSize; filterscale = max(scale, 1); support = filter.support · filterscale;
 *   ksize = ceil(support) · 2 + 1;
 *   center = (xx + 0.5) · scale; xmin = max(0, (int)(center − support + 0.5)); xmax = min(inSize, (int)(center + support + 0.5));
 *   w[x] = filter((x + xmin − center + 0.5) / filterscale), normalized to sum 1,
 *   then fixed point: k = (int)(±0.5 + w · 2^22).
 * `bounds[2i]` = xmin, `bounds[2i + 1]` = number of taps, for output pixel span.start + i.
 */
function precomputeCoeffs(inSize: number, outSize: number, span: Span, filter: Filter): { ksize: number; bounds: Int32Array; kk: Int32Array } {
  const scale = inSize / outSize;
  const filterscale = scale < 1.0 ? 1.0 : scale;
  const support = filter.support * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const count = span.end - span.start;
  const bounds = new Int32Array(count * 2);
  const kk = new Int32Array(count * ksize);
  const weights = new Float64Array(ksize);
  const ss = 1.0 / filterscale;
  for (let i = 0; i < count; i++) {
    const xx = span.start + i;
    const center = (xx + 0.5) * scale;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0.0;
    for (let x = 0; x < xmax; x++) {
      const w = filter.kernel((x + xmin - center + 0.5) * ss);
      weights[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0.0 ? weights[x]! / ww : weights[x]!;
      kk[i * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * (1 << PRECISION_BITS)) : Math.trunc(0.5 + w * (1 << PRECISION_BITS));
    }
    bounds[i * 2] = xmin;
    bounds[i * 2 + 1] = xmax;
  }
  return { ksize, bounds, kk };
}

/** Pillow `clip8`: `clip8_lookups[in >> PRECISION_BITS]`, i.e. clamp(floor(in / 2^22), 0, 255). */
function clip8(value: number): number {
  const v = value >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** `resample` with Pillow's BILINEAR filter. */
export function resampleBilinear(image: RgbPixels, outWidthPx: number, outHeightPx: number, columns?: Span, rows?: Span): RgbPixels {
  return resample(image, outWidthPx, outHeightPx, 'bilinear', columns, rows);
}

/**
 * One output pixel of a pass (Pillow's ImagingResampleHorizontal_8bpc / Vertical_8bpc inner loop): `taps` RGB pixels
 * of `src` from index `from`, `step` apart, weighted by kk[k0 …], rounded and clipped into out[o], out[o + 1], out[o + 2].
 */
function resamplePixel(src: Uint8Array, from: number, step: number, taps: number, kk: Int32Array, k0: number, out: Uint8Array, o: number): void {
  const half = 1 << (PRECISION_BITS - 1);
  let ss0 = half;
  let ss1 = half;
  let ss2 = half;
  for (let t = 0, p = from; t < taps; t++, p += step) {
    const k = kk[k0 + t]!;
    ss0 += src[p]! * k;
    ss1 += src[p + 1]! * k;
    ss2 += src[p + 2]! * k;
  }
  out[o] = clip8(ss0);
  out[o + 1] = clip8(ss1);
  out[o + 2] = clip8(ss2);
}

/**
 * Pillow `ImagingResample(im, (outWidthPx, outHeightPx), filter, box=(0, 0, w, h))` as `ImagingResampleInner` does
 * it: a horizontal pass (only if the width changes) over the source rows the vertical pass will read, rounding to
 * uint8, then a vertical pass (only if the height changes), rounding to uint8. Only the output pixels in
 * `columns` × `rows` are computed; each is exactly the pixel the full resize would give (every output pixel depends
 * only on its own coefficients), so a crop of a huge resize costs no more than the crop.
 */
export function resample(
  image: RgbPixels,
  outWidthPx: number,
  outHeightPx: number,
  interpolation: 'bilinear' | 'bicubic',
  columns?: Span,
  rows?: Span,
): RgbPixels {
  const filter = FILTERS[interpolation];
  const xs = columns ?? { start: 0, end: outWidthPx };
  const ys = rows ?? { start: 0, end: outHeightPx };
  const needHorizontal = outWidthPx !== image.widthPx;
  const needVertical = outHeightPx !== image.heightPx;
  const outW = xs.end - xs.start;
  const outH = ys.end - ys.start;

  // Source rows the vertical pass reads (Pillow's ybox_first .. ybox_last), or the output rows themselves.
  let vertical: ReturnType<typeof precomputeCoeffs> | undefined;
  let rowFirst = ys.start;
  let rowLast = ys.end;
  if (needVertical) {
    vertical = precomputeCoeffs(image.heightPx, outHeightPx, ys, filter);
    rowFirst = vertical.bounds[0]!;
    rowLast = vertical.bounds[(outH - 1) * 2]! + vertical.bounds[(outH - 1) * 2 + 1]!;
  }

  // Horizontal pass: rows [rowFirst, rowLast) of the source, output columns xs.
  let mid: RgbPixels;
  let midRowOffset: number;
  if (needHorizontal) {
    const { ksize, bounds, kk } = precomputeCoeffs(image.widthPx, outWidthPx, xs, filter);
    const midH = rowLast - rowFirst;
    const out = new Uint8Array(outW * midH * 3);
    for (let y = 0; y < midH; y++) {
      const srcRow = (y + rowFirst) * image.widthPx * 3;
      for (let x = 0; x < outW; x++) {
        resamplePixel(image.data, srcRow + bounds[x * 2]! * 3, 3, bounds[x * 2 + 1]!, kk, x * ksize, out, (y * outW + x) * 3);
      }
    }
    mid = { widthPx: outW, heightPx: midH, data: out };
    midRowOffset = rowFirst;
  } else {
    // No horizontal pass: the vertical pass reads the source directly; take the requested columns from it.
    mid = image;
    midRowOffset = 0;
  }
  const midColumnOffset = needHorizontal ? 0 : xs.start;

  if (!vertical) {
    // No vertical pass: the output rows are rows of `mid`.
    const out = new Uint8Array(outW * outH * 3);
    for (let y = 0; y < outH; y++) {
      const from = ((ys.start + y - midRowOffset) * mid.widthPx + midColumnOffset) * 3;
      out.set(mid.data.subarray(from, from + outW * 3), y * outW * 3);
    }
    return { widthPx: outW, heightPx: outH, data: out };
  }

  // Vertical pass over `mid`; bounds are shifted by ybox_first as Pillow does after its horizontal pass.
  const { ksize, bounds, kk } = vertical;
  const out = new Uint8Array(outW * outH * 3);
  const stride = mid.widthPx * 3;
  for (let y = 0; y < outH; y++) {
    const ymin = bounds[y * 2]! - midRowOffset;
    const taps = bounds[y * 2 + 1]!;
    for (let x = 0; x < outW; x++) {
      resamplePixel(mid.data, ymin * stride + (x + midColumnOffset) * 3, stride, taps, kk, y * ksize, out, (y * outW + x) * 3);
    }
  }
  return { widthPx: outW, heightPx: outH, data: out };
}

/**
 * torchvision `F.resize(img, resizePx, BILINEAR, antialias=True)` on a PIL image: the shorter side becomes `resizePx`
 * (see `resizedSizePx`), resampled by Pillow's BILINEAR filter, which antialiases when downscaling
 * (support scaled by the downscale factor).
 */
export function resizeShorterSide(image: RgbPixels, resizePx = 256, interpolation: 'bilinear' | 'bicubic' = 'bilinear'): RgbPixels {
  checkSizePx(resizePx, 'resize');
  const [w, h] = resizedSizePx(image.widthPx, image.heightPx, resizePx);
  if (w * h > MAX_RESIZED_PIXELS) {
    throw new InputError(
      `resizing ${image.widthPx}x${image.heightPx} to a shorter side of ${resizePx} px gives ${w}x${h} px, over the limit of ${MAX_RESIZED_PIXELS.toLocaleString('en-US')} pixels: the image's aspect ratio is too extreme`,
    );
  }
  if (w === image.widthPx && h === image.heightPx) return { widthPx: w, heightPx: h, data: image.data.slice() };
  return resample(image, w, h, interpolation);
}

/** Python's `round()` on a multiple of 0.5: round half to even (banker's rounding). */
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * One axis of torchvision `center_crop`: if the image is smaller than the crop it is first padded with zeros,
 * `(crop − size) // 2` before and `(crop − size + 1) // 2` after; then the crop starts at
 * `int(round((size − crop) / 2.0))` (Python banker's rounding).
 * Returns the padding before the image and the source span that lands in the crop.
 */
function cropAxis(sizePx: number, cropPx: number): { padBefore: number; span: Span } {
  if (cropPx > sizePx) return { padBefore: Math.floor((cropPx - sizePx) / 2), span: { start: 0, end: sizePx } };
  const start = roundHalfEven((sizePx - cropPx) / 2.0);
  return { padBefore: 0, span: { start, end: start + cropPx } };
}

/** torchvision `F.center_crop(img, cropPx)` on an RGB image (zero padding when the image is smaller than the crop). */
export function centerCrop(image: RgbPixels, cropPx = 224): RgbPixels {
  checkSizePx(cropPx, 'crop');
  const xAxis = cropAxis(image.widthPx, cropPx);
  const yAxis = cropAxis(image.heightPx, cropPx);
  const out = new Uint8Array(cropPx * cropPx * 3);
  const rowBytes = (xAxis.span.end - xAxis.span.start) * 3;
  for (let y = yAxis.span.start; y < yAxis.span.end; y++) {
    const from = (y * image.widthPx + xAxis.span.start) * 3;
    const to = ((y - yAxis.span.start + yAxis.padBefore) * cropPx + xAxis.padBefore) * 3;
    out.set(image.data.subarray(from, from + rowBytes), to);
  }
  return { widthPx: cropPx, heightPx: cropPx, data: out };
}

/**
 * `F.pil_to_tensor` → `F.convert_image_dtype(float32)` → `F.normalize(mean, std)`, in float32 as PyTorch computes it:
 * x = float32(v / 255); out = float32(float32(x − mean_c) / std_c), with mean_c and std_c rounded to float32.
 * (Each step is one IEEE operation on float32 values, so computing in double and rounding once gives the float32
 * result.) Output: NCHW [1, 3, h, w].
 */
export function normalize(
  image: RgbPixels,
  means: readonly [number, number, number] = IMAGENET_MEAN,
  stds: readonly [number, number, number] = IMAGENET_STD,
): Float32Array {
  const plane = image.widthPx * image.heightPx;
  const out = new Float32Array(plane * 3);
  const src = image.data;
  for (let c = 0; c < 3; c++) {
    const mean = Math.fround(means[c]!);
    const std = Math.fround(stds[c]!);
    // 256 possible inputs per channel: tabulate them.
    const table = new Float32Array(256);
    for (let v = 0; v < 256; v++) table[v] = Math.fround(Math.fround(v / 255) - mean) / std;
    const base = c * plane;
    for (let i = 0; i < plane; i++) out[base + i] = table[src[i * 3 + c]!]!;
  }
  return out;
}

/**
 * torchvision `ImageClassification(crop_size=cropPx, resize_size=resizePx)` on an RGB image: resize the shorter side to
 * `resizePx` (Pillow BILINEAR with antialiasing), center-crop `cropPx`, scale to [0, 1], normalize with the ImageNet
 * mean and std. Only the cropped window of the resized image is computed (identical to resizing fully, then cropping).
 * Returns float32 NCHW [1, 3, cropPx, cropPx].
 */
export function preprocess(image: RgbPixels, options: PreprocessOptions = {}): Float32Array {
  const resizePx = checkSizePx(options.resizePx ?? 256, 'resize');
  const cropPx = checkSizePx(options.cropPx ?? 224, 'crop');
  const [w, h] = resizedSizePx(image.widthPx, image.heightPx, resizePx);
  const xAxis = cropAxis(w, cropPx);
  const yAxis = cropAxis(h, cropPx);
  const window = resample(image, w, h, options.interpolation ?? 'bilinear', xAxis.span, yAxis.span);
  // Place the window (already the crop, or the whole image when it is smaller than the crop) into the zero-padded crop.
  let cropped: RgbPixels = window;
  if (window.widthPx !== cropPx || window.heightPx !== cropPx) {
    const out = new Uint8Array(cropPx * cropPx * 3);
    for (let y = 0; y < window.heightPx; y++) {
      const from = y * window.widthPx * 3;
      out.set(window.data.subarray(from, from + window.widthPx * 3), ((y + yAxis.padBefore) * cropPx + xAxis.padBefore) * 3);
    }
    cropped = { widthPx: cropPx, heightPx: cropPx, data: out };
  }
  return normalize(cropped, options.mean, options.std);
}
