import { test } from 'node:test';
import { architectureGraph } from '../../src/model/graph';
import { collapseGraph } from '../../src/model/graph/depth';
import { layoutGraph } from '../../src/model/graph/layout';
import * as assert from 'node:assert/strict';
import {
  isHostMessage,
  isProfileData,
  REPLY_TYPE,
  isWebviewMessage,
  isWebviewState,
  isWorkerRequest,
  isWorkerResponse,
  type ComparisonData,
  type ConfigData,
  type HostMessage,
  type ProfileData,
  type SummaryData,
  type WebviewMessage,
  type WorkerRequest,
  type WorkerResponse,
} from '../../src/shared/protocol';
import { staticTrace } from '../../src/model/shapes';
import { architecture } from '../../src/model/architecture';
import { layerRows, stageRows, totals } from '../../src/model/accounting';
import { presetConfig } from '../../src/model/config';
import { summaryConfig, SUMMARY_SCHEMA, type Summary } from '../../src/model/summarize';
import { inspectWeights } from '../../src/model/weights/inspect';
import { equivalenceSample, fixture, FIXTURES } from '../helpers';
import * as path from 'node:path';
import { diffCheckpoints } from '../../src/model/weights/diff';
import { checkCheckpoint } from '../../src/model/weights/check';
import { statedProfile } from '../profileData';

/** A real summary of resnext50_32x4d from the static trace (no TF.js needed), typed as the core's Summary. */
function staticSummary(): Summary {
  const config = presetConfig('resnext50_32x4d');
  const arch = architecture(config);
  const calls = staticTrace(arch);
  const rows = layerRows(arch, calls);
  return {
    schema: SUMMARY_SCHEMA,
    model: 'resnext50_32x4d',
    config: summaryConfig(config),
    layers: rows,
    stages: stageRows(rows),
    totals: totals(rows, calls, [1, 3, 224, 224]),
    timingsMs: { build: 1, forward: 2 },
  };
}

const summary: SummaryData = staticSummary();
const profile: ProfileData = statedProfile('resnext50_32x4d');
const roundTrip = <T>(x: T): unknown => JSON.parse(JSON.stringify(x));
const clone = (x: unknown): unknown => structuredClone(x);

/**
 * Examples of every member of a message union, keyed by type: `satisfies ByType<…>` makes a union member without
 * examples (or an example of the wrong shape) a compile error, so the round-trip test covers every message type.
 */
type ByType<U extends { readonly type: string }> = { readonly [K in U['type']]: readonly Extract<U, { type: K }>[] };
const all = <U extends { readonly type: string }>(byType: ByType<U>): U[] => Object.values<readonly U[]>(byType).flat();

