import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FAMILIES, presetCatalog } from '../../src/model/catalog';
import { presetConfig, PRESET_NAMES } from '../../src/model/config';
import {
  applyChoice,
  applyField,
  CHOICE_STEPS,
  CUSTOM_FIELDS,
  reconcileOptions,
  resolveCustom,
  validateField,
  type ChoiceKey,
  type FieldKey,
} from '../../src/extension/customConfig';
import { sameArchitecture, type NetworkConfig } from '../../src/model/config';
import { staticTotals } from '../../src/model/catalog';
import { compactCount, CUSTOM_LABEL, groupedPresetPickItems, presetPickItems } from '../../src/extension/presetItems';
import { ROOT } from '../helpers';
import { CHECKPOINT_FILE_EXTENSIONS } from '../../src/model/weights/extensions';

const base = 'resnext50_32x4d';
const start = presetConfig(base);

test('the preset quick pick lists every preset with params and MACs, the default first, then the custom entry', () => {
  const items = presetPickItems(presetCatalog(), 'resnet50');
  assert.equal(items.length, PRESET_NAMES.length + 1);
  assert.equal(items[0]!.label, 'resnet50');
  assert.match(items[0]!.description, /default/);
  assert.equal(items.at(-1)!.label, CUSTOM_LABEL);
  assert.equal(items.at(-1)!.preset, undefined);
  const resnext = items.find((i) => i.label === 'resnext50_32x4d')!;
  assert.equal(resnext.description, '25.0 M params · 4.23 G MACs');
  assert.match(resnext.detail, /^ResNeXt · layers 3,4,6,3 · groups 32 · width per group 4 · grouped conv: −64% params$/);
  assert.match(
    items.find((i) => i.label === 'seresnext50_32x4d')!.detail,
    /^SE-ResNeXt · layers 3,4,6,3 · groups 32 · width per group 4 · SE · seresnext50_32x4d\.racm_in1k · grouped conv/,
  );
  assert.doesNotMatch(items.find((i) => i.label === 'resnet50')!.detail, /grouped/);
  assert.equal(compactCount(999), '999');
  assert.equal(compactCount(4_230_479_872), '4.23 G');
});

test('the grouped quick pick: the default first, then every family under its separator in catalog order, custom last', () => {
  const entries = groupedPresetPickItems(presetCatalog(), 'resnext50_32x4d');
  const separators = entries.filter((e): e is { separator: string } => 'separator' in e).map((e) => e.separator);
  assert.deepEqual(separators, ['Default', ...FAMILIES, 'Custom']);
  const labels = entries.map((e) => ('separator' in e ? `[${e.separator}]` : e.label));
  assert.deepEqual(labels.slice(0, 3), ['[Default]', 'resnext50_32x4d', '[ResNet]']);
  assert.equal(labels.filter((l) => l === 'resnext50_32x4d').length, 1, 'the default is listed once');
  const wsl = labels.indexOf('[ResNeXt WSL]');
  assert.deepEqual(labels.slice(wsl, wsl + 4), ['[ResNeXt WSL]', 'resnext101_32x16d_wsl', 'resnext101_32x32d_wsl', 'resnext101_32x48d_wsl']);
  assert.equal(labels.at(-1), CUSTOM_LABEL);
  assert.equal(entries.filter((e) => !('separator' in e)).length, PRESET_NAMES.length + 1);
  assert.ok(!groupedPresetPickItems(presetCatalog(), 'resnet50', false).some((e) => ('separator' in e ? e.separator === 'Custom' : e.preset === undefined)));
});

test('each custom field shows the preset value and accepts it unchanged', () => {
  for (const field of CUSTOM_FIELDS.filter((f) => f.applies?.(start) ?? true)) {
    const text = field.format(start);
    assert.equal(validateField(base, start, field.key, text), undefined, `${field.key}: '${text}'`);
  }
  assert.equal(
    CUSTOM_FIELDS.filter((f) => f.applies?.(start) ?? true)
      .map((f) => f.format(start))
      .join(' '),
    '3,4,6,3 32 4 64 1000 224',
  );
  assert.deepEqual(
    CHOICE_STEPS.map((s) => s.picked(start)),
    [['bottleneck'], ['standard'], []],
  );
});

