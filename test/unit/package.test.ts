/**
 * The VSIXs `npm run package` wrote (scripts/package.js), read with the repo's own zip reader: each platform's holds
 * its own onnxruntime binaries and no other platform's, the universal one none, and the onnxruntime-node unpacked
 * from the linux-x64 VSIX really runs an InferenceSession (a one-node Gemm written by the onnx library,
 * test/fixtures/package/make_gemm_onnx.py) when required the way the bundles require it.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openZip, type ZipArchive } from '../../src/model/weights/zip';
import { FIXTURES, ROOT } from '../helpers';

interface TargetSpec {
  readonly dir: string;
  readonly files: readonly string[];
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const packaging = require('../../scripts/package.js') as { TARGETS: Record<string, TargetSpec | null>; UNIVERSAL: string; vsixName: (t: string) => string };
const { TARGETS, UNIVERSAL, vsixName } = packaging;
const ORT_BIN = path.join(ROOT, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6');
const STAGED_ORT = 'extension/dist/node_modules/onnxruntime-node';

function openVsix(target: string): ZipArchive {
  const file = path.join(ROOT, vsixName(target));
  assert.ok(fs.existsSync(file), `${vsixName(target)} is missing: run \`npm run package\` first (npm test does, before the unit tests)`);
  return openZip(fs.readFileSync(file), vsixName(target));
}

const isNative = (name: string): boolean => /\.(node|so(\.\d+)*|dylib|dll|exe)$/i.test(name) || /\/bin\/napi-v\d+\//.test(name);
const platformTargets = Object.entries(TARGETS).filter((e): e is [string, TargetSpec] => e[1] !== null);

test('every platform onnxruntime-node ships a binary for has a VSIX target, and a target without one (darwin-x64) is left to the universal VSIX', () => {
  const shipped = fs.readdirSync(ORT_BIN).flatMap((osName) => fs.readdirSync(path.join(ORT_BIN, osName)).map((arch) => `${osName}/${arch}`));
  assert.deepEqual(platformTargets.map(([, spec]) => spec.dir).sort(), shipped.sort());
  for (const [target, spec] of Object.entries(TARGETS)) {
    assert.equal(spec === null, !fs.existsSync(path.join(ORT_BIN, ...target.split('-'))), `${target}: packaged exactly when onnxruntime-node has its folder`);
  }
});

for (const [target, spec] of platformTargets) {
  test(`${vsixName(target)} targets ${target} and holds ${spec.dir}'s binding and runtime library, and no other platform's binary`, () => {
    const zip = openVsix(target);
    const manifest = new TextDecoder().decode(zip.read(zip.entries.get('extension.vsixmanifest')!));
    assert.match(manifest, new RegExp(`TargetPlatform="${target}"`));
    const native = [...zip.entries.keys()].filter(isNative).sort();
    assert.deepEqual(native, spec.files.map((f) => `${STAGED_ORT}/bin/napi-v6/${spec.dir}/${f}`).sort());
    for (const f of spec.files) {
      const entry = zip.entries.get(`${STAGED_ORT}/bin/napi-v6/${spec.dir}/${f}`)!;
      assert.equal(entry.uncompressedSizeBytes, fs.statSync(path.join(ORT_BIN, spec.dir, f)).size, `${f} is onnxruntime-node's own file`);
    }
    for (const js of [
      `${STAGED_ORT}/package.json`,
      `${STAGED_ORT}/dist/index.js`,
      `${STAGED_ORT}/dist/binding.js`,
      'extension/dist/node_modules/onnxruntime-common/dist/cjs/index.js',
    ]) {
      assert.ok(zip.entries.has(js), `${js} is in the VSIX`);
    }
    assert.ok(
      zip.entries.has('extension/dist/extension.js') && zip.entries.has('extension/dist/tfjs-backend-wasm-simd.wasm'),
      'the bundles and the wasm engine too',
    );
  });
}

test(`${vsixName(UNIVERSAL)} targets no platform and holds no onnxruntime (the wasm engine only)`, () => {
  const zip = openVsix(UNIVERSAL);
  const manifest = new TextDecoder().decode(zip.read(zip.entries.get('extension.vsixmanifest')!));
  assert.doesNotMatch(manifest, /TargetPlatform=/);
  const names = [...zip.entries.keys()];
  assert.deepEqual(
    names.filter((n) => isNative(n) || n.includes('node_modules/') || n.includes('onnxruntime')),
    [],
  );
  assert.ok(zip.entries.has('extension/dist/worker.js') && zip.entries.has('extension/dist/tfjs-backend-wasm-threaded-simd.wasm'));
  const platform = [...openVsix('linux-x64').entries.keys()].filter((n) => !n.startsWith('extension/dist/node_modules/'));
  assert.deepEqual(names.sort(), platform.sort(), 'the same files as a platform VSIX, onnxruntime aside');
});

test(
  'unpacked from the linux-x64 VSIX, require("onnxruntime-node") from dist/ resolves to the staged copy and runs an InferenceSession',
  { skip: `${process.platform}-${process.arch}` !== 'linux-x64' && 'needs a linux-x64 host' },
  () => {
    const zip = openVsix('linux-x64');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resnext-vsix-'));
    try {
      for (const [name, entry] of zip.entries) {
        if (!name.startsWith('extension/dist/')) continue;
        const to = path.join(dir, ...name.split('/'));
        fs.mkdirSync(path.dirname(to), { recursive: true });
        fs.writeFileSync(to, zip.read(entry));
      }
      const dist = path.join(dir, 'extension', 'dist');
      // Required by a bare name from a file in dist/, as the bundles do (esbuild keeps onnxruntime-node external).
      fs.writeFileSync(
        path.join(dist, 'probe.js'),
        `const ort = require('onnxruntime-node');
const { x, xShape } = JSON.parse(require('node:fs').readFileSync(process.argv[3], 'utf8'));
ort.InferenceSession.create(process.argv[2]).then(async (session) => {
  const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from(x), xShape) });
  console.log(JSON.stringify({ resolved: require.resolve('onnxruntime-node'), y: Array.from(out.y.data), dims: out.y.dims }));
});
`,
      );
      const env = { ...process.env };
      delete env.NODE_PATH;
      const stdout = execFileSync(
        process.execPath,
        [path.join(dist, 'probe.js'), path.join(FIXTURES, 'package', 'gemm.onnx'), path.join(FIXTURES, 'package', 'gemm.json')],
        {
          cwd: dir,
          env,
          encoding: 'utf8',
        },
      );
      const got = JSON.parse(stdout) as { resolved: string; y: number[]; dims: number[] };
      const reference = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'package', 'gemm.json'), 'utf8')) as { y: number[]; yShape: number[] };
      assert.equal(got.resolved, path.join(dist, 'node_modules', 'onnxruntime-node', 'dist', 'index.js'));
      assert.deepEqual(got.dims, reference.yShape);
      got.y.forEach((y, i) => assert.ok(Math.abs(y - reference.y[i]!) <= 1e-6, `y[${i}] = ${y}, numpy ${reference.y[i]}`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('every file the manifest and the README point to is in the VSIX (icons, the activity-bar icon, the pictures)', () => {
  const zip = openVsix(UNIVERSAL);
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    icon?: string;
    contributes: { viewsContainers?: Record<string, { icon: string }[]>; views?: Record<string, { icon?: string }[]> };
  };
  const icons = [
    manifest.icon,
    ...Object.values(manifest.contributes.viewsContainers ?? {}).flatMap((cs) => cs.map((c) => c.icon)),
    ...Object.values(manifest.contributes.views ?? {}).flatMap((vs) => vs.map((v) => v.icon)),
  ].filter((icon): icon is string => icon !== undefined && !icon.startsWith('$('));
  const pictures = [...fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').matchAll(/\]\((docs\/images\/[^)]+\.png)\)/g)].map((m) => m[1]!);
  assert.ok(icons.includes('media/activity.svg') && pictures.length > 10, `${icons.join(', ')}; ${pictures.length} pictures`);
  for (const file of [...icons, ...pictures]) {
    assert.ok(fs.existsSync(path.join(ROOT, file)), `${file} does not exist`);
    assert.ok(zip.entries.has(`extension/${file}`), `${file} is not in ${vsixName(UNIVERSAL)} (.vscodeignore's allow-list)`);
  }
});
