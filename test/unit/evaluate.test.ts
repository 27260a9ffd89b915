/**
 * `resnext evaluate` (built CLI and the pool API) on the ImageFolder fixture against torchvision's ImageFolder and
 * PyTorch's predictions (test/fixtures/evaluate/make_evaluate.py): accuracy, every file's top-5, the corrupt file,
 * worker-count independence, Ctrl-C, and bad input.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v from 'valibot';
import { listImageFolder, type EvaluationJson } from '../../src/model/evaluate';
import { EvaluateSchema } from '../../src/shared/data';
import { evaluateFolder } from '../../src/model/evaluatePool';
import { fixture, FIXTURES, ROOT, ENGINES, engineSkip } from '../helpers';

interface FolderReference {
  classes: string[];
  count: number;
  top1: number;
  top5: number;
  files: { path: string; label: number; top5: number[]; probs: number[] }[];
  failed: { path: string }[];
}
const reference = (): FolderReference => JSON.parse(fixture('evaluate/folder_reference.json').toString('utf8')) as FolderReference;
const CLI = path.join(ROOT, 'dist', 'cli.js');
const FOLDER = path.join(FIXTURES, 'evaluate', 'folder');
const WEIGHTS = path.join(FIXTURES, 'evaluate', 'tiny_folder.pth');
const WORKER = path.join(ROOT, 'dist', 'evaluateWorker.js');
const run = (args: string[]): { code: number | null; stdout: string; stderr: string } => {
  const r = spawnSync(process.execPath, [CLI, 'evaluate', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const tempDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'resnext-evaluate-'));

test("the listing follows torchvision's ImageFolder: classes, samples (recursive, by extension, sorted), labels", () => {
  const ref = reference();
  const listing = listImageFolder(FOLDER);
  assert.deepEqual(listing.classes, ref.classes);
  const torchSamples = [...ref.files.map((f) => f.path), ...ref.failed.map((f) => f.path)].sort();
  assert.deepEqual([...listing.samples.map((s) => s.path)].sort(), torchSamples);
  for (const f of ref.files) assert.equal(listing.samples.find((s) => s.path === f.path)!.label, f.label);
  assert.ok(!listing.samples.some((s) => s.path.endsWith('notes.txt')));
});

for (const engine of ENGINES)
  test(
    `evaluate --format json on ${engine}: top-1, top-5 and every file's top-5 equal PyTorch's; the corrupt file is failed`,
    { skip: engineSkip(engine) },
    () => {
      const ref = reference();
      const r = run([FOLDER, '--weights', WEIGHTS, '--format', 'json', '--workers', '2', '--engine', engine]);
      assert.equal(r.code, 0, r.stderr);
      const j: EvaluationJson = v.parse(EvaluateSchema, JSON.parse(r.stdout));
      assert.equal(j.engine?.name, engine);
      assert.deepEqual(Object.keys(j), ['schema', 'engine', 'count', 'top1', 'top5', 'classes', 'perClass', 'confusion', 'files', 'failed', 'imagesPerSecond']);
      assert.equal(j.schema, 'resnext-inspector/evaluate@1');
      assert.equal(j.count, ref.count);
      assert.equal(j.top1, ref.top1);
      assert.equal(j.top5, ref.top5);
      assert.deepEqual(j.classes, ref.classes);
      assert.deepEqual(
        j.files.map((f) => f.path),
        ref.files.map((f) => f.path),
      );
      for (const [i, f] of j.files.entries()) {
        const expected = ref.files[i]!;
        assert.equal(f.label, expected.label, f.path);
        assert.equal(f.top5[0], expected.top5[0], `${f.path}: top-1`);
        assert.deepEqual(f.top5, expected.top5, `${f.path}: top-5 order`);
        for (let k = 0; k < 5; k++) assert.ok(Math.abs(f.probs[k]! - expected.probs[k]!) <= 1e-4, `${f.path}: probability ${k}`);
      }
      assert.deepEqual(
        j.failed.map((f) => f.path),
        ['fox/broken.png'],
      );
      assert.match(j.failed[0]!.reason, /^PNG file is truncated or corrupt/);
      // Per class and confusion from the same predictions.
      for (const c of j.perClass) {
        const mine = ref.files.filter((f) => f.label === c.index);
        assert.equal(c.count, mine.length);
        assert.equal(c.correct, mine.filter((f) => f.top5[0] === f.label).length);
        assert.deepEqual(
          j.confusion[c.index],
          ref.classes.map((_, p) => mine.filter((f) => f.top5[0] === p).length),
        );
      }
      assert.ok(j.imagesPerSecond > 0);
      assert.match(r.stderr, /evaluate: 13\/13 images, [\d.]+ images\/s, ETA/);
    },
  );

for (const engine of ENGINES)
  test(
    `1 worker and 2 workers on ${engine} give identical JSON apart from the timings; shared or per-worker weights alike`,
    { skip: engineSkip(engine) },
    async () => {
      const strip = (text: string): unknown => ({ ...JSON.parse(text), imagesPerSecond: 0 });
      const one = run([FOLDER, '--weights', WEIGHTS, '--format', 'json', '--workers', '1', '--engine', engine]);
      const two = run([FOLDER, '--weights', WEIGHTS, '--format', 'json', '--workers', '2', '--engine', engine]);
      assert.equal(one.code, 0, one.stderr);
      assert.equal(two.code, 0, two.stderr);
      assert.deepEqual(strip(one.stdout), strip(two.stdout));
      // Batches of 4 (the last one short; the corrupt file leaves its batch): the same batches on 1 and 2 workers.
      const batchedOne = run([FOLDER, '--weights', WEIGHTS, '--format', 'json', '--workers', '1', '--batch', '4', '--engine', engine]);
      const batchedTwo = run([FOLDER, '--weights', WEIGHTS, '--format', 'json', '--workers', '2', '--batch', '4', '--engine', engine]);
      assert.equal(batchedOne.code, 0, batchedOne.stderr);
      assert.deepEqual(strip(batchedOne.stdout), strip(batchedTwo.stdout));
      const ref = reference();
      const batched = JSON.parse(batchedOne.stdout) as EvaluationJson;
      assert.equal(batched.top1, ref.top1);
      assert.equal(batched.top5, ref.top5);
      assert.deepEqual(
        batched.files.map((f) => f.top5),
        ref.files.map((f) => f.top5),
      );
      batched.files.forEach((f, i) =>
        f.probs.forEach((p, k) => assert.ok(Math.abs(p - ref.files[i]!.probs[k]!) <= 1e-4, `${f.path} batched: probability ${k}`)),
      );
      const common = { weightsPath: WEIGHTS, resizePx: 256, cropPx: 224, topK: 5, workers: 2, workerScript: WORKER, engine };
      const shared = await evaluateFolder(FOLDER, { ...common, share: 'shared' });
      const read = await evaluateFolder(FOLDER, { ...common, share: 'read' });
      assert.deepEqual({ ...shared.json, imagesPerSecond: 0 }, { ...read.json, imagesPerSecond: 0 });
      assert.deepEqual({ ...shared.json, imagesPerSecond: 0 }, strip(one.stdout));
      assert.equal(shared.workers, 2);
      const capped = await evaluateFolder(FOLDER, { ...common, workers: 64 });
      assert.equal(capped.workers, 13, 'never more workers than images');
    },
  );

test('table, csv and --predictions; --out written only at the end', () => {
  const dir = tempDir();
  try {
    const table = run([FOLDER, '--weights', WEIGHTS, '--workers', '1']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /12 images classified, 1 failed; 1 worker/);
    assert.match(table.stdout, new RegExp(`top-1 ${(100 * reference().top1).toFixed(2)}%   top-5 ${(100 * reference().top5).toFixed(2)}%`));
    assert.match(table.stdout, /Failed \(1\)\n {2}fox\/broken\.png: PNG file is truncated/);
    assert.match(table.stdout, /Slowest files\n/);
    const out = path.join(dir, 'report.csv');
    const predictions = path.join(dir, 'predictions.csv');
    const csv = run([FOLDER, '--weights', WEIGHTS, '--format', 'csv', '--out', out, '--predictions', predictions]);
    assert.equal(csv.code, 0, csv.stderr);
    assert.equal(csv.stdout, '');
    const rows = fs.readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(rows[0], 'index,class,images,correct,top1,top5');
    assert.equal(rows.length, 1 + 3 + 1);
    assert.match(rows[4]!, /^,all,12,\d+,/);
    const p = fs.readFileSync(predictions, 'utf8').trim().split('\n');
    assert.equal(p.length, 1 + 13);
    assert.match(p[1]!, /^cat\/a\.png,0,cat,\d,class \d,/);
    assert.match(p[13]!, /^fox\/broken\.png,,,,,,,,,PNG file is truncated/);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['predictions.csv', 'report.csv']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a flat folder gives predictions only; an empty class folder, a missing folder and bad flags are refused', () => {
  const dir = tempDir();
  try {
    const flat = path.join(dir, 'flat');
    fs.mkdirSync(flat);
    fs.copyFileSync(path.join(FOLDER, 'cat', 'a.png'), path.join(flat, 'one.png'));
    fs.copyFileSync(path.join(FOLDER, 'dog', 'd.bmp'), path.join(flat, 'two.bmp'));
    const r = run([flat, '--weights', WEIGHTS, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const j: EvaluationJson = v.parse(EvaluateSchema, JSON.parse(r.stdout));
    assert.equal(j.top1, null);
    assert.equal(j.top5, null);
    assert.deepEqual(j.classes, []);
    assert.deepEqual(
      j.files.map((f) => [f.path, f.label]),
      [
        ['one.png', null],
        ['two.bmp', null],
      ],
    );
    assert.deepEqual(j.files[0]!.top5, reference().files[0]!.top5);

    const withEmpty = path.join(dir, 'classes');
    fs.mkdirSync(path.join(withEmpty, 'a'), { recursive: true });
    fs.mkdirSync(path.join(withEmpty, 'b'));
    fs.copyFileSync(path.join(FOLDER, 'cat', 'a.png'), path.join(withEmpty, 'a', 'x.png'));
    fs.writeFileSync(path.join(withEmpty, 'b', 'readme.txt'), 'no images here');
    const cases: [string[], RegExp][] = [
      [[withEmpty, '--weights', WEIGHTS], /found no images for the class b in .*classes \(as torchvision's ImageFolder/],
      [[path.join(dir, 'nope'), '--weights', WEIGHTS], /cannot read the folder .*nope: there is no such folder/],
      [[path.join(dir, 'empty-dir-that-exists'), '--weights', WEIGHTS], /no class folders and no images/],
      [[FOLDER], /needs exactly one of --weights FILE\|URL or --pretrained/],
      [[FOLDER, '--weights', WEIGHTS, '--workers', '0'], /--workers must be a whole number from 1/],
      [[FOLDER, '--weights', WEIGHTS, '--format', 'xml'], /--format/],
      [[FOLDER, FOLDER, '--weights', WEIGHTS], /evaluate takes one folder, got 2/],
    ];
    fs.mkdirSync(path.join(dir, 'empty-dir-that-exists'));
    for (const [args, message] of cases) {
      const bad = run(args);
      assert.equal(bad.code, 2, `${args.join(' ')}: ${bad.stderr}`);
      assert.match(bad.stderr, message);
      assert.equal(
        bad.stderr
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('resnext:')).length,
        1,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('Ctrl-C stops the evaluation: exit 130, no --out or --predictions file, no temporary file', async () => {
  const dir = tempDir();
  try {
    const big = path.join(dir, 'big');
    for (const c of ['a', 'b']) {
      fs.mkdirSync(path.join(big, c), { recursive: true });
      for (let i = 0; i < 300; i++) fs.copyFileSync(path.join(FOLDER, 'cat', 'a.png'), path.join(big, c, `${i}.png`));
    }
    const out = path.join(dir, 'out.json');
    const predictions = path.join(dir, 'p.csv');
    const child = spawn(process.execPath, [
      CLI,
      'evaluate',
      big,
      '--weights',
      WEIGHTS,
      '--format',
      'json',
      '--out',
      out,
      '--predictions',
      predictions,
      '--workers',
      '1',
    ]);
    let stderr = '';
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/loaded in/.test(stderr) && !child.killed) child.kill('SIGINT');
      });
      child.on('close', resolve);
    });
    assert.equal(code, 130, stderr);
    assert.match(stderr, /resnext: the evaluation was cancelled; nothing was written/);
    assert.deepEqual(fs.readdirSync(dir), ['big']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
