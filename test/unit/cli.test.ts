/** The `resnext` command as a user runs it: the built bundle (dist/cli.js) in a child process. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FIXTURES, runCli } from '../helpers';

const run = runCli;

test('summarize --format json follows the schema and the totals', () => {
  const r = run('summarize', 'resnext50_32x4d', '--format', 'json');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const s = JSON.parse(r.stdout);
  assert.equal(s.schema, 'resnext-inspector/summary@1');
  assert.equal(s.model, 'resnext50_32x4d');
  assert.deepEqual(s.config, { layers: [3, 4, 6, 3], groups: 32, widthPerGroup: 4, baseWidth: 64, numClasses: 1000, inputShape: [1, 3, 224, 224] });
  assert.deepEqual(s.layers[0], {
    name: 'conv1',
    type: 'Conv2d',
    outputShape: [1, 64, 112, 112],
    params: 9408,
    macs: 118013952,
    groups: 1,
    kernel: [7, 7],
    stride: [2, 2],
    denseParams: 9408,
    denseMacs: 118013952,
  });
  assert.equal(s.totals.params, 25_028_904);
  assert.equal(s.totals.macs, 4_230_479_872);
  for (const key of ['trainableParams', 'denseParams', 'denseMacs', 'inputSizeMiB', 'forwardBackwardSizeMiB', 'paramsSizeMiB', 'estimatedTotalSizeMiB']) {
    assert.equal(typeof s.totals[key], 'number', key);
  }
  assert.ok(s.timingsMs.build > 0 && s.timingsMs.forward > 0);
});

test('summarize prints the table with torchsummary lines; custom flags start from resnext50_32x4d', () => {
  const r = run('summarize', 'resnet50');
  assert.equal(r.code, 0, r.stderr);
  for (const line of [
    'Total params: 25,557,032',
    'Total MACs (multiply-adds): 4,089,184,256',
    'Input size (MB): 0.57',
    'Forward/backward pass size (MB): 286.56',
    'Params size (MB): 97.49',
    'Estimated Total Size (MB): 384.62',
  ]) {
    assert.ok(r.stdout.includes(line), line);
  }
  const custom = run('summarize', '--groups', '8', '--width-per-group', '14', '--input', '160x128', '--format', 'json');
  assert.equal(custom.code, 0, custom.stderr);
  const s = JSON.parse(custom.stdout);
  assert.equal(s.model, 'resnext50_32x4d(groups=8 width_per_group=14 input=160x128)');
  assert.deepEqual(s.config.inputShape, [1, 3, 160, 128]);
  assert.deepEqual(s.layers.filter((l: { name: string }) => l.name === 'layer4.2.relu').at(-1).outputShape, [1, 2048, 5, 4]);
});

test('--out writes the file atomically (markdown and csv)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resnext-cli-'));
  const md = path.join(dir, 'summary.md');
  let r = run('summarize', 'resnext50_32x4d', '--format', 'markdown', '--out', md);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  const text = fs.readFileSync(md, 'utf8');
  assert.match(text, /^## resnext50_32x4d/);
  assert.match(text, /\| layer1\.0\.conv2 \| Conv2d \| \[1, 128, 56, 56\] \| 4,608 \| 14,450,688 \| 32 \| 147,456 \| 462,422,016 \| 96\.9% \|/);
  const csv = path.join(dir, 'summary.csv');
  r = run('summarize', 'resnet50', '--format', 'csv', '--out', csv);
  assert.equal(r.code, 0, r.stderr);
  const rows = fs.readFileSync(csv, 'utf8').trimEnd().split('\r\n');
  assert.equal(rows[0], 'name,type,output_shape,params,macs,groups,kernel,stride,dense_params,dense_macs,params_saved,macs_saved');
  assert.equal(rows[1], 'conv1,Conv2d,1x64x112x112,9408,118013952,1,7x7,2x2,9408,118013952,0,0');
  const totalParams = rows.slice(1).reduce((a, line) => a + Number(line.split(',')[3]), 0);
  assert.equal(totalParams, 25_557_032);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['summary.csv', 'summary.md']);
  fs.rmSync(dir, { recursive: true });
});

test('presets lists every preset with its family, aliases, params and MACs', () => {
  const r = run('presets', '--format', 'json');
  assert.equal(r.code, 0, r.stderr);
  const { presets } = JSON.parse(r.stdout);
  assert.equal(presets.length, 31);
  assert.deepEqual(
    presets.find((p: { name: string }) => p.name === 'resnext101_64x4d'),
    {
      name: 'resnext101_64x4d',
      family: 'ResNeXt',
      aliases: { torchvision: 'resnext101_64x4d', timm: ['resnext101_64x4d'] },
      config: { layers: [3, 4, 23, 3], groups: 64, widthPerGroup: 4, baseWidth: 64, numClasses: 1000, inputShape: [1, 3, 224, 224] },
      params: 83_455_272,
      macs: 15_460_270_080,
    },
  );
  const se = presets.find((p: { name: string }) => p.name === 'seresnext50_32x4d');
  assert.equal(se.family, 'SE-ResNeXt');
  assert.equal(se.config.se, true);
  assert.equal(se.params, 27_559_896);
  assert.match(run('presets').stdout, /resnext50_32x4d\s+3,4,6,3\s+32\s+4\s+25,028,904\s+4,230,479,872 \(4\.23 G\)/);
});

test('summarize --weights infers the architecture from a checkpoint (zip, legacy, safetensors)', () => {
  for (const file of ['tiny.pth', 'tiny_legacy.pth', 'tiny_wrapped.pth', 'tiny_bf16.safetensors']) {
    const r = run('summarize', '--weights', path.join(FIXTURES, file), '--format', 'json');
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.deepEqual(s.config, { layers: [2, 1, 1, 1], groups: 4, widthPerGroup: 16, baseWidth: 8, numClasses: 10, inputShape: [1, 3, 224, 224] });
    assert.equal(s.totals.params, 94_994);
    // The summary names the file, and the state dict in it when that is not the whole file.
    assert.equal(s.weights, path.join(FIXTURES, file) + (file === 'tiny_wrapped.pth' ? " (state dict 'state_dict')" : ''));
  }
});

for (const engine of ['wasm', 'onnxruntime']) {
  test(`equivalence --weights --engine ${engine} runs the three forms on a checkpoint's own weights, the block on ${engine}, and names it`, () => {
    const r = run('equivalence', '--weights', path.join(FIXTURES, 'tiny_legacy.pth'), '--block', 'layer2.0', '--format', 'json', '--engine', engine);
    assert.equal(r.code, 0, r.stderr);
    const e = JSON.parse(r.stdout);
    assert.equal(e.schema, 'resnext-inspector/equivalence@1');
    assert.equal(e.block, 'layer2.0');
    assert.deepEqual(e.outputShape, [1, 64, 28, 28]);
    assert.ok(e.maxAbsDiff.aVsC <= 1e-4 && e.maxAbsDiff.bVsC <= 1e-4);
    assert.equal(e.ops.a.macs, e.ops.c.macs);
    assert.equal(e.engine.name, engine);
    if (engine === 'onnxruntime') assert.ok(e.engine.maxAbsDiffVsC <= 1e-4, `onnxruntime vs (c): ${e.engine.maxAbsDiffVsC}`);
    else assert.equal(e.engine.maxAbsDiffVsC, undefined);
  });
}

test('inspect --format json: a Lightning checkpoint, its globals, candidates, prefix and architecture', () => {
  const r = run('inspect', path.join(FIXTURES, 'checkpoints', 'lightning.ckpt'), '--format', 'json');
  assert.equal(r.code, 0, r.stderr);
  const i = JSON.parse(r.stdout);
  assert.equal(i.schema, 'resnext-inspector/inspect@1');
  assert.equal(i.format, 'zip');
  assert.ok(i.globals.includes('lightning.fabric.utilities.data.AttributeDict'));
  assert.equal(i.globalStatus['lightning.fabric.utilities.data.AttributeDict'], 'recorded, not run');
  assert.equal(i.chosen, 'state_dict');
  assert.equal(i.strippedPrefix, 'model.');
  assert.deepEqual(i.architecture.config.layers, [2, 1, 1, 1]);
});

test('convert writes a safetensors file that summarize reads; the summary names the state dict used', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resnext-convert-'));
  try {
    const out = path.join(dir, 'tiny.safetensors');
    const c = run('convert', path.join(FIXTURES, 'checkpoints', 'examples_checkpoint.pth.tar'), out, '--dtype', 'float16');
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stderr, /wrote .*tiny\.safetensors \(122 tensors, float16, \d+ bytes\).*state dict 'state_dict'; prefix 'module\.' stripped/);
    assert.deepEqual(fs.readdirSync(dir), ['tiny.safetensors'], 'no temporary file is left');
    const s = run('summarize', '--weights', out, '--format', 'json');
    assert.equal(s.code, 0, s.stderr);
    assert.equal(JSON.parse(s.stdout).totals.params, 94_994);
    const l = run('summarize', '--weights', path.join(FIXTURES, 'checkpoints', 'lightning.ckpt'), '--format', 'json');
    assert.equal(l.code, 0, l.stderr);
    assert.match(JSON.parse(l.stdout).weights, /lightning\.ckpt \(state dict 'state_dict'; prefix 'model\.' stripped\)$/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

const BAD_INPUT: [string, string[], RegExp][] = [
  [
    'a block that does not exist',
    ['equivalence', 'resnext50_32x4d', '--block', 'layer9.0'],
    /has no block 'layer9\.0'; valid blocks: layer1\.0, layer1\.1, layer1\.2, layer2\.0/,
  ],
  [
    'missing weights file',
    ['summarize', '--weights', '/nonexistent/w.pth'],
    /cannot read the weights file \/nonexistent\/w\.pth: there is no file at this path/,
  ],
  [
    'not a weights file',
    ['summarize', '--weights', path.join(FIXTURES, 'imagenet_categories.json')],
    /is not a weights file this reader knows .*accepted are PyTorch checkpoints/,
  ],
  [
    'an unknown --state-dict key',
    ['summarize', '--weights', path.join(FIXTURES, 'checkpoints', 'timm_train.pth.tar'), '--state-dict', 'ema'],
    /has no state dict at 'ema'; it has 'state_dict' \(state dict, 122 tensors\), 'state_dict_ema'.*--state-dict KEY/,
  ],
  ['--state-dict without --weights', ['summarize', 'resnet50', '--state-dict', 'model'], /--state-dict chooses a state dict in --weights FILE/],
  ['inspect of a file that is not weights', ['inspect', path.join(FIXTURES, 'imagenet_categories.json')], /is not a weights file this reader knows/],
  ['convert to a name without .safetensors', ['convert', path.join(FIXTURES, 'tiny.pth'), path.join(os.tmpdir(), 'x.pth')], /must end in \.safetensors/],
  [
    'convert with an unknown dtype',
    ['convert', path.join(FIXTURES, 'tiny.pth'), path.join(os.tmpdir(), 'x.safetensors'), '--dtype', 'int8'],
    /--dtype 'int8' is not supported; accepted: float32, float16, bfloat16/,
  ],
  [
    'unknown preset',
    ['summarize', 'resnext50'],
    /unknown preset 'resnext50' \(did you mean 'resnext50_32x4d'\?\); accepted presets: resnet18, resnet34, resnet50, .*wide_resnet101_2/,
  ],
  [
    'width that comes out 0',
    ['summarize', '--base-width', '8', '--width-per-group', '4'],
    /bottleneck width of layer1 comes out 0 .*raise --width-per-group or --base-width/,
  ],
  ['layers not 4 numbers', ['summarize', '--layers', '3,4,6'], /--layers must be 4 positive whole numbers separated by commas .*got '3,4,6'/],
  ['layers with a word', ['summarize', '--layers', '3,four,6,3'], /--layers must be 4 positive whole numbers/],
  ['layers with a zero', ['summarize', '--layers', '3,0,6,3'], /layers\[1\] \(blocks in layer2\) must be a whole number from 1 to 100/],
  ['non-integer groups', ['summarize', '--groups', '2.5'], /--groups must be a whole number from 1 to 1024, got '2\.5'/],
  ['negative width', ['summarize', '--width-per-group', '-4'], /width-per-group/],
  ['zero groups', ['summarize', '--groups', '0'], /groups must be a whole number from 1 to 1024, got 0/],
  ['zero classes', ['summarize', 'resnet50', '--num-classes', '0'], /--num-classes must be a whole number from 1 to 100000, got 0/],
  ['input too small', ['summarize', '--input', '0x224'], /input height must be a whole number from 1 to 1024 pixels, got 0/],
  ['input not HxW', ['summarize', '--input', 'big'], /--input must be HxW in pixels/],
  ['input too large', ['summarize', '--input', '4096'], /input height must be a whole number from 1 to 1024 pixels, got 4096/],
  ['unknown format', ['summarize', 'resnet50', '--format', 'xml'], /--format 'xml' is not supported; accepted: table, markdown, csv, json/],
  ['unknown presets format', ['presets', '--format', 'csv'], /--format 'csv' is not supported; accepted: table, json/],
  [
    'unwritable --out (no such folder)',
    ['summarize', 'resnet50', '--out', '/nonexistent-folder/x/summary.json'],
    /--out \/nonexistent-folder\/x\/summary\.json cannot be written: the folder .* does not exist/,
  ],
  ['--out is a folder', ['summarize', 'resnet50', '--out', os.tmpdir()], /is a folder; give a file path/],
  ['unknown flag', ['summarize', '--gropus', '8'], /summarize: Unknown option '--gropus'.*accepted options: --layers, --groups/],
  ['missing flag value', ['summarize', '--groups'], /--groups/],
  ['two presets', ['summarize', 'resnet50', 'resnet101'], /summarize takes one preset, got 2/],
  ['unknown command', ['summarise'], /unknown command 'summarise'; accepted: presets, summarize/],
  ['too many parameters', ['summarize', '--width-per-group', '1024', '--groups', '64'], /more than the 4,000,000,000 accepted/],
];

for (const [label, args, message] of BAD_INPUT) {
  test(`bad input → exit 2 and one clear line: ${label}`, () => {
    const r = run(...args);
    assert.equal(r.code, 2, `exit code for ${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `one line, got: ${r.stderr}`);
    assert.match(lines[0]!, /^resnext: /);
    assert.match(lines[0]!, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
}
