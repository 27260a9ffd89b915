// `npm run package`: one production build, then one VSIX per platform (`vsce package --target`) and a universal one.
//
// Each platform's VSIX holds onnxruntime-node's JavaScript, onnxruntime-common, and only that platform's native files,
// staged as dist/node_modules/ so that the bundles' `require('onnxruntime-node')` (external to esbuild) resolves next
// to them. onnxruntime-node's dist/binding.js loads `../bin/napi-v6/${process.platform}/${process.arch}/
// onnxruntime_binding.node`, and that binding finds its runtime library beside itself (linux: RUNPATH $ORIGIN;
// darwin: @rpath = @loader_path; win32: the DLL search starts in the binding's folder), so the staged layout is
// onnxruntime-node's own, with the other platforms' folders left out. The universal VSIX has no onnxruntime at all:
// the require fails and the wasm engine runs (VS Code installs it wherever no VSIX targets the platform).
//
// Staging is shared: the files of the VSIX (the .vscodeignore allow-list) and the JavaScript
// of both packages are hard-linked (copied across file systems) into one folder per target; vsce then zips the
// targets two at a time (its zip deflates on libuv's thread pool, so two runs keep two cores busy).
//
//   node scripts/package.js [--targets linux-x64,universal] [--out-dir DIR] [--no-build]
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const ROOT = path.join(__dirname, '..');
const ORT_DIR = path.dirname(require.resolve('onnxruntime-node/package.json', { paths: [ROOT] }));
// onnxruntime-common's `exports` hide its package.json: from its CommonJS entry (dist/cjs/index.js) up to the package.
const ORT_COMMON_DIR = path.resolve(require.resolve('onnxruntime-common', { paths: [ORT_DIR] }), '..', '..', '..');
const NAME = 'resnext-inspector';

/**
 * VS Code target → onnxruntime-node's binary folder (`bin/napi-v6/<os>/<arch>`) and the files the CPU provider needs
 * from it: the binding and the runtime library it links (read from the binaries: linux `NEEDED libonnxruntime.so.1`;
 * darwin `@rpath/libonnxruntime.1.dylib`, so the byte-identical `libonnxruntime.1.30.0.dylib` beside it stays out;
 * win32 `onnxruntime.dll` in the binding's import table, while onnxruntime.dll imports neither DirectML.dll nor
 * dxcompiler.dll / dxil.dll: those load only for the DirectML provider, which we do not use). `null`: onnxruntime-node
 * 1.30 ships no binary for the platform (darwin x64), so no VSIX targets it and VS Code installs the universal one.
 */
const TARGETS = {
  'linux-x64': { dir: 'linux/x64', files: ['onnxruntime_binding.node', 'libonnxruntime.so.1'] },
  'linux-arm64': { dir: 'linux/arm64', files: ['onnxruntime_binding.node', 'libonnxruntime.so.1'] },
  'darwin-arm64': { dir: 'darwin/arm64', files: ['onnxruntime_binding.node', 'libonnxruntime.1.dylib'] },
  'darwin-x64': null,
  'win32-x64': { dir: 'win32/x64', files: ['onnxruntime_binding.node', 'onnxruntime.dll'] },
  'win32-arm64': { dir: 'win32/arm64', files: ['onnxruntime_binding.node', 'onnxruntime.dll'] },
};
const UNIVERSAL = 'universal';

const vsixName = (target) => `${NAME}-${target}.vsix`;

/** A new name for the same bytes where the file system allows it (instant, no space), else a copy. */
function place(from, to) {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  try {
    fs.linkSync(from, to);
  } catch {
    fs.copyFileSync(from, to);
  }
}

/** Files under `dir` (relative, '/'-separated) that `keep` accepts. */
function walk(dir, keep, prefix = '') {
  const found = [];
  for (const entry of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) found.push(...walk(dir, keep, rel));
    else if (keep(rel)) found.push(rel);
  }
  return found;
}

/** What `require('onnxruntime-node')` runs besides the binaries: both packages' manifests and CommonJS files. */
function ortJavaScript() {
  const js = (rel) => rel === 'package.json' || (rel.endsWith('.js') && !rel.endsWith('.min.js'));
  return [
    ...walk(ORT_DIR, (rel) => rel === 'package.json' || (rel.startsWith('dist/') && js(rel))).map((rel) => ({
      from: path.join(ORT_DIR, rel),
      to: `dist/node_modules/onnxruntime-node/${rel}`,
    })),
    ...walk(ORT_COMMON_DIR, (rel) => rel === 'package.json' || (rel.startsWith('dist/cjs/') && (js(rel) || rel === 'dist/cjs/package.json'))).map((rel) => ({
      from: path.join(ORT_COMMON_DIR, rel),
      to: `dist/node_modules/onnxruntime-common/${rel}`,
    })),
  ];
}

/** The native files of a target, with where they go; throws when onnxruntime-node no longer ships one of them. */
function ortBinaries(target) {
  const spec = TARGETS[target];
  if (!spec) return [];
  return spec.files.map((file) => {
    const from = path.join(ORT_DIR, 'bin', 'napi-v6', spec.dir, file);
    if (!fs.existsSync(from)) {
      throw new Error(
        `onnxruntime-node ${require(path.join(ORT_DIR, 'package.json')).version} has no bin/napi-v6/${spec.dir}/${file}: update TARGETS in scripts/package.js`,
      );
    }
    return { from, to: `dist/node_modules/onnxruntime-node/bin/napi-v6/${spec.dir}/${file}` };
  });
}

