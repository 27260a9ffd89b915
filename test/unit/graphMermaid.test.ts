/**
 * `resnext graph --format mermaid` (issue 19) checked by mermaid itself: its browser bundle (the pinned devDependency,
 * the build GitHub's Markdown renderer uses the like of) parses and renders our Mermaid in headless Chromium, the
 * browser the e2e test drives. mermaid 12 needs Node ≥ 22 and a DOM, so Node cannot run it here; the browser can.
 * Every graph node must come out as one mermaid node, every open container as one subgraph, every edge as one path.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { architectureGraph } from '../../src/model/graph';
import { collapseGraph, type GraphDepth } from '../../src/model/graph/depth';
import { childrenOf, graphToMermaid } from '../../src/model/graph/formats';
import { resolveSpec } from '../../src/cli/configSpec';
import { ROOT } from '../helpers';

const MERMAID = path.join(ROOT, 'node_modules', 'mermaid', 'dist', 'mermaid.min.js');

interface Rendered {
  error?: string;
  nodes: string[];
  clusters: number;
  edges: number;
}

/** In the page (plain JavaScript; the tests are compiled without the DOM's types): mermaid.parse, then mermaid.render, and what the SVG holds. */
const RENDER_IN_PAGE = `async (text) => {
  try {
    await mermaid.parse(text);
    const { svg } = await mermaid.render('g' + Math.random().toString(36).slice(2), text);
    const box = document.createElement('div');
    box.innerHTML = svg;
    if (box.firstElementChild?.tagName !== 'svg' || box.childElementCount !== 1) return { error: 'not an SVG: ' + svg.slice(0, 200), nodes: [], clusters: 0, edges: 0 };
    return {
      // flowchart node ids are <diagram id>-flowchart-<our id>-<k>
      nodes: [...box.querySelectorAll('g.node')].map((g) => /(?:^|-)flowchart-(.+)-\\d+$/.exec(g.id)?.[1] ?? g.id),
      clusters: box.querySelectorAll('g.cluster').length,
      edges: box.querySelectorAll('g.edgePaths > path').length,
    };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error), nodes: [], clusters: 0, edges: 0 };
  }
}`;

async function render(page: Page, text: string): Promise<Rendered> {
  const fn = await page.evaluateHandle(RENDER_IN_PAGE);
  return (await fn.evaluate((f, t) => (f as (t: string) => Promise<Rendered>)(t), text)) as Rendered;
}

test('Mermaid rendered by mermaid itself in Chromium: a preset at block depth, a custom family at layer depth, every node, subgraph and edge', async () => {
  assert.ok(fs.existsSync(MERMAID), `${MERMAID} is missing: run npm ci (mermaid is a devDependency)`);
  const { CHROMIUM, CHROMIUM_ARGS } = createRequire(__filename)(path.join(ROOT, 'scripts', 'chromium.js')) as { CHROMIUM: string; CHROMIUM_ARGS: string[] };
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing (scripts/ensure-test-deps.sh installs it)`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    await page.setContent('<!DOCTYPE html><html><body></body></html>');
    await page.addScriptTag({ path: MERMAID });
    await page.evaluate('mermaid.initialize({ startOnLoad: false })');
    const cases: [string, GraphDepth][] = [
      ['resnext50_32x4d', 'block'],
      ['resnext101_32x8d', 'stage'],
      // A custom family: SE, the deep stem and avg-down (timm's SE-ResNeXt-D), every module call drawn.
      ['resnext50_32x4d:layers=1,2,1,1,se=true,stem=deep,avg_down=true', 'layer'],
    ];
    for (const [spec, depth] of cases) {
      const { config, model } = resolveSpec(spec);
      const g = collapseGraph(architectureGraph(config, model), depth);
      const children = childrenOf(g);
      const ids = new Map(g.nodes.map((n, i) => [n.id, `n${i}`]));
      const leaves = g.nodes.filter((n) => !children.has(n.id)).map((n) => ids.get(n.id)!);
      const out = await render(page, graphToMermaid(g, { title: model }));
      assert.equal(out.error, undefined, `${spec} at ${depth} depth: mermaid says ${out.error}`);
      assert.deepEqual([...out.nodes].sort(), [...leaves].sort(), `${spec} at ${depth} depth: the nodes mermaid drew`);
      assert.equal(out.clusters, g.nodes.length - leaves.length, `${spec} at ${depth} depth: one subgraph per open container`);
      assert.equal(out.edges, g.edges.length, `${spec} at ${depth} depth: one path per edge`);
    }
    // The check can fail: mermaid rejects a broken flowchart (an unclosed subgraph).
    const broken = await render(page, 'flowchart TB\n  subgraph a["x"]\n  n0["y"]\n');
    assert.ok(broken.error, 'mermaid rejects an unclosed subgraph');
  } finally {
    await browser.close();
  }
});
