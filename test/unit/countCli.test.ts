/** `--count RULE|all` and `--flops` on summarize, compare and scan (dist/cli.js, as a user runs it). */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../helpers';

// The library figures these equal are in test/fixtures/counting/references.json (fvcore, thop on PyTorch) and the
// mmcv figure is mmpretrain's ResNeXt-50 metafile's 4.27 G (test/unit/counting.test.ts).
const RESNEXT50 = { torchvision: 4230479872, fvcore: 4259381248, thop: 4288184320, mmcv: 4273079296 };

test('summarize --count fvcore --format json: totals.macs, totals.countRule and every row under the rule', () => {
  const r = runCli('summarize', 'resnext50_32x4d', '--count', 'fvcore', '--flops', '--format', 'json');
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout) as { totals: { macs: number; countRule: string; flops: number }; layers: { name: string; macs: number }[] };
  assert.equal(s.totals.countRule, 'fvcore');
  assert.equal(s.totals.macs, RESNEXT50.fvcore);
  assert.equal(s.totals.flops, 2 * RESNEXT50.fvcore);
  assert.equal(
    s.layers.reduce((a, l) => a + l.macs, 0),
    RESNEXT50.fvcore,
  );
  assert.equal(s.layers.find((l) => l.name === 'bn1')?.macs, 2 * 64 * 112 * 112);
});

test('summarize --count all: the table lists every rule with what it adds; JSON has counts with fvcore activations', () => {
  const table = runCli('summarize', 'resnext50_32x4d', '--count', 'all');
  assert.equal(table.code, 0, table.stderr);
  for (const rule of ['torchvision', 'fvcore', 'ptflops', 'ptflops-aten', 'thop', 'torchinfo', 'mmcv'])
    assert.match(table.stdout, new RegExp(`^  ${rule} +[\\d,]+ `, 'm'));
  assert.match(table.stdout, /\+28\.80 M: 2 × BatchNorm inputs \(eval mode, affine\) \(53 × BatchNorm2d\)/);
  const json = JSON.parse(runCli('summarize', 'resnext50_32x4d', '--count', 'all', '--format', 'json').stdout) as {
    totals: { macs: number };
    counts: { rule: string; macs: number; activations?: number }[];
  };
  assert.equal(json.totals.macs, RESNEXT50.torchvision);
  assert.equal(json.counts.length, 7);
  assert.equal(json.counts.find((c) => c.rule === 'fvcore')?.activations, 14401512);
  assert.equal(json.counts.find((c) => c.rule === 'mmcv')?.macs, RESNEXT50.mmcv);
});

test('compare --count mmcv and scan --count thop count every model under the rule', () => {
  const c = runCli('compare', 'resnet50', 'resnext50_32x4d', '--count', 'mmcv', '--format', 'json');
  assert.equal(c.code, 0, c.stderr);
  const models = (JSON.parse(c.stdout) as { models: { totals: { macs: number; countRule: string } }[] }).models;
  assert.equal(models[1]!.totals.macs, RESNEXT50.mmcv);
  assert.equal(models[1]!.totals.countRule, 'mmcv');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'count-'));
  const file = path.join(dir, 'train.py');
  fs.writeFileSync(file, 'import torchvision\nmodel = torchvision.models.resnext50_32x4d()\n');
  const s = runCli('scan', file, '--count', 'thop', '--format', 'json');
  assert.equal(s.code, 0, s.stderr);
  const scanned = (JSON.parse(s.stdout) as { models: { macs: number; countRule: string }[] }).models;
  assert.equal(scanned[0]!.macs, RESNEXT50.thop);
  assert.equal(scanned[0]!.countRule, 'thop');
  fs.rmSync(dir, { recursive: true });
});

test('an unknown rule is a usage error that lists the rules', () => {
  const r = runCli('summarize', 'resnet50', '--count', 'flops');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--count 'flops' is not supported; accepted: torchvision, fvcore, ptflops, ptflops-aten, thop, torchinfo, mmcv, all/);
  assert.equal(r.stdout, '');
});