/**
 * The VSIX's own files (package.json aside) as the repo's .vscodeignore selects them. It is an allow-list (`**`, then
 * `!path` lines, a `*` at most in the last segment), read here rather than by `vsce ls`, which walks the whole repo
 * (.vscode-test/ holds code-server's ~100k files: 15 s).
 */
function extensionFiles() {
  const lines = fs
    .readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const allowed = lines.slice(1);
  if (lines[0] !== '**' || allowed.some((l) => !l.startsWith('!') || l.includes('**') || /[*?[{]/.test(path.posix.dirname(l.slice(1))))) {
    throw new Error('.vscodeignore must stay an allow-list: `**`, then `!path` lines with a `*` at most in the file name (scripts/package.js reads it)');
  }
  const files = new Set(['README.md']); // vsce includes it whatever the ignore file says (and package.json, written below)
  for (const pattern of allowed.map((l) => l.slice(1))) {
    const dir = path.posix.dirname(pattern);
    const name = path.posix.basename(pattern);
    if (!/[*?]/.test(name)) {
      if (fs.existsSync(path.join(ROOT, pattern))) files.add(pattern);
      continue;
    }
    const re = new RegExp(
      `^${name
        .replace(/[.+^${}()|\\]/g, '\\$&')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]')}$`,
    );
    const entries = fs.existsSync(path.join(ROOT, dir)) ? fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }) : [];
    for (const e of entries) if (e.isFile() && re.test(e.name)) files.add(dir === '.' ? e.name : `${dir}/${e.name}`);
  }
  files.delete('package.json');
  return [...files].filter((f) => fs.existsSync(path.join(ROOT, f))).map((f) => ({ from: path.join(ROOT, f), to: f }));
}

/** The manifest as shipped: without `scripts` (vsce would run vscode:prepublish in the stage, where there is no build). */
function stagedManifest() {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  delete manifest.scripts;
  return JSON.stringify(manifest, null, 2) + '\n';
}

async function stage(targets, stageRoot) {
  const common = extensionFiles();
  const ort = ortJavaScript();
  const manifest = stagedManifest();
  fs.rmSync(stageRoot, { recursive: true, force: true });
  const dirs = {};
  for (const target of targets) {
    const dir = path.join(stageRoot, target);
    const files = target === UNIVERSAL ? common : [...common, ...ort, ...ortBinaries(target)];
    for (const f of files) place(f.from, path.join(dir, f.to));
    fs.writeFileSync(path.join(dir, 'package.json'), manifest);
    dirs[target] = dir;
  }
  return dirs;
}

async function packageTarget(target, dir, outDir) {
  const { createVSIX } = require('@vscode/vsce');
  const packagePath = path.join(outDir, vsixName(target));
  const started = performance.now();
  await createVSIX({
    cwd: dir,
    packagePath,
    ...(target !== UNIVERSAL && { target }),
    dependencies: false,
    allowMissingRepository: true,
    rewriteRelativeLinks: false,
  });
  return { target, packagePath, bytes: fs.statSync(packagePath).size, ms: performance.now() - started };
}

async function main() {
  const args = process.argv.slice(2);
  const option = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const all = [...Object.keys(TARGETS).filter((t) => TARGETS[t]), UNIVERSAL];
  const targets = option('--targets')?.split(',') ?? all;
  for (const t of targets)
    if (!all.includes(t))
      throw new Error(`unknown target ${t}; one of ${all.join(', ')} (darwin-x64: onnxruntime-node ships no binary, the universal VSIX serves it)`);
  const outDir = path.resolve(option('--out-dir') ?? ROOT);
  const started = performance.now();
  if (!args.includes('--no-build')) execFileSync(process.execPath, [path.join(ROOT, 'esbuild.js'), '--production'], { cwd: ROOT, stdio: 'inherit' });
  const built = performance.now();
  const dirs = await stage(targets, path.join(ROOT, 'out', 'vsix-stage'));
  const staged = performance.now();
  fs.mkdirSync(outDir, { recursive: true });
  const results = [];
  const queue = [...targets];
  // Two at a time: the machine has two cores; more only makes each wait for the other.
  await Promise.all(
    [0, 1].map(async () => {
      for (let t = queue.shift(); t !== undefined; t = queue.shift()) results.push(await packageTarget(t, dirs[t], outDir));
    }),
  );
  fs.rmSync(path.join(ROOT, 'out', 'vsix-stage'), { recursive: true, force: true });
  const mib = (b) => (b / 2 ** 20).toFixed(1);
  console.log(
    `package: build ${((built - started) / 1000).toFixed(1)} s, staging ${((staged - built) / 1000).toFixed(1)} s, ` +
      `${results.length} VSIX in ${((performance.now() - staged) / 1000).toFixed(1)} s (total ${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
  for (const r of results.sort((a, b) => targets.indexOf(a.target) - targets.indexOf(b.target))) {
    console.log(`  ${path.relative(process.cwd(), r.packagePath).padEnd(40)} ${mib(r.bytes).padStart(6)} MiB  ${(r.ms / 1000).toFixed(1)} s`);
  }
}

module.exports = { TARGETS, UNIVERSAL, vsixName, extensionFiles };

if (require.main === module) {
  main().catch((error) => {
    console.error(`package: ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  });
}
