/**
 * Colour by measured time (issue 19): a profile's layers — the summary's rows, leaf-module calls in forward order —
 * matched to graph@1 ids and summed into closed stages and blocks (src/model/graph/times.ts).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { architectureGraph } from '../../src/model/graph';
import { collapseGraph } from '../../src/model/graph/depth';
import { nodeTimes, sameConfig } from '../../src/model/graph/times';
import { resolveSpec } from '../../src/cli/configSpec';
import { summarize } from '../../src/model/summarize';

test('node times: the k-th call of a module is path#k, a closed block holds the time of its rows, every row counted once', async () => {
  const { config, model } = resolveSpec('resnext50_32x4d:layers=1,2,1,1,input=64x64');
  const full = architectureGraph(config, model);
  const rows = (await summarize(config)).layers;
  // A distinct time per row (a power of two: every sum names its rows).
  const layers = rows.map((r, i) => ({ name: r.name, ms: 2 ** (i % 40) / 2 ** 20 }));
  const ms = (name: string, k = 0): number => layers.filter((l) => l.name === name)[k]!.ms;

  const atLayer = nodeTimes(
    full,
    full.nodes.map((n) => n.id),
    layers,
  );
  assert.equal(atLayer['layer1.0.relu'], ms('layer1.0.relu', 0));
  assert.equal(atLayer['layer1.0.relu#2'], ms('layer1.0.relu', 2));
  assert.equal(atLayer['layer2.1.conv2'], ms('layer2.1.conv2'));
  assert.equal(atLayer['layer2'], undefined, 'an open container has no time of its own');
  const total = layers.reduce((s, l) => s + l.ms, 0);
  const sum = (r: Record<string, number>): number => Object.values(r).reduce((s, x) => s + x, 0);
  assert.ok(Math.abs(sum(atLayer) - total) < 1e-12, 'every row counted once at layer depth');

  const blocks = collapseGraph(full, 'block');
  const atBlock = nodeTimes(
    full,
    blocks.nodes.map((n) => n.id),
    layers,
  );
  const inBlock = layers.filter((l) => l.name.startsWith('layer2.1.')).reduce((s, l) => s + l.ms, 0);
  assert.equal(atBlock['layer2.1'], inBlock);
  assert.equal(atBlock['layer2.1.conv2'], undefined);
  assert.equal(atBlock['conv1'], ms('conv1'));
  assert.ok(Math.abs(sum(atBlock) - total) < 1e-12, 'every row counted once at block depth');

  assert.ok(sameConfig(config, { ...config }));
  assert.ok(!sameConfig(config, { ...config, groups: config.groups * 2 }));
});
