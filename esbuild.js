// Four bundles from one helper (DESIGN §1): extension and cli (Node, CommonJS), worker (Node), webview (browser IIFE).
// TF.js's wasm binaries are copied next to the Node bundles, where src/model/tf.ts looks for them.
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');
const { copyThreadedRuntime, threadedNodeOptions } = require('./scripts/wasm-threads');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const dist = path.join(__dirname, 'dist');

/** @param {import('esbuild').BuildOptions} options */
async function build(options) {
  const config = {
    bundle: true,
    minify: production,
    sourcemap: !production,
    sourcesContent: false,
    logLevel: 'warning',
    ...options,
  };
  if (watch) {
    const context = await esbuild.context(config);
    await context.watch();
  } else {
    await esbuild.build(config);
  }
}

/** Static files the webviews load as they are. */
function copyStatic() {
  fs.mkdirSync(dist, { recursive: true });
  for (const file of ['classification.css', 'report.css', 'evaluation.css', 'diff.css', 'graph.css'])
    fs.copyFileSync(path.join(__dirname, 'webview', file), path.join(dist, file));
}

function copyWasm() {
  const source = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
  fs.mkdirSync(dist, { recursive: true });
  for (const file of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm']) {
    fs.copyFileSync(path.join(source, file), path.join(dist, file));
  }
  copyThreadedRuntime(dist);
}

async function main() {
  copyWasm();
  copyStatic();
  const node = { platform: 'node', target: 'node20', format: 'cjs', external: ['vscode', 'onnxruntime-node'], ...threadedNodeOptions };
  const builds = [
    build({ ...node, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js' }),
    build({ ...node, entryPoints: ['src/cli/index.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } }),
  ];
  for (const [entry, out] of [
    ['src/extension/worker.ts', 'dist/worker.js'],
    ['src/extension/scanWorker.ts', 'dist/scanWorker.js'],
    ['src/model/evaluateWorker.ts', 'dist/evaluateWorker.js'],
    ['webview/main.ts', 'dist/webview.js'],
    ['webview/classificationView.ts', 'dist/classificationView.js'],
    ['webview/evaluationView.ts', 'dist/evaluationView.js'],
    ['webview/graphView.ts', 'dist/graphView.js'],
  ]) {
    if (fs.existsSync(entry)) {
      builds.push(
        entry.startsWith('webview')
          ? build({ entryPoints: [entry], outfile: out, platform: 'browser', format: 'iife', target: 'es2022' })
          : build({ ...node, entryPoints: [entry], outfile: out }),
      );
    }
  }
  await Promise.all(builds);
  fs.chmodSync(path.join(dist, 'cli.js'), 0o755);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