const webviewMessages = {
  ready: [{ type: 'ready' }],
  copyMarkdown: [{ type: 'copyMarkdown', id: 1 }],
  export: [
    { type: 'export', id: 2, format: 'markdown' },
    { type: 'export', id: 3 },
    { type: 'export', id: 3, format: 'csv' },
    { type: 'export', id: 4, format: 'json' },
  ],
  profile: [{ type: 'profile', id: 5 }],
  cancelProfile: [{ type: 'cancelProfile' }],
  selectLayer: [{ type: 'selectLayer', name: 'layer1.0.relu#2' }],
  showGraph: [{ type: 'showGraph' }],
} satisfies ByType<WebviewMessage>;
const hostMessages = {
  summary: [{ type: 'summary', summary }],
  profile: [{ type: 'profile', profile }],
  status: [{ type: 'status', id: 5, message: 'resnext50_32x4d: warm pass 1 of 3: 380 ms…' }],
  done: [
    { type: 'done', id: 1, message: 'Saved resnext50_32x4d-summary.md' },
    { type: 'done', id: 2, message: '' },
  ],
  error: [{ type: 'error', id: 3, message: 'EACCES: permission denied' }],
  selectLayer: [{ type: 'selectLayer', name: 'layer2' }],
} satisfies ByType<HostMessage>;
const config: ConfigData = { layers: [3, 4, 6, 3], groups: 32, widthPerGroup: 4, baseWidth: 64, numClasses: 1000, inputHeightPx: 224, inputWidthPx: 224 };
const smallGraph = architectureGraph({ ...config, layers: [1, 1, 1, 1], inputHeightPx: 64, inputWidthPx: 64 }, 'small');
const workerRequests = {
  summarize: [{ type: 'summarize', id: 1, model: 'resnext50_32x4d', config }],
  summarizeCheckpoint: [
    { type: 'summarizeCheckpoint', id: 2, path: '/tmp/model.pth' },
    { type: 'summarizeCheckpoint', id: 2, path: '/tmp/run.ckpt', stateDictKey: 'state_dict_ema' },
  ],
  inspectCheckpoint: [{ type: 'inspectCheckpoint', id: 8, path: '/tmp/run.ckpt' }],
  convertCheckpoint: [
    { type: 'convertCheckpoint', id: 9, input: '/tmp/run.ckpt', output: '/tmp/run.safetensors', dtype: 'float16', stateDictKey: 'state_dict' },
  ],
  exportOnnx: [
    { type: 'exportOnnx', id: 12, output: '/tmp/run.onnx', weights: { path: '/tmp/run.ckpt', stateDictKey: 'state_dict' } },
    { type: 'exportOnnx', id: 13, output: '/tmp/tiny.onnx', model: 'resnext50_32x4d', config: presetConfig('resnext50_32x4d') },
  ],
  classify: [
    {
      type: 'classify',
      id: 3,
      imagePath: '/tmp/cat.png',
      weights: 'pretrained:resnext50_32x4d',
      topK: 5,
      cacheDir: '/tmp/cache',
      baseUrl: 'https://download.pytorch.org/models/',
    },
    {
      type: 'classify',
      id: 3,
      imagePath: '/tmp/cat.png',
      weights: '/w.pth',
      topK: 5,
      cacheDir: '/tmp/cache',
      baseUrl: '',
      cam: true,
      stateDictKey: 'state_dict',
    },
  ],
  evaluateFolder: [
    { type: 'evaluateFolder', id: 8, folder: '/data/val', weights: '/w.pth', topK: 5, cacheDir: '/tmp/cache', baseUrl: '' },
    {
      type: 'evaluateFolder',
      id: 9,
      folder: '/data/val',
      weights: 'pretrained:resnext50_32x4d',
      topK: 5,
      cacheDir: '/tmp/cache',
      baseUrl: '',
      workers: 2,
      stateDictKey: 'state_dict',
    },
  ],
  listComparisons: [{ type: 'listComparisons', id: 4 }],
  compare: [{ type: 'compare', id: 5, preset: 'cardinality-sweep' }],
  compareEntries: [
    {
      type: 'compareEntries',
      id: 6,
      entries: [
        { model: 'resnet50', config: { ...config, groups: 1, widthPerGroup: 64 } },
        { model: 'resnext50_32x4d', config },
      ],
    },
  ],
  equivalence: [{ type: 'equivalence', id: 7, model: 'resnext50_32x4d', config, block: 'layer2.0' }],
  profile: [
    { type: 'profile', id: 10, model: 'resnext50_32x4d', config, runs: 3 },
    { type: 'profile', id: 11, model: 'custom', config: { ...config, se: true, stem: 'deep' }, runs: 1 },
  ],
  diffCheckpoints: [{ type: 'diffCheckpoints', id: 12, a: '/a.pth', b: '/b.pth', stateDictKey: 'state_dict' }],
  checkCheckpoint: [{ type: 'checkCheckpoint', id: 13, path: '/a.pth', config }],
  graph: [
    { type: 'graph', id: 12, model: 'resnext50_32x4d', config },
    { type: 'graph', id: 13, model: 'tiny.pth', path: '/tmp/tiny.pth', stateDictKey: 'state_dict' },
  ],
  graphLayout: [{ type: 'graphLayout', id: 14, graph: smallGraph, config, expanded: ['layer1', 'layer1.0'], cPaths: ['layer1.0'] }],
} satisfies ByType<WorkerRequest>;
const comparison: ComparisonData = {
  schema: 'resnext-inspector/compare@1',
  models: [{ model: summary.model, config: summary.config, totals: summary.totals, stages: summary.stages }],
};
const equivalence = equivalenceSample();
const workerResponses = {
  progress: [{ type: 'progress', id: 1, message: 'Building…' }],
  summary: [{ type: 'summary', id: 1, summary }],
  classification: [
    {
      type: 'classification',
      id: 3,
      result: {
        image: '/tmp/cat.png',
        model: 'resnext50_32x4d',
        title: 'ResNeXt-50 32x4d',
        weights: 'x.pth',
        top: [{ index: 285, label: 'Egyptian cat', probability: 0.9 }],
        widthPx: 451,
        heightPx: 300,
        mode: 'RGB',
        preprocessing: { resizePx: 256, cropPx: 224 },
        timingsMs: { load: 120, decode: 7, preprocess: 3, forward: 380 },
      },
    },
  ],
  evaluation: [
    {
      type: 'evaluation',
      id: 8,
      result: {
        folder: '/data/val',
        model: 'tiny',
        title: 'tiny',
        weights: '/w.pth',
        workers: 2,
        elapsedMs: 1500,
        imagesPerSecond: 8.5,
        count: 1,
        top1: 1,
        top5: 1,
        classes: ['cat'],
        labels: ['class 0', 'class 1'],
        perClass: [{ class: 'cat', index: 0, count: 1, correct: 1, accuracy: 1, top5: 1 }],
        confusion: [[1]],
        files: [{ path: 'cat/a.png', label: 0, top: [0, 1], probs: [0.9, 0.1], ms: 12, thumbnail: 'data:image/png;base64,iVBORw0KGgo=' }],
        failed: [{ path: 'cat/broken.png', reason: 'PNG file is truncated or corrupt' }],
        exports: { json: '{}', csv: '', predictions: '' },
      },
    },
  ],
  comparisons: [{ type: 'comparisons', id: 4, presets: [{ id: 'cardinality-sweep', title: 'Cardinality sweep', description: 'C x d at equal complexity' }] }],
  comparison: [{ type: 'comparison', id: 5, comparison, markdown: '## Cardinality sweep\n' }],
  equivalence: [{ type: 'equivalence', id: 7, result: equivalence }],
  profile: [{ type: 'profile', id: 10, profile }],
  // A real graph and layout: the schema accepts what the core produces.
  graph: [
    {
      type: 'graph',
      id: 12,
      graph: smallGraph,
      config,
      grouped: ['layer1.0'],
      nodes: collapseGraph(smallGraph, 'stage').nodes,
      layout: layoutGraph(collapseGraph(smallGraph, 'stage')),
    },
  ],
  graphLayout: [{ type: 'graphLayout', id: 14, nodes: smallGraph.nodes, layout: layoutGraph(smallGraph), ms: 12.5 }],
  // Real inspections of the checkpoint fixtures: the schema accepts what the core produces.
  inspection: ['lightning.ckpt', 'whole_model.pt', 'torchscript.pt'].map((file) => ({
    type: 'inspection' as const,
    id: 8,
    inspection: inspectWeights(fixture(`checkpoints/${file}`), file),
  })),
  exported: [{ type: 'exported', id: 12, result: { output: '/tmp/run.onnx', model: 'resnext50_32x4d', sizeBytes: 100_000_000, randomWeights: false } }],
  converted: [
    {
      type: 'converted',
      id: 9,
      result: {
        output: '/tmp/run.safetensors',
        sizeBytes: 200_000,
        tensors: 122,
        dtype: 'float16',
        sourceFormat: 'zip',
        model: 'resnext50_32x4d',
        source: '/tmp/run.ckpt',
        metadata: { format: 'pt' },
      },
    },
  ],
  // Real diffs and checks of the diff fixtures.
  diff: [
    { type: 'diff' as const, id: 12, diff: diffCheckpoints(path.join(FIXTURES, 'diff/base.pth'), path.join(FIXTURES, 'diff/classes5.pth')), csv: 'key\n' },
  ],
  check: [{ type: 'check' as const, id: 13, check: checkCheckpoint(path.join(FIXTURES, 'diff/dataparallel.pth'), presetConfig('resnet50')) }],
  error: [
    { type: 'error', id: 2, kind: 'input', message: 'not a weights file' },
    { type: 'error', id: 2, kind: 'internal', message: 'boom', stack: 'Error: boom\n    at x' },
  ],
  log: [
    { type: 'log', level: 'info', message: 'TensorFlow.js 4.22.0: wasm backend, SIMD, 2 threads' },
    { type: 'log', level: 'warn', message: '2 threads asked for, running on 1' },
  ],
} satisfies ByType<WorkerResponse>;

