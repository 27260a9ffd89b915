import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { ROOT } from '../helpers';

/** A bundle made in memory with the same options as esbuild.js (an outdir is needed for the webview's CSS import; nothing is written). */
function bundle(entry: string, options: esbuild.BuildOptions): Promise<esbuild.BuildResult<{ write: false; metafile: true }>> {
  return esbuild.build({
    entryPoints: [path.join(ROOT, entry)],
    bundle: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    outdir: path.join(ROOT, 'out', 'bundle-test'),
    ...options,
  }) as Promise<esbuild.BuildResult<{ write: false; metafile: true }>>;
}

/** The modules esbuild puts into a bundle, relative to the repo. */
async function bundledInputs(entry: string, options: esbuild.BuildOptions): Promise<string[]> {
  return Object.keys((await bundle(entry, options)).metafile.inputs);
}

test('the extension host bundle loads no TensorFlow.js (activation stays cheap; TF.js runs in the worker)', async () => {
  const inputs = await bundledInputs('src/extension/extension.ts', { platform: 'node', format: 'cjs', external: ['vscode'] });
  const heavy = inputs.filter(
    (i) => i.includes('@tensorflow') || i.endsWith('src/model/tf.ts') || i.endsWith('src/model/network.ts') || i.endsWith('src/model/summarize.ts'),
  );
  assert.deepEqual(heavy, []);
  assert.ok(
    inputs.some((i) => i.endsWith('src/model/catalog.ts')),
    'the preset catalog (static counts) is in the host bundle',
  );
});

test('the worker bundle has TF.js; the webview bundle has only the UI and src/shared (protocol validators, formatters)', async () => {
  const worker = await bundledInputs('src/extension/worker.ts', { platform: 'node', format: 'cjs', external: ['onnxruntime-node'] });
  assert.ok(worker.some((i) => i.includes('@tensorflow/tfjs-core')));
  const webview = await bundledInputs('webview/main.ts', { platform: 'browser', format: 'iife' });
  const foreign = webview.filter((i) => (/(^|\/)src\//.test(i) && !/(^|\/)src\/shared\//.test(i)) || i.includes('@tensorflow'));
  assert.deepEqual(foreign, [], 'the webview bundles no core, extension or CLI code and no TF.js');
  assert.ok(
    webview.some((i) => i.endsWith('src/shared/format.ts')),
    'the formatters are shared, not copied',
  );
  assert.ok(webview.some((i) => i.includes('@vscode-elements/elements')));
});

test('the report module is pure: the compare and equivalence reports pull no TF.js (the extension host may use them)', async () => {
  for (const entry of ['src/model/report/compare.ts', 'src/model/report/equivalence.ts', 'src/shared/format.ts']) {
    const inputs = await bundledInputs(entry, { platform: 'node', format: 'cjs' });
    const heavy = inputs.filter((i) => i.includes('@tensorflow') || i.endsWith('src/model/tf.ts') || i.endsWith('src/model/network.ts'));
    assert.deepEqual(heavy, [], `${entry} pulls ${heavy.join(', ')}`);
  }
});

test('onnxruntime-node stays outside every Node bundle (required at run time: native per-platform binaries beside dist/), and the host never loads it', async () => {
  for (const entry of ['src/extension/extension.ts', 'src/cli/index.ts', 'src/extension/worker.ts', 'src/model/evaluateWorker.ts']) {
    const result = await bundle(entry, { platform: 'node', format: 'cjs', external: ['vscode', 'onnxruntime-node'] });
    const inputs = Object.keys(result.metafile.inputs);
    assert.deepEqual(
      inputs.filter((i) => i.includes('node_modules/onnxruntime') || i.startsWith('bench/')),
      [],
      entry,
    );
    const text = result.outputFiles.map((f) => f.text).join('');
    // A plain require, resolvable beside the bundle (the VSIX ships the package there).
    if (entry === 'src/extension/extension.ts') assert.ok(!text.includes('onnxruntime-node'), 'the extension host never requires onnxruntime-node');
    else assert.ok(text.includes('require("onnxruntime-node")'), `${entry} requires onnxruntime-node at run time`);
  }
});
