import assert from 'node:assert/strict';
import { test } from 'node:test';
import { profile, PROFILE_SCHEMA } from '../../src/model/profile';
import { formatProfile } from '../../src/model/report/profile';
import { summarize } from '../../src/model/summarize';
import { tf } from '../../src/model/tf';
import { ENGINES, engineSkip, tinyConfig } from '../helpers';
import { isProfileData } from '../../src/shared/protocol';

for (const engine of ENGINES)
  test(
    `profile on ${engine}: one timed row per summary row, with its MACs; every Conv2d and Linear has a time; no tensor left`,
    { skip: engineSkip(engine) },
    async () => {
      const config = tinyConfig();
      const summary = await summarize(config, { model: 'tiny' });
      const before = tf.memory().numTensors;
      const p = await profile(config, { model: 'tiny', runs: 2, engine });
      assert.equal(tf.memory().numTensors, before);
      assert.equal(p.schema, PROFILE_SCHEMA);
      assert.equal(p.engine?.name, engine);
      // The layers' time is the sum of the rows' (medians per layer: ORT's profiler's node times, wasm's gaps between
      // records). How it compares with the forward's own median is a timing, which a loaded machine bends: the bench's.
      assert.ok(p.layersMs > 0 && p.totalMs > 0);
      assert.ok(Math.abs(p.layersMs - p.layers.reduce((a, l) => a + l.ms, 0)) < 1e-9, `layers ${p.layersMs} ms is not the rows' sum`);
      assert.deepEqual(
        p.layers.map((l) => [l.name, l.type, l.macs]),
        summary.layers.map((l) => [l.name, l.type, l.macs]),
      );
      for (const l of p.layers.filter((r) => r.type === 'Conv2d' || r.type === 'Linear')) {
        assert.ok(l.ms > 0, `${l.name} has no time`);
        assert.ok(l.bytes > 0, `${l.name} moves no bytes`);
        assert.equal(l.gmacPerSecond, l.macs / (l.ms / 1000) / 1e9);
      }
      // layer2.0.conv2 is grouped (4 groups): its dense-equivalent-free MACs and its groups are carried over
      assert.equal(p.layers.find((l) => l.name === 'layer2.0.conv2')?.groups, 4);
      const shareSum = p.layers.reduce((a, l) => a + l.share, 0);
      assert.ok(Math.abs(shareSum - 1) < 1e-9, `shares add up to ${shareSum}`);
      assert.ok(p.peak.gemmGmacPerSecond > 0 && p.peak.memoryGBPerSecond > 0);
      const json = JSON.parse(formatProfile(p, 'json')) as {
        schema: string;
        model: string;
        threads: number;
        totalMs: number;
        layers: { name: string; type: string; ms: number; macs: number; bytes: number; gmacPerSecond: number }[];
      };
      for (const key of ['schema', 'model', 'threads', 'totalMs', 'layers'] as const) assert.ok(key in json, key);
      for (const key of ['name', 'type', 'ms', 'macs', 'bytes', 'gmacPerSecond'] as const) assert.ok(key in json.layers[0]!, key);
      // What the worker sends the views: the measured profile passes the protocol's schema (one source with the type).
      assert.ok(isProfileData(JSON.parse(formatProfile(p, 'json'))), 'the profile@1 JSON fails its own schema');
      // The review question's figures: the grouped convs' time and MACs and their shares of the whole.
      const grouped = p.layers.filter((l) => l.type === 'Conv2d' && (l.groups ?? 1) > 1);
      assert.equal(p.convs.grouped.count, grouped.length);
      assert.ok(grouped.length > 0);
      assert.equal(
        p.convs.grouped.macs,
        grouped.reduce((a, l) => a + l.macs, 0),
      );
      assert.ok(Math.abs(p.convs.grouped.timeShare - grouped.reduce((a, l) => a + l.ms, 0) / p.layersMs) < 1e-12);
      assert.equal(p.convs.grouped.count + p.convs.dense.count, p.layers.filter((l) => l.type === 'Conv2d').length);
      assert.match(formatProfile(p, 'table'), /^grouped convs: (<1|\d+)% of MACs, \d+% of time \([\d.]+ ms in \d+ layers\); dense convs: /m);
      assert.match(formatProfile(p, 'table'), /^layer2\.0\.conv2\s+Conv2d \(g=4\)/m);
      assert.match(formatProfile(p, 'markdown'), /^\| layer2\.0\.conv2 \| Conv2d \(g=4\) \|/m);
    },
  );