test('every message type round-trips through JSON and structured clone and stays valid', () => {
  const cases: [string, unknown[], (x: unknown) => boolean][] = [
    ['webview → host', all<WebviewMessage>(webviewMessages), isWebviewMessage],
    ['host → webview', all<HostMessage>(hostMessages), isHostMessage],
    ['host → worker', all<WorkerRequest>(workerRequests), isWorkerRequest],
    ['worker → host', all<WorkerResponse>(workerResponses), isWorkerResponse],
  ];
  for (const [channel, messages, isValid] of cases) {
    for (const message of messages) {
      for (const copy of [roundTrip(message), clone(message)]) {
        assert.deepEqual(copy, message, `${channel}: ${JSON.stringify(message).slice(0, 80)}`);
        assert.ok(isValid(copy), `${channel} rejects its own ${(message as { type: string }).type}`);
      }
    }
  }
});

test('the webview state round-trips and is recognised', () => {
  const state = { summary, collapsed: ['layer1', 'layer2.0'], filter: 'conv2', sort: { column: 'macs', descending: true } };
  assert.ok(isWebviewState(roundTrip(state)));
  assert.ok(isWebviewState({ ...state, sort: null }));
  assert.ok(!isWebviewState({ ...state, collapsed: [1] }));
  assert.ok(!isWebviewState({ ...state, summary: { ...summary, layers: 'x' } }));
  // With the profile once measured; a broken profile makes the whole state unreadable (the page's own is used).
  assert.ok(isWebviewState(roundTrip({ ...state, profile })));
  assert.ok(!isWebviewState({ ...state, profile: { ...profile, layers: [{ ...profile.layers[0], ms: -1 }] } }));
});

