/**
 * The roofline chart's geometry (pure, unit-tested; the summary webview draws it, webview/roofline.ts): log–log axes
 * of arithmetic intensity (MACs/byte, x) and achieved rate (GMAC/s, y), the two ceilings measured with the profile
 * (the GEMM peak: horizontal; the memory bandwidth: rate = bandwidth × intensity, a line of slope 1 on log–log axes),
 * the ridge point where they meet, and one dot per convolution. Everything in SVG user units, y pointing down.
 */
import { formatRate } from './format';

export interface RooflineLayer {
  readonly name: string;
  readonly type: string;
  readonly groups?: number;
  readonly ms: number;
  readonly gmacPerSecond: number;
  readonly intensity: number;
}

export interface RooflineInput {
  readonly layers: readonly RooflineLayer[];
  readonly peak: { readonly gemmGmacPerSecond: number; readonly memoryGBPerSecond: number };
}

export interface Size {
  readonly width: number;
  readonly height: number;
  /** Room for the tick labels and axis titles around the plot. */
  readonly margin: { readonly left: number; readonly right: number; readonly top: number; readonly bottom: number };
}

export const ROOFLINE_SIZE: Size = { width: 520, height: 260, margin: { left: 52, right: 12, top: 10, bottom: 38 } };

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface Tick {
  readonly value: number;
  /** The x (for the x axis) or y (for the y axis) of the tick. */
  readonly at: number;
  readonly label: string;
}

export interface RooflineDot extends Point {
  readonly name: string;
  readonly grouped: boolean;
  readonly groups: number;
  readonly ms: number;
  readonly gmacPerSecond: number;
  readonly intensity: number;
}

export interface RooflineGeometry {
  readonly width: number;
  readonly height: number;
  /** The plot area: x0 < x1 left to right, y0 < y1 top to bottom. */
  readonly plot: { readonly x0: number; readonly y0: number; readonly x1: number; readonly y1: number };
  /** Powers of ten that bound the data and both ceilings. */
  readonly xDomain: readonly [number, number];
  readonly yDomain: readonly [number, number];
  readonly xTicks: readonly Tick[];
  readonly yTicks: readonly Tick[];
  /** The GEMM ceiling across the plot (horizontal). */
  readonly gemm: readonly [Point, Point];
  /** The memory ceiling (bandwidth × intensity) from where it enters the plot up to the ridge (beyond it the GEMM
   * ceiling is the lower one). */
  readonly memory: readonly [Point, Point];
  /** Where the two ceilings meet: intensity = GEMM rate / bandwidth. */
  readonly ridge: Point & { readonly intensity: number; readonly gmacPerSecond: number };
  /** The roof: min(memory, GEMM) from the left edge through the ridge to the right edge. */
  readonly roof: readonly Point[];
  /** One per Conv2d with a measured rate (grouped: groups > 1), in the profile's order. */
  readonly dots: readonly RooflineDot[];
  /** Convolutions left out: no measurable time (rate 0) or no intensity. */
  readonly unplotted: readonly string[];
  /** The GEMM ceiling's label: along its line, above or below it, where it covers no mark (gemmLabelPlace). */
  readonly gemmLabel: LabelPlace;
}

/** A text label: its baseline's start (anchor 'start') or end ('end'), and the box it covers (for tests and layout). */
export interface LabelPlace {
  readonly text: string;
  readonly x: number;
  readonly y: number;
  readonly anchor: 'start' | 'end';
  readonly box: { readonly x0: number; readonly y0: number; readonly x1: number; readonly y1: number };
}

/** About the width of one character of the ceiling labels (11.5px in the webview's font) and a mark's radius + margin. */
const LABEL_CHAR_PX = 6.6;
const MARK_CLEARANCE_PX = 6;

/**
 * Where the GEMM label goes: the first place, from just right of the ridge outwards (above the line, then below it
 * where the memory line is not), whose box holds no mark; the one with the fewest marks if every place holds some.
 */
export function gemmLabelPlace(text: string, lineY: number, ridgeX: number, plot: RooflineGeometry['plot'], dots: readonly Point[]): LabelPlace {
  const width = text.length * LABEL_CHAR_PX;
  const covered = (box: LabelPlace['box']): number =>
    dots.filter(
      (d) => d.x > box.x0 - MARK_CLEARANCE_PX && d.x < box.x1 + MARK_CLEARANCE_PX && d.y > box.y0 - MARK_CLEARANCE_PX && d.y < box.y1 + MARK_CLEARANCE_PX,
    ).length;
  const places: LabelPlace[] = [];
  const preferred = ridgeX + 16;
  const starts: number[] = [];
  for (let x = plot.x0 + 4; x + width <= plot.x1 - 4; x += 8) starts.push(x);
  starts.sort((a, b) => Math.abs(a - preferred) - Math.abs(b - preferred));
  for (const x of starts) {
    // Above the line anywhere; below it only right of the ridge (left of it the memory line runs there).
    for (const y of x >= ridgeX ? [lineY - 5, lineY + 13] : [lineY - 5]) {
      if (y - 10 < plot.y0 || y + 3 > plot.y1) continue;
      places.push({ text, x, y, anchor: 'start', box: { x0: x, y0: y - 10, x1: x + width, y1: y + 3 } });
    }
  }
  if (places.length === 0) {
    const x = plot.x1 - 4;
    return { text, x, y: lineY + 13, anchor: 'end', box: { x0: x - width, y0: lineY + 3, x1: x, y1: lineY + 16 } };
  }
  return places.find((p) => covered(p.box) === 0) ?? places.reduce((best, p) => (covered(p.box) < covered(best.box) ? p : best));
}