/** What the user types, and a fragment of the message shown under the box (undefined: accepted). */
const CASES: [FieldKey, string, RegExp | undefined][] = [
  ['layers', '3,4,6,3', undefined],
  ['layers', '3 4 23 3', undefined],
  ['layers', '3,4,6', /4 whole numbers.*got 3 values/],
  ['layers', '3,4,6,3,1', /got 5 values/],
  ['layers', '3,4,x,3', /4 whole numbers/],
  ['layers', '3,0,6,3', /^Layers\[1\] \(blocks in layer2\) must be a whole number from 1 to 100 \(e\.g\. 3,4,6,3\), got 0$/],
  ['layers', '', /Enter a value/],
  ['groups', '64', undefined],
  ['groups', '8', undefined],
  ['groups', '0', /^Groups must be a whole number from 1 to 1024, got 0$/],
  ['groups', '2.5', /Enter a whole number/],
  ['groups', '-1', /Enter a whole number/],
  ['widthPerGroup', '14', undefined],
  ['widthPerGroup', 'four', /Enter a whole number/],
  ['baseWidth', '1', /bottleneck width of layer1 comes out 0 .*raise width per group or base width/],
  ['baseWidth', '600', /^Base width must be a whole number from 1 to 512/],
  ['numClasses', '10', undefined],
  ['numClasses', '0', /^Num classes must be a whole number from 1/],
  ['inputSize', '224', undefined],
  ['inputSize', '320x256', undefined],
  ['inputSize', '320 × 256', undefined],
  ['inputSize', '2000', /^Input height must be a whole number from 1 to 1024/],
  ['inputSize', '224x', /HxW/],
  ['inputSize', 'big', /HxW/],
];

test('custom configuration: validation messages as you type (table-driven)', () => {
  for (const [key, text, expected] of CASES) {
    const message = validateField(base, start, key, text);
    if (expected === undefined) assert.equal(message, undefined, `${key} '${text}' should be accepted, got: ${message}`);
    else assert.match(message ?? '(accepted)', expected, `${key} '${text}'`);
  }
});

test('custom configuration: validation sees the values entered in earlier steps', () => {
  // groups 32 with width per group 4 is fine; after choosing groups 3, width 4 per group at planes 64 gives
  // int(64*4/64)*3 = 12 channels: valid. But base width 16 then makes int(16*4/64)*3 = 3 → still valid, and
  // base width 8 gives int(8*4/64) = 0 → the core's "comes out 0" message.
  const afterGroups = applyField(start, 'groups', '3');
  assert.ok('config' in afterGroups);
  assert.equal(validateField(base, afterGroups.config, 'baseWidth', '16'), undefined);
  assert.match(validateField(base, afterGroups.config, 'baseWidth', '8') ?? '', /comes out 0/);
  // The parameter cap of the core applies too.
  const wide = applyField(start, 'widthPerGroup', '1024');
  assert.ok('config' in wide);
  assert.match(validateField(base, wide.config, 'groups', '1024') ?? '', /more than the [\d,]+ accepted|must divide|comes out/);
});

/** Applies picks and typed fields in order, failing the test on the first refusal. */
function walk(steps: ([ChoiceKey, string[]] | [FieldKey, string])[], from: NetworkConfig = start): NetworkConfig {
  let config = from;
  for (const [key, value] of steps) {
    const applied = Array.isArray(value) ? applyChoice(config, key as ChoiceKey, value) : applyField(config, key as FieldKey, value);
    assert.ok('config' in applied, `${key} ${String(value)}: ${'error' in applied ? applied.error : ''}`);
    config = applied.config;
  }
  return config;
}

test('custom configuration: the options switch timm features and the CIFAR layout, and later fields follow it', () => {
  const cifar = walk([['options', ['cifar']]]);
  assert.equal(
    CUSTOM_FIELDS.filter((f) => f.applies?.(cifar) ?? true)
      .map((f) => f.format(cifar))
      .join(' '),
    '3,3,3 32 4 64 10 32',
  );
  assert.equal(validateField(base, cifar, 'layers', '3,4,6,3'), 'Enter 3 whole numbers separated by commas, one per stage (e.g. 3,3,3); got 4 values');
  const groups = walk(
    [
      ['widthPerGroup', '64'],
      ['groups', '8'],
    ],
    cifar,
  );
  const resolved = resolveCustom(base, groups);
  // That is ResNeXt-29 8x64d exactly, so it is named as the preset; 4 groups are not a preset.
  assert.ok(!('error' in resolved) && resolved.model === 'resnext29_8x64d', JSON.stringify(resolved));
  const four = resolveCustom(base, walk([['groups', '4']], groups));
  assert.ok(!('error' in four) && four.model === 'resnext50_32x4d(cifar layers=3,3,3 groups=4 width_per_group=64 num_classes=10 input=32x32)');
  const named = resolveCustom(base, walk([['options', ['se', 'avg-down']]]));
  assert.ok(!('error' in named) && named.model === 'resnext50_32x4d(se avg_down)');
  // Back to the ImageNet layout: the later fields start from resnext50_32x4d's again.
  assert.deepEqual(walk([['options', []]], cifar).layers, [3, 4, 6, 3]);
});