test('profile messages: the request, the reply, what the page may send and what it is sent', () => {
  // Every reply type is the one REPLY_TYPE names for the request.
  assert.equal(REPLY_TYPE.profile, 'profile');
  assert.ok(isProfileData(roundTrip(profile)));
  // The review question's figures are carried, not left to the page: 16 grouped 3x3 convs in resnext50_32x4d.
  assert.equal(profile.convs.grouped.count, 16);
  assert.equal(profile.convs.dense.count, 53 - 16);
  assert.ok(
    Math.abs(
      profile.convs.grouped.macsShare +
        profile.convs.dense.macsShare -
        profile.layers.reduce((a, l) => a + (l.type === 'Conv2d' ? l.macs : 0), 0) / profile.layers.reduce((a, l) => a + l.macs, 0),
    ) < 1e-12,
  );
  const config0 = workerRequests.profile[0]!.config;
  const badRequests = [
    { type: 'profile', id: 1, model: 'x', config: config0, runs: 0 },
    { type: 'profile', id: 1, model: 'x', config: config0, runs: 101 },
    { type: 'profile', id: 1, model: 'x', config: config0, runs: 2.5 },
    { type: 'profile', id: 1, model: 'x', config: config0 },
    { type: 'profile', id: 1, model: 'x', config: { ...config0, layers: [3, 4, 6] }, runs: 3 },
  ];
  for (const r of badRequests) assert.ok(!isWorkerRequest(r), `accepted ${JSON.stringify(r)}`);
  const broken = (patch: Record<string, unknown>): unknown => ({ ...profile, ...patch });
  const badProfiles = [
    broken({ schema: 'resnext-inspector/profile@2' }),
    broken({ totalMs: -1 }),
    broken({ totalMs: Number.NaN }),
    broken({ peak: { gemmGmacPerSecond: 60 } }),
    broken({ convs: { grouped: profile.convs.grouped } }),
    broken({ layers: [{ ...profile.layers[0], gmacPerSecond: Infinity }] }),
    broken({ layers: [{ ...profile.layers[0], bytes: 1.5 }] }),
    broken({ inputShape: [1, 3, 224] }),
  ];
  for (const p of badProfiles) {
    assert.ok(!isWorkerResponse({ type: 'profile', id: 1, profile: p }), `the worker reply accepted ${JSON.stringify(p).slice(0, 120)}`);
    assert.ok(!isHostMessage({ type: 'profile', profile: p }));
  }
  // The page asks with an id and cancels without one; nothing else rides along.
  for (const m of [
    { type: 'profile' },
    { type: 'profile', id: 1, runs: 100 },
    { type: 'profile', id: 1, config: config0 },
    { type: 'cancelProfile', id: 1 },
    { type: 'status', id: 1, message: 'x' },
  ]) {
    assert.ok(!isWebviewMessage(m), `accepted ${JSON.stringify(m)}`);
  }
  for (const m of [
    { type: 'status', id: 1 },
    { type: 'status', message: 'x' },
    { type: 'profile', id: 1 },
  ])
    assert.ok(!isHostMessage(m), `accepted ${JSON.stringify(m)}`);
});

