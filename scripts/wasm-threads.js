// Multi-threaded TF.js wasm in Node, made at build time (the speed issue #11; a spike in the team notes found the start).
//
// tfjs-backend-wasm 4.22 ships a threaded SIMD build whose emscripten glue supports Node's worker_threads, but its
// Node entry cannot start it:
//   1. it hands emscripten Blob URLs for the pthread worker script and the main script, and worker_threads accept
//      only file paths → we ship both as files in dist/ and point tfjs at them;
//   2. tfjs caps the thread pool at emscripten_num_logical_cores() / 2 (it assumes two hyperthreads per core), and the
//      glue answers os.cpus().length, so a 2-core machine gets 1 thread whatever setThreadsCount says → the glue
//      answers 2 × the requested count, so the cap is the count we ask for;
//   3. the glue pre-spawns 8 pthread workers at start, each loading the glue and the wasm module (~0.25 s of every
//      cold start on 2 cores) → it spawns as many as threads were asked for (XNNPACK's pool uses threads − 1 of them);
//   4. each pthread worker is ref()'d while it runs, and XNNPACK's pool threads run for the life of the module, so a
//      CLI process would never exit → they are left unref()'d (the main thread owns their lifetime).
// Each edit is an exact string replacement that fails the build if tfjs changes, never a run-time patch of globals.
// The bundle is marked with __RESNEXT_WASM_THREADS__ so src/model/tf.ts only asks for threads where they work.
const fs = require('node:fs');
const path = require('node:path');

const PKG = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
const WORKER_FILE = 'tfjs-backend-wasm-threaded-simd.worker.js';
const MAIN_FILE = 'tfjs-backend-wasm-threaded-simd.js';
const isNode = "(typeof process === 'object' && process.versions != null && process.versions.node != null)";

/** [what it fixes, the exact text in tfjs's dist/tf-backend-wasm.node.js, its replacement]. */
const EDITS = [
  [
    'pthread worker script as a file',
    "var response = wasmWorkerContents.replace(/\\n/g, '\\\\n');",
    `if (${isNode}) { return require('path').join(__dirname, '${WORKER_FILE}'); }\nvar response = wasmWorkerContents.replace(/\\n/g, '\\\\n');`,
  ],
  [
    'main script as a file',
    'factoryConfig.mainScriptUrlOrBlob = new Blob(',
    `factoryConfig.mainScriptUrlOrBlob = ${isNode} ? require('path').join(__dirname, '${MAIN_FILE}') : new Blob(`,
  ],
  ['the requested thread count reaches the glue', 'var factoryConfig = {};', 'var factoryConfig = { resnextThreads: threadsCount };'],
  [
    'the pool cap is the requested count',
    'function _emscripten_num_logical_cores() { if (ENVIRONMENT_IS_NODE)\n                return require$$4.cpus().length;',
    'function _emscripten_num_logical_cores() { if (ENVIRONMENT_IS_NODE)\n                return 2 * (Module["resnextThreads"] > 0 ? Module["resnextThreads"] : require$$4.cpus().length);',
  ],
  [
    'only as many pthread workers as threads',
    'initMainThread: function () { var pthreadPoolSize = 8;',
    'initMainThread: function () { var pthreadPoolSize = Module["resnextThreads"] > 0 ? Math.min(8, Module["resnextThreads"]) : 8;',
  ],
  [
    'pool threads do not keep the process alive',
    'if (ENVIRONMENT_IS_NODE) {\n                worker.ref();\n            } worker.postMessage(msg',
    'worker.postMessage(msg',
  ],
];

/** The esbuild plugin that applies EDITS to tfjs-backend-wasm's Node entry. */
const wasmThreadsPlugin = {
  name: 'tfjs-wasm-threads',
  setup(build) {
    build.onLoad({ filter: /[\\/]tfjs-backend-wasm[\\/]dist[\\/]tf-backend-wasm\.node\.js$/ }, async (args) => {
      let source = await fs.promises.readFile(args.path, 'utf8');
      for (const [what, from, to] of EDITS) {
        const at = source.indexOf(from);
        if (at < 0 || source.indexOf(from, at + 1) >= 0) {
          throw new Error(`wasm-threads: '${what}' expects exactly one '${from.slice(0, 60)}…' in ${args.path} (tfjs-backend-wasm changed?)`);
        }
        source = source.replace(from, to);
      }
      return { contents: source, loader: 'js' };
    });
  },
};

/** The files the threaded backend loads at run time, written next to the bundle. */
function copyThreadedRuntime(dir) {
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(PKG, 'dist', 'tfjs-backend-wasm-threaded-simd.wasm'), path.join(dir, 'tfjs-backend-wasm-threaded-simd.wasm'));
  fs.copyFileSync(path.join(PKG, 'wasm-out', MAIN_FILE), path.join(dir, MAIN_FILE));
  // The worker script as tfjs would put it in a Blob (its '\n' escapes kept as text).
  const { wasmWorkerContents } = require(path.join(PKG, 'wasm-out', WORKER_FILE));
  fs.writeFileSync(path.join(dir, WORKER_FILE), wasmWorkerContents.replace(/\n/g, '\\n'));
}

/** Build options for a Node bundle that can run the threaded backend. */
const threadedNodeOptions = { plugins: [wasmThreadsPlugin], define: { __RESNEXT_WASM_THREADS__: 'true' } };

/**
 * Bundles a Node entry as esbuild.js bundles ours (CommonJS for Node 20) into `options.outfile`; with threads (the
 * default), as a threaded bundle with the threaded runtime and tfjs's wasm binaries written next to it, so it runs
 * from wherever it is written (the bench's and the tests' probes).
 */
async function bundleForNode(esbuild, options, { threads = true } = {}) {
  await esbuild.build({
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
    // onnxruntime-node's native binding is required at run time, never bundled (src/model/engines/onnxruntime.ts).
    external: ['onnxruntime-node'],
    ...(threads ? threadedNodeOptions : {}),
    ...options,
  });
  if (threads) {
    const dir = path.dirname(options.outfile);
    copyThreadedRuntime(dir);
    for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm']) fs.copyFileSync(path.join(PKG, 'dist', f), path.join(dir, f));
  }
  return options.outfile;
}

module.exports = {
  bundleForNode,
  wasmThreadsPlugin,
  copyThreadedRuntime,
  threadedNodeOptions,
  THREADED_FILES: [WORKER_FILE, MAIN_FILE, 'tfjs-backend-wasm-threaded-simd.wasm'],
};
