/**
 * One naming function (src/shared/names.ts) for every title, lens, hover, tab, view, CLI table and JSON `title`:
 * each preset named as its authors name it, custom configurations described honestly, one percentage style.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { PRESET_NAMES, presetConfig, type PresetName } from '../../src/model/config';
import { summaryConfig } from '../../src/model/summaryConfig';
import { lensTitle, staticCounts } from '../../src/python/present';
import { formatPercent, formatSaving, formatShare } from '../../src/shared/format';
import { describeNetwork, modelTitle, networkName, shortModelName, titledModel, variantWords } from '../../src/shared/names';

// The names the papers, torchvision, timm and the WSL release use (timm's -D: deep stem + avg-down shortcut).
const EXPECTED: Record<PresetName, string> = {
  resnet18: 'ResNet-18',
  resnet34: 'ResNet-34',
  resnet18d: 'ResNet-18-D',
  resnet34d: 'ResNet-34-D',
  resnet26t: 'ResNet-26-T',
  resnet50d: 'ResNet-50-D',
  gluon_resnet50_v1s: 'ResNet-50-S',
  seresnet50: 'SE-ResNet-50',
  seresnext26d_32x4d: 'SE-ResNeXt-26-D 32x4d',
  seresnext26t_32x4d: 'SE-ResNeXt-26-T 32x4d',
  ecaresnext26t_32x4d: 'ECA-ResNeXt-26-T 32x4d',
  // timm builds ecaresnext50t_32x4d with layers (2, 2, 2, 2): 26 weighted layers, named from the architecture.
  ecaresnext50t_32x4d: 'ECA-ResNeXt-26-T 32x4d',
  skresnext50_32x4d: 'SK-ResNeXt-50 32x4d',
  resnet50: 'ResNet-50',
  resnet101: 'ResNet-101',
  resnet152: 'ResNet-152',
  resnext50_32x4d: 'ResNeXt-50 32x4d',
  resnext101_32x4d: 'ResNeXt-101 32x4d',
  resnext101_32x8d: 'ResNeXt-101 32x8d',
  resnext101_64x4d: 'ResNeXt-101 64x4d',
  wide_resnet50_2: 'Wide ResNet-50-2',
  wide_resnet101_2: 'Wide ResNet-101-2',
  seresnext50_32x4d: 'SE-ResNeXt-50 32x4d',
  seresnext101_32x4d: 'SE-ResNeXt-101 32x4d',
  seresnext101_32x8d: 'SE-ResNeXt-101 32x8d',
  resnext50d_32x4d: 'ResNeXt-50-D 32x4d',
  resnext101_32x16d_wsl: 'ResNeXt-101 32x16d WSL',
  resnext101_32x32d_wsl: 'ResNeXt-101 32x32d WSL',
  resnext101_32x48d_wsl: 'ResNeXt-101 32x48d WSL',
  resnext29_8x64d: 'ResNeXt-29 8x64d',
  resnext29_16x64d: 'ResNeXt-29 16x64d',
};

test('every preset is named as its authors name it, in titles, lenses and summaries alike', () => {
  assert.deepEqual(Object.keys(EXPECTED).sort(), [...PRESET_NAMES].sort(), 'a preset without an expected name');
  for (const name of PRESET_NAMES) {
    const config = presetConfig(name);
    assert.equal(networkName(config), EXPECTED[name], name);
    assert.equal(modelTitle(name, summaryConfig(config)), EXPECTED[name], name);
    assert.ok(lensTitle(config, staticCounts(config).totals).startsWith(EXPECTED[name]), `${name}'s lens`);
  }
  // The lens of timm's seresnext50_32x4d says SE (its 27.56M params are not ResNeXt-50's 25.03M).
  const se = presetConfig('seresnext50_32x4d');
  assert.equal(lensTitle(se, staticCounts(se).totals), 'SE-ResNeXt-50 32x4d · 27.56M params · 4.23 GMACs · grouped saves 61.4%');
});

test('variants off the presets keep their family words: SE-ResNet, -C (deep stem only), avg-down', () => {
  const r50 = presetConfig('resnet50');
  assert.equal(networkName({ ...r50, se: true }), 'SE-ResNet-50');
  assert.equal(networkName({ ...r50, stem: 'deep', avgDown: true }), 'ResNet-50-D');
  assert.equal(networkName({ ...presetConfig('resnext50_32x4d'), stem: 'deep' }), 'ResNeXt-50-C 32x4d');
  assert.equal(networkName({ ...presetConfig('resnext50_32x4d'), avgDown: true }), 'ResNeXt-50 32x4d (avg-down)');
  // A 32x16d ResNeXt-101 with SE is not the WSL model.
  assert.equal(networkName({ ...presetConfig('resnext101_32x16d_wsl'), se: true }), 'SE-ResNeXt-101 32x16d');
  assert.equal(networkName({ ...r50, layers: [2, 2, 2, 2] }), 'ResNet-26');
  // Issue 20: timm's S (64-wide deep stem) and E (S + avg-down), T (tiered), ECA- and SK- words, 2 layers per BasicBlock.
  assert.equal(networkName({ ...r50, stem: 'deep', stemWidth: 64, avgDown: true }), 'ResNet-50-E');
  assert.equal(networkName({ ...r50, stem: 'deep', stemWidth: 32 }), 'ResNet-50-C');
  assert.equal(networkName({ ...presetConfig('resnext50_32x4d'), stem: 'tiered', avgDown: true, eca: true }), 'ECA-ResNeXt-50-T 32x4d');
  assert.equal(networkName({ ...presetConfig('seresnext50_32x4d'), block: 'selective-kernel' }), 'SK-SE-ResNeXt-50 32x4d');
  assert.equal(networkName({ ...presetConfig('resnet34'), se: true }), 'SE-ResNet-34');
  assert.equal(
    describeNetwork(summaryConfig({ ...presetConfig('resnet18'), stem: 'deep', stemWidth: 16, numClasses: 10 })),
    'ResNet-C 2-2-2-2, basic blocks, stem width 16, 10 classes',
  );
});

test('custom configurations are described, never given a preset name', () => {
  const config = summaryConfig({ ...presetConfig('resnext50_32x4d'), layers: [2, 1, 1, 1], groups: 4, numClasses: 10 });
  const model = 'resnext50_32x4d(layers=2,1,1,1 groups=4 num_classes=10)';
  assert.equal(modelTitle(model, config), 'Custom ResNeXt 2-1-1-1, 4×4d, 10 classes');
  assert.equal(titledModel(modelTitle(model, config), model), `Custom ResNeXt 2-1-1-1, 4×4d, 10 classes — ${model}`);
  assert.equal(titledModel('resnet50', 'resnet50'), 'resnet50');
  assert.equal(describeNetwork(summaryConfig({ ...presetConfig('seresnext50_32x4d'), layers: [1, 1, 1, 1] })), 'SE-ResNeXt 1-1-1-1, 32×4d');
  assert.equal(describeNetwork(summaryConfig({ ...presetConfig('resnext50d_32x4d'), numClasses: 5 })), 'ResNeXt-D 3-4-6-3, 32×4d, 5 classes');
  assert.equal(describeNetwork(summaryConfig({ ...presetConfig('resnext29_8x64d'), layers: [1, 1, 1] })), 'ResNeXt 1-1-1, 8×64d, 10 classes, 32×32 input');
  assert.equal(shortModelName({ model, config, weights: '/data/run/best.pth' }), 'best.pth');
});

test('one percentage style everywhere: "63.7%"', () => {
  assert.equal(formatPercent(0.637), '63.7%');
  assert.equal(formatPercent(0.13, 2), '13.00%');
  assert.equal(formatSaving(25_028_904, 68_883_240), '63.7%');
  assert.equal(formatShare(0.371), '37%');
  assert.equal(formatShare(0.001), '<1%');
});

test("the switches that are on, in words: the quick pick's details and the summary's configuration line", () => {
  const words = (name: string): string => variantWords(presetConfig(name as PresetName)).join(' · ');
  assert.equal(words('resnext50_32x4d'), '');
  assert.equal(words('resnet18d'), 'basic blocks · deep stem · avg-down');
  assert.equal(words('ecaresnext26t_32x4d'), 'ECA · tiered stem · avg-down');
  assert.equal(words('gluon_resnet50_v1s'), 'deep stem (width 64)');
  assert.equal(words('skresnext50_32x4d'), 'selective kernel');
  assert.equal(variantWords(presetConfig('resnext29_8x64d'), [32, 32]).join(' · '), 'CIFAR 32x32');
});
