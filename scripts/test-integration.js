// Integration tests in a real VS Code extension host: @vscode/test-electron's runTests with scripts/code-shim.sh as
// the "VS Code executable" (code-server + Chromium, see the shim). Bundles test/integration/ into out/ first.
// Uses the extension as built in dist/ (npm run build or npm run package before this).
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const { execFileSync } = require('node:child_process');
const esbuild = require('esbuild');
const { runTests } = require('@vscode/test-electron');

const ROOT = path.join(__dirname, '..');

async function main() {
  for (const file of ['extension.js', 'worker.js', 'webview.js']) {
    if (!fs.existsSync(path.join(ROOT, 'dist', file))) throw new Error(`dist/${file} is missing: run npm run build first`);
  }
  const codeServer = execFileSync('bash', [path.join(__dirname, 'install-code-server.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim()
    .split('\n')
    .pop();
  const testsBundle = path.join(ROOT, 'out', 'test', 'integration', 'index.js');
  await esbuild.build({
    entryPoints: [path.join(ROOT, 'test', 'integration', 'index.ts')],
    outfile: testsBundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode', 'onnxruntime-node'],
    logLevel: 'warning',
  });
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'resnext-it-workspace-'));
  const results = path.join(workspace, 'results.json');
  try {
    const code = await runTests({
      vscodeExecutablePath: path.join(__dirname, 'code-shim.sh'),
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: testsBundle,
      launchArgs: [workspace],
      extensionTestsEnv: { CODE_SERVER: codeServer, RESNEXT_IT_RESULTS: results, RESNEXT_ROOT: ROOT },
    });
    report(results);
    return code;
  } catch (error) {
    report(results);
    throw error;
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

/** The extension host's console does not reach this terminal; the tests write their results to a file instead. */
function report(file) {
  if (!fs.existsSync(file)) {
    console.log('integration: the tests wrote no results (the extension host did not run them)');
    return;
  }
  const { results, notes } = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const r of results) console.log(`${r.ok ? 'ok' : 'FAIL'} ${r.name} (${r.ms} ms)${r.ok ? '' : `\n    ${r.error.split('\n').join('\n    ')}`}`);
  for (const n of notes) console.log(`  ${n}`);
  const passed = results.filter((r) => r.ok).length;
  console.log(`integration: ${passed} passed, ${results.length - passed} failed`);
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`integration: ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  },
);
