/**
 * `resnext evaluate DIR --shard K/N` and `resnext evaluate --merge` (src/model/evaluateShard.ts) through the built CLI
 * on the ImageFolder fixture: three shards merged give one run's JSON (timing aside), and every refusal says what is
 * wrong: not a shard, shards of different runs (N, folder, model, weights, preprocessing, classes, other fields), a
 * shard given twice, a missing shard, overlapping shards, a shard edited by hand, bad K/N.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v from 'valibot';
import { listImageFolder, type EvaluationJson } from '../../src/model/evaluate';
import { mergeEvaluations, parseShard, shardListing, shardRange, type ShardInput } from '../../src/model/evaluateShard';
import { EvaluateSchema } from '../../src/shared/data';
import { FIXTURES, ROOT } from '../helpers';

const CLI = path.join(ROOT, 'dist', 'cli.js');
const FOLDER = path.join(FIXTURES, 'evaluate', 'folder');
const WEIGHTS = path.join(FIXTURES, 'evaluate', 'tiny_folder.pth');
const run = (args: string[]): { code: number | null; stdout: string; stderr: string } => {
  assert.ok(fs.existsSync(CLI), 'dist/cli.js is missing: run `npm run build` first (npm test does)');
  const r = spawnSync(process.execPath, [CLI, 'evaluate', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const evaluateJson = (args: string[]): EvaluationJson => {
  // One worker: with two, the second may still be creating its onnxruntime session when a 4-image shard is done, and
  // terminating a worker thread then aborts the whole process (onnxruntime-node 1.30; for evaluatePool.ts to avoid).
  const r = run([FOLDER, '--weights', WEIGHTS, '--format', 'json', '--workers', '1', ...args]);
  assert.equal(r.code, 0, r.stderr);
  return v.parse(EvaluateSchema, JSON.parse(r.stdout));
};
const withoutTiming = (j: EvaluationJson): Omit<EvaluationJson, 'imagesPerSecond'> => {
  const { imagesPerSecond, ...rest } = j;
  assert.ok(imagesPerSecond >= 0);
  return rest;
};

// One whole run and the three shards, made once for every test below.
let made: { whole: EvaluationJson; shards: EvaluationJson[]; texts: string[] } | undefined;
function runs(): NonNullable<typeof made> {
  if (!made) {
    const whole = evaluateJson([]);
    const shards = [1, 2, 3].map((k) => evaluateJson(['--shard', `${k}/3`]));
    made = { whole, shards, texts: shards.map((s) => JSON.stringify(s)) };
  }
  return made;
}
const inputs = (jsons: readonly unknown[], names = jsons.map((_, i) => `shard${i + 1}.json`)): ShardInput[] =>
  jsons.map((j, i) => ({ source: names[i]!, text: JSON.stringify(j) }));
const copy = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const refuses = (jsons: readonly unknown[], message: RegExp): void => assert.throws(() => mergeEvaluations(inputs(jsons)), message);

test('K/N is parsed from 1; 0-based, out of range and malformed values are refused with the way to write them', () => {
  assert.deepEqual(parseShard('2/3'), { index: 2, count: 3 });
  assert.deepEqual(parseShard(' 1 / 1 '), { index: 1, count: 1 });
  assert.throws(() => parseShard('0/4'), /1 ≤ K ≤ N.*JOB_COMPLETION_INDEX \+ 1\)\)\/4/);
  for (const bad of ['4/3', '3', 'a/b', '1/0', '-1/2', '1.5/3', '']) assert.throws(() => parseShard(bad), /--shard must be K\/N with 1 ≤ K ≤ N/, bad);
});

test('the slices are contiguous, disjoint, cover every image once and differ in size by at most one', () => {
  for (let total = 1; total <= 40; total++) {
    for (let count = 1; count <= total; count++) {
      let next = 0;
      const sizes: number[] = [];
      for (let index = 1; index <= count; index++) {
        const { start, end } = shardRange({ index, count }, total);
        assert.equal(start, next, `T=${total} N=${count} K=${index}`);
        assert.ok(end > start);
        sizes.push(end - start);
        next = end;
      }
      assert.equal(next, total);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
    }
  }
  const listing = listImageFolder(FOLDER);
  const second = shardListing(listing, { index: 2, count: 3 });
  assert.deepEqual(second.classes, listing.classes, 'a shard keeps the whole folder’s classes');
  assert.deepEqual(second.samples, listing.samples.slice(4, 8));
  assert.throws(() => shardListing(listing, { index: 1, count: 14 }), /has 13 images, fewer than 14 shards; use at most 13 shards/);
});

test('evaluate --shard 1/3, 2/3, 3/3 then --merge gives the JSON of one run over the whole folder, timing aside', () => {
  const { whole, shards } = runs();
  assert.deepEqual(
    shards.map((s) => s.files.length + s.failed.length),
    [4, 4, 5],
  );
  const weightsSha256 = createHash('sha256').update(fs.readFileSync(WEIGHTS)).digest('hex');
  for (const [i, s] of shards.entries()) {
    assert.equal(s.shard?.index, i + 1);
    assert.equal(s.shard?.count, 3);
    assert.equal(s.shard?.folderImages, 13);
    assert.equal(s.shard?.weights.sha256, weightsSha256);
    assert.deepEqual(s.classes, whole.classes, 'every shard has the whole folder’s classes');
    assert.equal(s.confusion.length, whole.classes.length);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resnext-shards-'));
  try {
    // Given in any order, as a shell glob or a scheduler may.
    const files = [3, 1, 2].map((k) => {
      const file = path.join(dir, `shard-${k}.json`);
      fs.writeFileSync(file, JSON.stringify(shards[k - 1]));
      return file;
    });
    const out = path.join(dir, 'merged.json');
    const r = run(['--merge', ...files, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    const merged = v.parse(EvaluateSchema, JSON.parse(fs.readFileSync(out, 'utf8')));
    assert.equal(merged.shard, undefined);
    assert.deepEqual(Object.keys(merged), Object.keys(whole));
    assert.deepEqual(withoutTiming(merged), withoutTiming(whole));
    const csv = run(['--merge', ...files, '--format', 'csv']);
    assert.equal(csv.code, 0, csv.stderr);
    assert.equal(csv.stdout.split('\n')[0], 'index,class,images,correct,top1,top5');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('merge refuses a whole run, files that are not evaluate@1 JSON, a shard given twice and a missing shard', () => {
  const { whole, shards } = runs();
  refuses([whole], /shard1\.json is the evaluation of a whole folder, not a shard/);
  assert.throws(() => mergeEvaluations([{ source: 'x.json', text: '{"schema": ' }]), /x\.json is not JSON/);
  assert.throws(
    () => mergeEvaluations([{ source: 'x.json', text: '{"schema": "resnext-inspector/summary@1"}' }]),
    /x\.json is not a resnext evaluate@1 result/,
  );
  assert.throws(() => mergeEvaluations([]), /--merge needs the shards/);
  refuses([shards[0], shards[1], shards[0], shards[2]], /shard 1\/3 is given twice \(shard1\.json and shard3\.json\)/);
  refuses([shards[0], shards[2]], /shard 2\/3 is missing \(given: 1\/3, 3\/3\); merge all 3 shards/);
  refuses([shards[1]], /shards 1\/3, 3\/3 are missing/);
});

test('merge refuses shards of different runs: N, folder, model, weights, preprocessing, top K, class list, any other field', () => {
  const { shards } = runs();
  const [a, b, c] = shards.map(copy) as [EvaluationJson, EvaluationJson, EvaluationJson];
  type Loose = Record<string, unknown> & { shard: Record<string, unknown> };
  const edited = (edit: (j: Loose) => void): unknown => {
    const j = JSON.parse(JSON.stringify(b)) as Loose;
    edit(j);
    return j;
  };
  const cases: [string, unknown, RegExp][] = [
    ['N', edited((j) => (j.shard.count = 4)), /differ in the number of shards N/],
    ['folder', edited((j) => (j.shard.folderSha256 = 'f'.repeat(64))), /differ in the folder \(its listing/],
    ['model', edited((j) => (j.shard.model = 'resnext50_32x4d')), /differ in the model/],
    ['weights', edited((j) => (j.shard.weights = { ...(j.shard.weights as object), sha256: '0'.repeat(64) })), /differ in the weights/],
    ['state dict', edited((j) => (j.shard.weights = { ...(j.shard.weights as object), stateDict: 'state_dict_ema' })), /differ in the weights/],
    ['preprocessing', edited((j) => (j.shard.preprocessing = { ...(j.shard.preprocessing as object), cropPx: 192 })), /differ in the preprocessing/],
    ['top K', edited((j) => (j.shard.topK = 3)), /differ in the --top K/],
    ['classes', edited((j) => (j.classes = ['cat', 'dog', 'wolf'])), /their "classes" differs/],
  ];
  for (const [what, other, message] of cases) assert.throws(() => mergeEvaluations(inputs([a, other, c])), message, what);
});

test('merge refuses overlapping shards and a shard whose report was edited apart from its files', () => {
  const { shards } = runs();
  const [a, b, c] = shards.map(copy) as [EvaluationJson, EvaluationJson, EvaluationJson];
  const overlapping = { ...b, files: a.files, failed: a.failed, count: a.count, top1: a.top1, top5: a.top5, perClass: a.perClass, confusion: a.confusion };
  refuses([a, overlapping, c], /cat\/a\.png is in both shard1\.json and shard2\.json: the shards overlap/);
  refuses([a, { ...b, top1: 1 }, c], /shard2\.json: its "top1" does not match its files \(was it edited\?\)/);
  refuses([a, { ...b, files: b.files.slice(1) }, c], /shard2\.json \(shard 2\/3 of 13 images\) holds 3 files, but that shard has 4/);
});

test('the CLI says what was wrong: exit 2 with the message for a missing shard, a bad --shard, too many shards', () => {
  const { texts } = runs();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resnext-shards-'));
  try {
    const one = path.join(dir, 'one.json');
    fs.writeFileSync(one, texts[0]!);
    const r = run(['--merge', one]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^resnext: shards 2\/3, 3\/3 are missing/);
    const missing = run(['--merge', path.join(dir, 'nope.json')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read .*nope\.json: there is no file at this path/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const bad = run([FOLDER, '--weights', WEIGHTS, '--shard', '0/2']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--shard must be K\/N/);
  const many = run([FOLDER, '--weights', WEIGHTS, '--shard', '1/20']);
  assert.equal(many.code, 2);
  assert.match(many.stderr, /fewer than 20 shards/);
});