test('custom configuration: the pick lists offer only what the core accepts, and the option just picked wins a conflict', () => {
  const options = CHOICE_STEPS.find((s) => s.key === 'options')!;
  assert.deepEqual(
    options.items(start).map((i) => i.id),
    ['se', 'eca', 'avg-down', 'cifar'],
  );
  // A tiered stem has no CIFAR layout (one 3x3 conv at stride 1): the option is not offered.
  const tiered = walk([['stem', ['tiered']]]);
  assert.deepEqual(
    options.items(tiered).map((i) => i.id),
    ['se', 'eca', 'avg-down'],
  );
  // SE then ECA: ECA stays, SE is cleared; avg-down then CIFAR: CIFAR stays.
  assert.deepEqual(reconcileOptions(start, ['se'], ['se', 'eca']), ['eca']);
  assert.deepEqual(reconcileOptions(start, ['eca', 'avg-down'], ['se', 'eca', 'avg-down']), ['se', 'avg-down']);
  assert.deepEqual(reconcileOptions(start, ['avg-down'], ['avg-down', 'cifar']), ['cifar']);
  assert.deepEqual(reconcileOptions(start, [], ['se', 'avg-down']), ['se', 'avg-down']);
  // The core refuses what the lists would not offer, with its own message.
  const both = applyChoice(start, 'options', ['se', 'eca']);
  assert.ok('error' in both && /se.*eca|eca.*se/i.test(both.error), JSON.stringify(both));
  assert.ok('error' in applyChoice(start, 'block', ['dense']));
});

test('custom configuration: the block starts from its preset, and a basic block refuses groups and widths the core refuses', () => {
  const basic = walk([['block', ['basic']]]);
  assert.ok(sameArchitecture(basic, presetConfig('resnet18' as never)));
  assert.equal(
    CUSTOM_FIELDS.filter((f) => f.applies?.(basic) ?? true)
      .map((f) => f.format(basic))
      .join(' '),
    '2,2,2,2 1 64 64 1000 224',
  );
  assert.match(validateField(base, basic, 'groups', '32') ?? '(accepted)', /basic|BasicBlock/i);
  assert.match(validateField(base, basic, 'widthPerGroup', '4') ?? '(accepted)', /basic|BasicBlock/i);
  assert.equal(validateField(base, basic, 'layers', '3,4,6,3'), undefined); // ResNet-34
  const back = walk([['block', ['bottleneck']]], basic);
  assert.ok(sameArchitecture(back, start));
});

test('custom configuration: picks and fields reach every new timm preset exactly (same architecture and totals)', () => {
  const cases: [string, ([ChoiceKey, string[]] | [FieldKey, string])[]][] = [
    [
      'resnet34',
      [
        ['block', ['basic']],
        ['layers', '3,4,6,3'],
      ],
    ],
    [
      'resnet18d',
      [
        ['block', ['basic']],
        ['stem', ['deep']],
        ['options', ['avg-down']],
        ['stemWidth', '32'],
      ],
    ],
    [
      'ecaresnext26t_32x4d',
      [
        ['stem', ['tiered']],
        ['options', ['eca', 'avg-down']],
        ['stemWidth', '32'],
        ['layers', '2,2,2,2'],
      ],
    ],
    [
      'seresnext26t_32x4d',
      [
        ['stem', ['tiered']],
        ['options', ['se', 'avg-down']],
        ['stemWidth', '32'],
        ['layers', '2,2,2,2'],
      ],
    ],
    [
      'gluon_resnet50_v1s',
      [
        ['stem', ['deep']],
        ['stemWidth', '64'],
        ['groups', '1'],
        ['widthPerGroup', '64'],
      ],
    ],
    ['skresnext50_32x4d', [['block', ['selective-kernel']]]],
  ];
  for (const [preset, steps] of cases) {
    const config = walk(steps);
    const expected = presetConfig(preset as never);
    assert.ok(sameArchitecture(config, expected), `${preset}: ${JSON.stringify(config)}`);
    assert.deepEqual(staticTotals(config), staticTotals(expected), preset);
    const resolved = resolveCustom(base, config);
    assert.ok(!('error' in resolved) && resolved.model === preset, `${preset}: ${JSON.stringify(resolved)}`);
  }
  const tiered = walk([['stem', ['tiered']]]);
  assert.equal(CUSTOM_FIELDS.filter((f) => f.applies?.(tiered) ?? true)[0]!.key, 'stemWidth');
  assert.match(validateField(base, tiered, 'stemWidth', '0') ?? '(accepted)', /stem width|stemWidth/i);
});

