/**
 * The summary webview's pure parts (webview/filter.ts, tree.ts, state.ts, messaging.ts) on a real resnext50_32x4d
 * summary from the static trace; the DOM parts are exercised in the e2e test.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { layerRows, stageRows, totals } from '../../src/model/accounting';
import { architecture } from '../../src/model/architecture';
import { configName, presetConfig, type NetworkConfig } from '../../src/model/config';
import { staticTrace } from '../../src/model/shapes';
import { summaryConfig, SUMMARY_SCHEMA } from '../../src/model/summarize';
import { describeNetwork, shortModelName } from '../../src/shared/names';
import type { ProfileData, SummaryData, WebviewMessage } from '../../src/shared/protocol';
import { shownColumns } from '../../webview/columns';
import { statedProfile } from '../profileData';
import { layerFilter, parseFilter } from '../../webview/filter';
import { HostChannel } from '../../webview/messaging';
import { initialState, ViewState } from '../../webview/state';
import { allGroupKeys, buildTree, matchProfile, visibleRows } from '../../webview/tree';

function staticSummary(config: NetworkConfig, extra: { weights?: string } = {}): SummaryData {
  const arch = architecture(config);
  const calls = staticTrace(arch);
  const rows = layerRows(arch, calls);
  return {
    schema: SUMMARY_SCHEMA,
    model: configName(config),
    config: summaryConfig(config),
    layers: rows,
    stages: stageRows(rows),
    totals: totals(rows, calls, [1, 3, config.inputHeightPx, config.inputWidthPx]),
    timingsMs: { build: 1, forward: 2 },
    ...extra,
  };
}

const summary = staticSummary(presetConfig('resnext50_32x4d'));
const noFilter = layerFilter('', summary.layers);

test('filter: name: and type: terms, plain text matches names first, a count of matches', () => {
  assert.deepEqual(parseFilter('  name:Conv2  type:  relu foo:bar '), [
    { field: 'name', value: 'conv2' },
    { field: 'text', value: 'relu' },
    { field: 'text', value: 'foo:bar' },
  ]);
  // The case: "conv2" is a name (16 layers named …conv2), not every Conv2d (53 convolutions in resnext50).
  const plain = layerFilter('conv2', summary.layers);
  assert.equal(plain.count, 16);
  assert.ok(summary.layers.filter(plain.matches).every((r) => r.name.endsWith('.conv2')));
  assert.deepEqual(plain.readings, ['“conv2” in names']);
  const byType = layerFilter('type:Conv2d', summary.layers);
  assert.equal(byType.count, summary.layers.filter((r) => r.type === 'Conv2d').length);
  assert.equal(byType.count, 53);
  // Plain text that is no name falls back to types.
  const relu = layerFilter('relu', summary.layers);
  assert.equal(relu.count, summary.layers.filter((r) => r.type === 'ReLU').length);
  assert.deepEqual(relu.readings, ['“relu” in names']);
  const batchNorm = layerFilter('BatchNorm', summary.layers);
  assert.equal(batchNorm.count, summary.layers.filter((r) => r.type === 'BatchNorm2d').length);
  assert.deepEqual(batchNorm.readings, ['“batchnorm” in types']);
  // Terms combine: the conv2 layers of stage 3.
  const both = layerFilter('name:layer3 type:conv2d conv2', summary.layers);
  assert.equal(both.count, 6);
  assert.equal(layerFilter('name:nothing-like-this', summary.layers).count, 0);
  assert.equal(noFilter.active, false);
  assert.equal(noFilter.count, summary.layers.length);
  assert.equal(layerFilter('name:', summary.layers).active, false, 'an empty term restricts nothing');
});

test('tree: stage → block → layer with sums, visible rows with treegrid levels, collapse and filter', () => {
  const tree = buildTree(summary);
  assert.deepEqual(
    tree.map((s) => s.key),
    ['stem', 'layer1', 'layer2', 'layer3', 'layer4', 'head'],
  );
  assert.equal(
    tree.reduce((a, s) => a + s.params, 0),
    summary.totals.params,
  );
  assert.equal(
    tree.reduce((a, s) => a + s.macs, 0),
    summary.totals.macs,
  );
  const layer1 = tree[1]!;
  assert.equal(layer1.children.length, 3);
  assert.equal(layer1.groups, 32);
  assert.deepEqual(layer1.outputShape, [1, 256, 56, 56]);
  const groups = allGroupKeys(tree);
  assert.equal(groups.length, 6 + 16);
  const all = visibleRows(tree, noFilter, new Set(), null);
  assert.equal(all.length, 6 + 16 + summary.layers.length);
  const conv = all.find((r) => r.node.kind === 'layer' && r.node.row.name === 'layer1.0.conv2')!;
  assert.equal(conv.level, 3);
  assert.equal(conv.parentKey, 'layer1.0');
  assert.equal(conv.expanded, undefined);
  const stage = all.find((r) => r.node.key === 'layer3')!;
  assert.deepEqual([stage.level, stage.setSize, stage.posInSet, stage.expanded], [1, 6, 4, true]);
  const collapsed = visibleRows(tree, noFilter, new Set(['layer1', 'layer2.0']), null);
  assert.equal(collapsed.find((r) => r.node.key === 'layer1')!.expanded, false);
  assert.ok(!collapsed.some((r) => r.parentKey === 'layer1' || r.parentKey === 'layer2.0'));
  // While filtering, groups with matches open (even when collapsed) and groups without matches go.
  const filtered = visibleRows(tree, layerFilter('conv2', summary.layers), new Set(['layer1']), null);
  assert.deepEqual(
    filtered.filter((r) => r.level === 1).map((r) => r.node.key),
    ['layer1', 'layer2', 'layer3', 'layer4'],
  );
  assert.equal(filtered.filter((r) => r.node.kind === 'layer').length, 16);
  // Sorting by MACs, largest first: the stage with the most MACs leads.
  const sorted = visibleRows(tree, noFilter, new Set(), { column: 'macs', descending: true });
  assert.equal(sorted[0]!.node.key, 'layer3');
});

test("state: a stale saved state falls back to the page's; a new model resets the view; sort cycles", () => {
  const good = { summary, collapsed: ['layer1'], filter: 'conv2', sort: null };
  assert.equal(initialState(good, null), good);
  // A state saved by an older version (no stages) is ignored for the one in the page.
  const stale = { summary: { ...summary, stages: undefined }, collapsed: [], filter: '', sort: null };
  const page = { summary, collapsed: [], filter: '', sort: null };
  assert.equal(initialState(stale, page), page);
  assert.throws(() => initialState(stale, { summary: 'x' }), /without a valid state/);
  const state = new ViewState(good);
  assert.equal(state.receive(JSON.parse(JSON.stringify(summary))), false, 'the same summary again: nothing to redraw');
  state.cycleSort('macs', true);
  assert.deepEqual(state.sort, { column: 'macs', descending: true });
  state.cycleSort('macs', true);
  assert.deepEqual(state.sort, { column: 'macs', descending: false });
  state.cycleSort('macs', true);
  assert.equal(state.sort, null);
  state.toggle('layer2');
  assert.deepEqual([...state.collapsed].sort(), ['layer1', 'layer2']);
  const other = staticSummary(presetConfig('resnet50'));
  assert.equal(state.receive(other), true);
  assert.deepEqual(state.snapshot(), { summary: other, collapsed: [], filter: '', sort: null });
});

test('messaging: replies settle their request by id; malformed host messages are ignored', async () => {
  const sent: WebviewMessage[] = [];
  const summaries: SummaryData[] = [];
  const channel = new HostChannel(
    (m) => sent.push(m),
    (s) => summaries.push(s),
  );
  const first = channel.request((id) => ({ type: 'copyMarkdown', id }));
  const second = channel.request((id) => ({ type: 'export', id, format: 'csv' }));
  assert.deepEqual(sent, [
    { type: 'copyMarkdown', id: 1 },
    { type: 'export', id: 2, format: 'csv' },
  ]);
  assert.equal(channel.receive({ type: 'error', id: 2, message: 'EACCES' }), true);
  assert.equal(channel.receive({ type: 'done', id: 1, message: 'Copied as Markdown' }), true);
  assert.equal(await first, 'Copied as Markdown');
  await assert.rejects(second, /EACCES/);
  for (const bad of [
    null,
    'summary',
    { type: 'summary', summary: { model: 'x' } },
    { type: 'done', id: '1', message: 'x' },
    { type: 'progress', id: 1, message: 'x' },
  ]) {
    assert.equal(channel.receive(bad), false, JSON.stringify(bad));
  }
  assert.equal(channel.receive({ type: 'summary', summary }), true);
  assert.equal(summaries.length, 1);
});

test('profile in the view: rows matched by torch name (repeated ReLU names by occurrence), group times summed, time columns only once profiled', () => {
  const profile = statedProfile('resnext50_32x4d');
  const matched = matchProfile(summary, profile);
  assert.equal(matched.length, summary.layers.length);
  summary.layers.forEach((row, i) => {
    assert.equal(matched[i]?.name, row.name);
    assert.equal(matched[i]?.type, row.type);
  });
  // layer1.0.relu is called three times: each call's row gets its own timing (the profile's k-th row of that name).
  const reluRows = summary.layers
    .map((r, i) => [r, i] as const)
    .filter(([r]) => r.name === 'layer1.0.relu')
    .map(([, i]) => i);
  assert.equal(reluRows.length, 3);
  assert.deepEqual(
    reluRows.map((i) => matched[i]),
    profile.layers.filter((l) => l.name === 'layer1.0.relu'),
  );
  // A profile row of another type (another network) does not match.
  const renamed = { ...profile, layers: profile.layers.map((l) => (l.name === 'conv1' ? { ...l, type: 'Linear' } : l)) };
  assert.equal(matchProfile(summary, renamed)[0], undefined);
  assert.deepEqual(
    matchProfile(summary, undefined).filter((m) => m !== undefined),
    [],
  );
  const tree = buildTree(summary, profile);
  const layer2 = tree.find((s) => s.key === 'layer2')!;
  const layer2Ms = profile.layers.filter((l) => l.name.startsWith('layer2.')).reduce((a, l) => a + l.ms, 0);
  assert.ok(Math.abs(layer2.ms - layer2Ms) < 1e-9, `${layer2.ms} vs ${layer2Ms}`);
  assert.ok(Math.abs(tree.reduce((a, s) => a + s.ms, 0) - profile.layersMs) < 1e-6);
  // Sorting by time puts the slowest stage first.
  const byTime = visibleRows(tree, noFilter, new Set(), { column: 'ms', descending: true });
  const slowest = [...tree].sort((a, b) => b.ms - a.ms)[0]!;
  assert.equal(byTime[0]!.node.key, slowest.key);
  assert.deepEqual(
    shownColumns(false)
      .map((c) => c.key)
      .filter((k) => ['ms', 'gmacPerSecond', 'intensity'].includes(k)),
    [],
  );
  assert.deepEqual(
    shownColumns(true)
      .slice(-3)
      .map((c) => c.title),
    ['Time (ms)', 'GMAC/s', 'MACs/byte'],
  );
});

test("state with a profile: kept for the same network and across a reload, dropped for another; another model's profile is ignored", () => {
  const profile = statedProfile('resnext50_32x4d');
  const state = new ViewState({ summary, collapsed: [], filter: '', sort: null });
  assert.equal(state.profile, undefined);
  assert.equal(state.receiveProfile({ ...profile, model: 'resnet50' }), false, "another model's profile");
  assert.equal(state.profile, undefined);
  assert.equal(state.receiveProfile(profile), true);
  assert.equal(state.receiveProfile(JSON.parse(JSON.stringify(profile)) as ProfileData), false, 'the same profile again: nothing to redraw');
  assert.equal(state.tree.find((s) => s.key === 'layer1')!.ms > 0, true);
  const saved = state.snapshot();
  assert.equal(saved.profile, profile);
  const revived = new ViewState(initialState(JSON.parse(JSON.stringify(saved)), null));
  assert.deepEqual(revived.profile, profile);
  // The same network summarized again (e.g. new timings of the trace) keeps the profile; another drops it.
  assert.equal(state.receive({ ...summary, timingsMs: { build: 5, forward: 6 } }), true);
  assert.equal(state.profile, profile);
  assert.equal(state.receive(staticSummary(presetConfig('resnet50'))), true);
  assert.equal(state.profile, undefined);
  assert.equal(state.snapshot().profile, undefined);
});

test('messaging: the profile reaches the view; status lines reach the request that is running', async () => {
  const sent: WebviewMessage[] = [];
  const profiles: ProfileData[] = [];
  const channel = new HostChannel(
    (m) => sent.push(m),
    () => undefined,
    (p) => profiles.push(p),
  );
  const lines: string[] = [];
  const running = channel.request(
    (id) => ({ type: 'profile', id }),
    (line) => lines.push(line),
  );
  assert.deepEqual(sent, [{ type: 'profile', id: 1 }]);
  assert.equal(channel.receive({ type: 'status', id: 1, message: 'warm pass 1 of 3: 380 ms…' }), true);
  assert.equal(channel.receive({ type: 'status', id: 7, message: 'another request' }), true);
  const profile = statedProfile('resnext50_32x4d');
  assert.equal(channel.receive({ type: 'profile', profile }), true);
  assert.equal(channel.receive({ type: 'profile', profile: { ...profile, totalMs: -1 } }), false, 'a malformed profile is ignored');
  assert.equal(channel.receive({ type: 'done', id: 1, message: 'Profiled' }), true);
  assert.equal(await running, 'Profiled');
  assert.deepEqual(lines, ['warm pass 1 of 3: 380 ms…']);
  assert.equal(profiles.length, 1);
});

test("names: the preset's authors' name, the checkpoint's file name, or a short description of a custom network", () => {
  assert.equal(shortModelName(summary), 'ResNeXt-50 32x4d');
  const custom = staticSummary({ ...presetConfig('resnext50_32x4d'), layers: [1, 1, 1, 1], groups: 4, widthPerGroup: 8, numClasses: 10 });
  assert.match(custom.model, /^resnext50_32x4d\(/);
  assert.equal(shortModelName(custom), 'Custom ResNeXt 1-1-1-1, 4×8d, 10 classes');
  const checkpoint = staticSummary(presetConfig('resnext50_32x4d'), { weights: '/home/me/models/tiny.pth' });
  assert.equal(shortModelName(checkpoint), 'tiny.pth');
  assert.equal(describeNetwork(summaryConfig({ ...presetConfig('resnet50'), inputHeightPx: 320, inputWidthPx: 320 })), 'ResNet 3-4-6-3, 320×320 input');
  assert.equal(describeNetwork(summaryConfig(presetConfig('wide_resnet50_2'))), 'Wide ResNet 3-4-6-3, 1×128d');
});