test('malformed messages from the webview are rejected', () => {
  const malformed: unknown[] = [
    null,
    undefined,
    42,
    'ready',
    [],
    [{ type: 'ready' }],
    {},
    { type: 'READY' },
    { type: 'ready', extra: true },
    { type: 'copyMarkdown' },
    { type: 'copyMarkdown', id: '1' },
    { type: 'copyMarkdown', id: -1 },
    { type: 'copyMarkdown', id: 1.5 },
    { type: 'copyMarkdown', id: Number.NaN },
    { type: 'export' },
    { type: 'export', id: 1, format: 'pdf' },
    { type: 'export', id: 1, format: 'markdown', path: '/etc/passwd' },
    { type: 'export', id: 1, format: ['markdown'] },
    { type: 'summary', summary },
    { type: 'done', id: 1, message: 'x' },
    { type: '__proto__', id: 1 },
    JSON.parse('{"type":"ready","__proto__":{"polluted":true}}'),
  ];
  for (const message of malformed) assert.ok(!isWebviewMessage(message), `accepted ${JSON.stringify(message)}`);
});

test('malformed host, worker and summary messages are rejected', () => {
  const broken = (patch: Record<string, unknown>): unknown => ({ ...summary, ...patch });
  const badSummaries = [
    broken({ layers: [{ ...summary.layers[0], params: -1 }] }),
    broken({ layers: [{ ...summary.layers[0], outputShape: [1, 'x'] }] }),
    broken({ totals: { ...summary.totals, macs: Infinity } }),
    broken({ config: { ...summary.config, layers: 'a' } }),
    broken({ model: 5 }),
    broken({ stages: null }),
    broken({ weights: 3 }),
  ];
  for (const s of badSummaries) {
    assert.ok(!isHostMessage({ type: 'summary', summary: s }));
    assert.ok(!isWorkerResponse({ type: 'summary', id: 1, summary: s }));
  }
  for (const m of [
    { type: 'done', id: 1 },
    { type: 'error', message: 'x' },
    { type: 'progress', id: 1, message: 'x' },
  ])
    assert.ok(!isHostMessage(m));
  const badRequests = [
    { type: 'summarize', id: 1, model: 'x', config: { ...config, layers: [3, 4, 6] } },
    { type: 'summarize', id: 1, config },
    { type: 'summarizeCheckpoint', id: 1, path: '' },
    { type: 'classify', id: 1, imagePath: '/a.png', weights: 'w.pth', topK: 0, cacheDir: '/c', baseUrl: '' },
    { type: 'classify', id: 1, imagePath: '/a.png', weights: 'w.pth', topK: 5 },
    { type: 'classify', id: 1, imagePath: '/a.png', weights: '', topK: 5, cacheDir: '/c', baseUrl: '' },
    { type: 'classify', id: 'x', imagePath: '/a.png', weights: '', topK: 5 },
    { type: 'train', id: 1 },
    { type: 'compare', id: 1, preset: '' },
    { type: 'compareEntries', id: 1, entries: [{ model: 'resnet50', config }] },
    { type: 'equivalence', id: 1, model: 'resnext50_32x4d', config, block: '' },
    { type: 'equivalence', id: 1, model: 'resnext50_32x4d', config: { ...config, layers: [3] }, block: 'layer1.0' },
    { type: 'equivalence', id: 1, config, block: 'layer1.0' },
    {
      type: 'compareEntries',
      id: 1,
      entries: [
        { model: 'a', config },
        { model: 'b', config: { ...config, layers: [1] } },
      ],
    },
  ];
  for (const r of badRequests) assert.ok(!isWorkerRequest(r), `accepted ${JSON.stringify(r)}`);
  const badResponses = [
    { type: 'error', id: 1, kind: 'fatal', message: 'x' },
    { type: 'error', id: 1, kind: 'unavailable', message: 'x' },
    { type: 'log', level: 'debug', message: 'x' },
    { type: 'log', level: 'info' },
    { type: 'error', id: 1, kind: 'input' },
    { type: 'classification', id: 1, result: { image: 'a', model: 'm', weights: 'w', top: [{ index: 1, label: 'x', probability: 2 }] } },
    { type: 'progress', id: 1 },
    { type: 'comparison', id: 1, comparison: { schema: 'x', models: [] }, markdown: '' },
    { type: 'comparison', id: 1, comparison },
    { type: 'comparisons', id: 1, presets: [{ id: 'x' }] },
    { type: 'equivalence', id: 1 },
    { type: 'equivalence', id: 1, result: { ...equivalence, shortcut: 'projection' } },
    { type: 'equivalence', id: 1, result: { ...equivalence, maxAbsDiff: { aVsC: -1, bVsC: 0 } } },
    { type: 'equivalence', id: 1, result: { ...equivalence, ops: { ...equivalence.ops, b: { convOps: 1 } } } },
    { type: 'equivalence', id: 1, result: { ...equivalence, equivalent: 'yes' } },
  ];
  for (const r of badResponses) assert.ok(!isWorkerResponse(r), `accepted ${JSON.stringify(r)}`);
});
