/**
 * The roofline: its geometry (src/shared/roofline.ts, pure) on a profile over resnext50_32x4d's real rows, and its
 * drawing (webview/roofline.ts) bundled by esbuild and run in headless Chromium, the browser the webview runs in.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { gemmLabelPlace, rooflineGeometry, ROOFLINE_SIZE, type Point } from '../../src/shared/roofline';
import { ROOT } from '../helpers';
import { STATED_PEAK, STATED_RATE, statedProfile } from '../profileData';

const profile = statedProfile('resnext50_32x4d');
const convs = profile.layers.filter((l) => l.type === 'Conv2d');
const near = (a: number, b: number, what: string, eps = 1e-6): void => assert.ok(Math.abs(a - b) < eps, `${what}: ${a} vs ${b}`);

test("roofline: the GEMM label covers no mark (it could sit on a dense conv's square)", () => {
  const plot = { x0: 52, y0: 10, x1: 508, y1: 222 };
  const text = 'GEMM peak 60.0 GMAC/s';
  const inside = (p: Point, b: { x0: number; y0: number; x1: number; y1: number }): boolean =>
    p.x > b.x0 - 4 && p.x < b.x1 + 4 && p.y > b.y0 - 4 && p.y < b.y1 + 4;
  // Nothing in the way: just right of the ridge, above the line.
  const free = gemmLabelPlace(text, 60, 200, plot, []);
  assert.deepEqual([free.x, free.y, free.anchor], [216, 55, 'start']);
  // A mark there (and one below the line too): the label moves along the line to a clear place.
  const dots = [
    { x: 230, y: 52 },
    { x: 240, y: 68 },
  ];
  assert.ok(inside(dots[0]!, free.box));
  const moved = gemmLabelPlace(text, 60, 200, plot, dots);
  for (const d of dots) assert.ok(!inside(d, moved.box), `the label at ${moved.x},${moved.y} covers the mark at ${d.x},${d.y}`);
  assert.ok(moved.box.x0 >= plot.x0 && moved.box.x1 <= plot.x1 && moved.box.y0 >= plot.y0 && moved.box.y1 <= plot.y1, 'the label stays in the plot');
  // On the real profile's geometry too.
  const g = rooflineGeometry(profile);
  for (const d of g.dots) assert.ok(!inside(d, g.gemmLabel.box), `the GEMM label covers ${d.name}`);
});

test('roofline geometry: log–log axes in whole decades, equally spaced ticks, every conv a dot inside the plot', () => {
  const g = rooflineGeometry(profile);
  const { plot } = g;
  assert.deepEqual([g.width, g.height], [ROOFLINE_SIZE.width, ROOFLINE_SIZE.height]);
  for (const [lo, hi] of [g.xDomain, g.yDomain]) {
    assert.ok(Number.isInteger(Math.log10(lo)) && Number.isInteger(Math.log10(hi)) && Math.log10(hi) - Math.log10(lo) >= 2, `domain ${lo}..${hi}`);
  }
  // y: the stated rates 10 and 40 GMAC/s and the 60 GMAC/s peak lie within 1..100.
  assert.deepEqual(g.yDomain, [1, 100]);
  const xDecade = (plot.x1 - plot.x0) / Math.log10(g.xDomain[1] / g.xDomain[0]);
  const yDecade = (plot.y1 - plot.y0) / Math.log10(g.yDomain[1] / g.yDomain[0]);
  g.xTicks.forEach((t, i) => near(t.at, plot.x0 + i * xDecade, `x tick ${t.label}`));
  g.yTicks.forEach((t, i) => near(t.at, plot.y1 - i * yDecade, `y tick ${t.label}`));
  assert.deepEqual(
    g.yTicks.map((t) => t.label),
    ['1', '10', '100'],
  );
  // One dot per conv, in order, named; grouped = groups > 1 (the 16 conv2 of resnext50_32x4d).
  assert.equal(g.dots.length, convs.length);
  assert.equal(g.dots.length, 53);
  assert.deepEqual(
    g.dots.map((d) => d.name),
    convs.map((c) => c.name),
  );
  assert.equal(g.dots.filter((d) => d.grouped).length, 16);
  assert.ok(g.dots.filter((d) => d.grouped).every((d) => d.name.endsWith('.conv2') && d.groups === 32));
  for (const d of g.dots) assert.ok(d.x >= plot.x0 && d.x <= plot.x1 && d.y >= plot.y0 && d.y <= plot.y1, `${d.name} at ${d.x},${d.y} is outside the plot`);
  // Log scaling: a dot's position is the log of its value (the stated rates: 10 and 40 GMAC/s, a factor 4 apart).
  const grouped = g.dots.find((d) => d.grouped)!;
  const dense = g.dots.find((d) => !d.grouped && d.gmacPerSecond === STATED_RATE.dense)!;
  near(grouped.y, plot.y1 - Math.log10(STATED_RATE.grouped) * yDecade, 'grouped rate at 10 GMAC/s: one decade up');
  near(grouped.y - dense.y, Math.log10(4) * yDecade, 'a factor 4 in rate is log10(4) of a decade');
  for (const d of g.dots) near(d.x, plot.x0 + Math.log10(d.intensity / g.xDomain[0]) * xDecade, `${d.name} x`);
  assert.deepEqual(g.unplotted, []);
});

test('roofline geometry: the ridge is where the GEMM line and the memory line meet; the memory line has slope 1 in decades', () => {
  const g = rooflineGeometry(profile);
  const ridgeIntensity = STATED_PEAK.gemmGmacPerSecond / STATED_PEAK.memoryGBPerSecond;
  near(g.ridge.intensity, ridgeIntensity, 'ridge intensity = GEMM rate / bandwidth');
  // On the GEMM line (horizontal at the peak) ...
  near(g.gemm[0].y, g.ridge.y, 'GEMM line at the ridge');
  near(g.gemm[1].y, g.ridge.y, 'GEMM line is horizontal');
  near(g.gemm[0].x, g.plot.x0, 'GEMM line from the left edge');
  near(g.gemm[1].x, g.plot.x1, 'GEMM line to the right edge');
  // ... and on the memory line (the ridge is collinear with its two ends).
  const [a, b] = g.memory;
  const cross = (p: Point, q: Point, r: Point): number => (q.x - p.x) * (r.y - p.y) - (q.y - p.y) * (r.x - p.x);
  near(cross(a, b, g.ridge), 0, 'ridge on the memory line', 1e-6 * (g.width * g.height));
  const xDecade = (g.plot.x1 - g.plot.x0) / Math.log10(g.xDomain[1] / g.xDomain[0]);
  const yDecade = (g.plot.y1 - g.plot.y0) / Math.log10(g.yDomain[1] / g.yDomain[0]);
  near((a.y - b.y) / yDecade, (b.x - a.x) / xDecade, 'one decade up per decade right');
  // The memory line stays inside the plot and ends at the ridge; the roof bends there.
  near(b.x, g.ridge.x, 'memory line ends at the ridge (x)');
  near(b.y, g.ridge.y, 'memory line ends at the ridge (y)');
  // Read off the axes, both ends of the memory line are rate = bandwidth × intensity, and its end the GEMM peak.
  const intensityAt = (x: number): number => g.xDomain[0] * 10 ** ((x - g.plot.x0) / xDecade);
  const rateAt = (y: number): number => g.yDomain[0] * 10 ** ((g.plot.y1 - y) / yDecade);
  for (const p of [a, b]) near(rateAt(p.y), STATED_PEAK.memoryGBPerSecond * intensityAt(p.x), `memory line at ${p.x}`, 1e-9);
  near(rateAt(b.y), STATED_PEAK.gemmGmacPerSecond, 'the memory line reaches the GEMM peak at its end', 1e-9);
  for (const p of [a, b])
    assert.ok(p.x >= g.plot.x0 - 1e-9 && p.x <= g.plot.x1 + 1e-9 && p.y >= g.plot.y0 - 1e-9 && p.y <= g.plot.y1 + 1e-9, `memory end ${p.x},${p.y}`);
  assert.deepEqual(g.roof[1], { x: g.ridge.x, y: g.ridge.y });
  // The ridge at bandwidth × intensity = peak, read back off the axes.
  near(10 ** (Math.log10(g.xDomain[0]) + (g.ridge.x - g.plot.x0) / xDecade), ridgeIntensity, 'ridge x read back');
});

test('roofline geometry: an unmeasured conv is named, not plotted; missing ceilings are an error', () => {
  const layers = profile.layers.map((l) => (l.name === 'layer1.0.conv2' ? { ...l, ms: 0, gmacPerSecond: 0 } : l));
  const g = rooflineGeometry({ ...profile, layers });
  assert.equal(g.dots.length, 52);
  assert.deepEqual(g.unplotted, ['layer1.0.conv2']);
  assert.throws(() => rooflineGeometry({ ...profile, peak: { gemmGmacPerSecond: 0, memoryGBPerSecond: 8 } }), /both ceilings/);
  // A memory-bound machine (the ridge far right): the domain still holds the ridge and every dot.
  const slow = rooflineGeometry({ ...profile, peak: { gemmGmacPerSecond: 60, memoryGBPerSecond: 0.01 } });
  assert.ok(slow.ridge.x <= slow.plot.x1 && slow.ridge.intensity === 6000);
});

test('roofline drawing in Chromium: one mark per conv (circles grouped, squares dense), both ceilings, titles name the layers', async () => {
  const bundle = await esbuild.build({
    entryPoints: ['webview/roofline.ts'],
    absWorkingDir: ROOT,
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'roofline',
    platform: 'browser',
    target: 'es2022',
  });
  const script = bundle.outputFiles[0]!.text;
  // The Chromium and flags the e2e test uses (scripts/chromium.js, CommonJS).
  const { CHROMIUM, CHROMIUM_ARGS } = createRequire(__filename)(path.join(ROOT, 'scripts', 'chromium.js')) as { CHROMIUM: string; CHROMIUM_ARGS: string[] };
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing (scripts/ensure-test-deps.sh installs it)`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    await page.setContent('<!DOCTYPE html><html><body><div id="app"></div></body></html>');
    await page.addScriptTag({ content: script });
    // Run in the page (a string, so this file needs no DOM types): draw, then read back what was drawn.
    const drawn = (await page.evaluate(`(() => {
      const figure = globalThis.roofline.renderRoofline(${JSON.stringify(profile)});
      document.getElementById('app').append(figure);
      const svg = figure.querySelector('svg#roofline-chart');
      const box = svg.getBoundingClientRect();
      return {
        marks: [...svg.querySelectorAll('.dots .dot')].map((d) => ({ tag: d.tagName, kind: d.getAttribute('data-kind'), layer: d.getAttribute('data-layer'), title: d.querySelector('title')?.textContent ?? '' })),
        gemm: svg.querySelectorAll('line.ceiling-gemm').length,
        memory: svg.querySelectorAll('line.ceiling-memory').length,
        labels: [...svg.querySelectorAll('text.ceiling-label')].map((t) => t.textContent),
        ticks: [...svg.querySelectorAll('text.tick-y')].map((t) => t.textContent),
        legend: figure.querySelector('.roofline-legend')?.textContent ?? '',
        notes: [...figure.querySelectorAll('.roofline-note')].map((n) => n.textContent),
        inView: [...svg.querySelectorAll('.dot')].every((d) => {
          const r = d.getBoundingClientRect();
          return r.left >= box.left && r.right <= box.right && r.top >= box.top && r.bottom <= box.bottom;
        }),
      };
    })()`)) as {
      marks: { tag: string; kind: string; layer: string; title: string }[];
      gemm: number;
      memory: number;
      labels: string[];
      ticks: string[];
      legend: string;
      notes: string[];
      inView: boolean;
    };
    assert.equal(drawn.marks.length, 53);
    assert.deepEqual(new Set(drawn.marks.map((m) => m.layer)), new Set(convs.map((c) => c.name)));
    const grouped = drawn.marks.filter((m) => m.kind === 'grouped');
    assert.equal(grouped.length, 16);
    assert.ok(
      grouped.every((m) => m.tag === 'circle'),
      'grouped convs are circles',
    );
    assert.ok(
      drawn.marks.filter((m) => m.kind === 'dense').every((m) => m.tag === 'rect'),
      'dense convs are squares',
    );
    assert.ok(
      drawn.marks.every((m) => m.title.startsWith(`${m.layer} (`)),
      "each mark's title names its layer",
    );
    assert.match(grouped[0]!.title, /^layer1\.0\.conv2 \(grouped conv, 32 groups\): [\d.]+ ms, 10\.0 GMAC\/s at [\d.]+ MACs\/byte$/);
    assert.equal(drawn.gemm, 1);
    assert.equal(drawn.memory, 1);
    assert.deepEqual(drawn.labels, ['GEMM peak 60.0 GMAC/s', 'memory 8.00 GB/s']);
    assert.deepEqual(drawn.ticks, ['1', '10', '100']);
    assert.match(drawn.legend, /grouped conv \(16\).*dense conv \(37\).*GEMM peak.*memory bandwidth/);
    assert.match(drawn.notes[0]!, /GEMM 60\.0 GMAC\/s .*memory 8\.00 GB\/s .*meet at 7\.50 MACs\/byte/);
    assert.ok(drawn.inView, 'a mark is drawn outside the chart');
  } finally {
    await browser.close();
  }
});