test('custom configuration: the resolved model name describes the changes', () => {
  const applied = applyField(start, 'groups', '8');
  assert.ok('config' in applied);
  const withWidth = applyField(applied.config, 'widthPerGroup', '14');
  assert.ok('config' in withWidth);
  const resolved = resolveCustom(base, withWidth.config);
  assert.ok(!('error' in resolved));
  assert.equal(resolved.model, 'resnext50_32x4d(groups=8 width_per_group=14)');
  assert.match((resolveCustom('resnext50', {}) as { error: string }).error, /Unknown preset 'resnext50' \(did you mean 'resnext50_32x4d'\?\)/);
});

test('the when-clause regexes in package.json accept image (resp. checkpoint) extensions and nothing else', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    contributes: { menus: Record<string, { command: string; when: string }[]> };
  };
  const regexOf = (menu: string, command: string): RegExp => {
    const entry = manifest.contributes.menus[menu]?.find((m) => m.command === command);
    assert.ok(entry, `${menu} has ${command}`);
    const match = /resourceExtname =~ \/(.+)\/([a-z]*)/.exec(entry.when);
    assert.ok(match, `${menu}/${command} uses a resourceExtname regex: ${entry.when}`);
    return new RegExp(match[1]!, match[2]);
  };
  for (const [menu, command, yes, no] of [
    // WebP is refused by the decoders, so it is not offered (never offer what is refused); GIF is decoded.
    [
      'explorer/context',
      'resnext.classifyImage',
      ['.png', '.jpg', '.jpeg', '.bmp', '.gif', '.PNG', '.JPG', '.GIF'],
      ['.txt', '.pth', '.svg', '.tiff', '.webp', '.png.txt', '.jpgx', '', '.'],
    ],
    ['editor/title', 'resnext.classifyImage', ['.png', '.jpeg', '.bmp', '.gif'], ['.txt', '.md', '.webp']],
    // Every checkpoint ending people use; `.pth.tar` has resourceExtname `.tar`.
    ...(['resnext.inspectCheckpoint', 'resnext.summarizeCheckpoint', 'resnext.convertCheckpoint'] as const).map(
      (command) =>
        [
          'explorer/context',
          command,
          ['.pth', '.pt', '.tar', '.ckpt', '.bin', '.safetensors', '.PTH', '.CKPT'],
          ['.txt', '.png', '.ptx', '.pth.bak', '.onnx', '.binx', '.ckpt.old', '.gz', ''],
        ] as const,
    ),
  ] as const) {
    const regex = regexOf(menu, command);
    for (const ext of yes) assert.ok(regex.test(ext), `${menu} ${command}: ${ext} should match ${regex}`);
    for (const ext of no) assert.ok(!regex.test(ext), `${menu} ${command}: ${ext} should not match ${regex}`);
  }
});

test('Inspect Checkpoint is the first entry the explorer offers on checkpoint files; the palette picker lists every ending', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    contributes: { menus: Record<string, { command: string; when: string; group?: string }[]>; configuration: { properties: Record<string, unknown> } };
  };
  const checkpointEntries = manifest.contributes.menus['explorer/context']!.filter((m) => /Checkpoint$/.test(m.command));
  const order = (group = ''): number => Number(/@(\d+)$/.exec(group)?.[1] ?? Infinity);
  const sorted = [...checkpointEntries].sort((a, b) => order(a.group) - order(b.group)).map((m) => m.command);
  assert.deepEqual(sorted, ['resnext.inspectCheckpoint', 'resnext.summarizeCheckpoint', 'resnext.convertCheckpoint', 'resnext.checkCheckpoint']);
  assert.ok(manifest.contributes.configuration.properties['resnext.stateDictKey'], 'the resnext.stateDictKey setting is declared');
  // The palette's file pickers (checkpointFiles.ts) offer exactly these endings, the ones the menus match.
  assert.deepEqual([...CHECKPOINT_FILE_EXTENSIONS], ['pth', 'pt', 'tar', 'ckpt', 'bin', 'safetensors']);
  const when = checkpointEntries[0]!.when;
  for (const ext of CHECKPOINT_FILE_EXTENSIONS) assert.ok(when.includes(ext), `the menus match .${ext}`);
});