const log10 = Math.log10;

/** 1000 → "1,000", 0.1 → "0.1", 1e-3 → "0.001". */
function decadeLabel(v: number): string {
  return v >= 1 ? Math.round(v).toLocaleString('en-US') : String(Number(v.toPrecision(1)));
}

/** The decades [10^a, 10^b] around [lo, hi] with at least `minDecades` between them. */
function decades(lo: number, hi: number, minDecades: number): [number, number] {
  let a = Math.floor(log10(lo));
  let b = Math.ceil(log10(hi));
  if (b === log10(hi) && b - a < minDecades) b++;
  while (b - a < minDecades) a--;
  return [10 ** a, 10 ** b];
}

export function rooflineGeometry(input: RooflineInput, size: Size = ROOFLINE_SIZE): RooflineGeometry {
  const { gemmGmacPerSecond: gemm, memoryGBPerSecond: bandwidth } = input.peak;
  if (!(gemm > 0) || !(bandwidth > 0)) throw new Error('the roofline needs both ceilings (GEMM rate and memory bandwidth) above 0');
  const convs = input.layers.filter((l) => l.type === 'Conv2d');
  const measured = convs.filter((l) => l.gmacPerSecond > 0 && l.intensity > 0);
  const ridgeIntensity = gemm / bandwidth;
  const xs = [ridgeIntensity, ...measured.map((l) => l.intensity)];
  const ys = [gemm, ...measured.map((l) => l.gmacPerSecond)];
  const xDomain = decades(Math.min(...xs), Math.max(...xs), 2);
  const yDomain = decades(Math.min(...ys), Math.max(...ys), 2);
  const plot = { x0: size.margin.left, y0: size.margin.top, x1: size.width - size.margin.right, y1: size.height - size.margin.bottom };
  const sx = (v: number): number => plot.x0 + ((log10(v) - log10(xDomain[0])) / (log10(xDomain[1]) - log10(xDomain[0]))) * (plot.x1 - plot.x0);
  const sy = (v: number): number => plot.y1 - ((log10(v) - log10(yDomain[0])) / (log10(yDomain[1]) - log10(yDomain[0]))) * (plot.y1 - plot.y0);
  const ticks = ([lo, hi]: readonly [number, number], at: (v: number) => number): Tick[] => {
    const out: Tick[] = [];
    for (let e = Math.round(log10(lo)); e <= Math.round(log10(hi)); e++) out.push({ value: 10 ** e, at: at(10 ** e), label: decadeLabel(10 ** e) });
    return out;
  };
  // The memory line inside the plot: from where it enters (the left edge, or the bottom edge when it is below the
  // plot there) to the ridge.
  const memoryAt = (intensity: number): Point => ({ x: sx(intensity), y: sy(bandwidth * intensity) });
  const enter = Math.max(xDomain[0], yDomain[0] / bandwidth);
  const ridge = { x: sx(ridgeIntensity), y: sy(gemm), intensity: ridgeIntensity, gmacPerSecond: gemm };
  const dots = measured.map((l) => ({
    name: l.name,
    grouped: (l.groups ?? 1) > 1,
    groups: l.groups ?? 1,
    ms: l.ms,
    gmacPerSecond: l.gmacPerSecond,
    intensity: l.intensity,
    x: sx(l.intensity),
    y: sy(l.gmacPerSecond),
  }));
  return {
    width: size.width,
    height: size.height,
    plot,
    xDomain,
    yDomain,
    xTicks: ticks(xDomain, sx),
    yTicks: ticks(yDomain, sy),
    gemm: [
      { x: plot.x0, y: sy(gemm) },
      { x: plot.x1, y: sy(gemm) },
    ],
    memory: [memoryAt(enter), memoryAt(ridgeIntensity)],
    ridge,
    roof: [memoryAt(enter), { x: ridge.x, y: ridge.y }, { x: plot.x1, y: ridge.y }],
    dots,
    unplotted: convs.filter((l) => !measured.includes(l)).map((l) => l.name),
    gemmLabel: gemmLabelPlace(`GEMM peak ${formatRate(gemm)} GMAC/s`, ridge.y, ridge.x, plot, dots),
  };
}
