// UI end to end: the packaged .vsix installed into code-server, driven through the workbench with playwright-core
// and Debian Chromium at 1280×800 with the explorer open, as a person would. One code-server per VSIX serves the flow
// families (this platform's VSIX, and the universal one for a family that names it), and each family starts in a FRESH WINDOW (a new browser context on a workspace of its own, so a new
// extension host and a cold worker) with its command as the first action: Classify Image, Summarize Checkpoint,
// Summarize (then the summary panel's table, keyboard, filter, export, themes, reload, custom configuration),
// Compare Architectures, the equivalence view. The ResNeXt log of each window is read back to show that the first
// action really ran on a cold worker. Screenshots (dark, light, high contrast) go to out/screenshots/, or to
// SHOTS=dir: `npm run screenshots` refreshes the README's pictures in docs/images/ (kept out of the test run so that
// testing does not rewrite committed files). Needs this platform's VSIX, e.g. resnext-inspector-linux-x64.vsix, with
// its onnxruntime binaries (npm run package; where no VSIX targets the platform, resnext-inspector-universal.vsix).
const { chromium } = require('playwright-core');
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { CHROMIUM, CHROMIUM_ARGS } = require('./chromium');

const ROOT = path.join(__dirname, '..');
const { TARGETS, UNIVERSAL, vsixName } = require('./package');
const HOST_TARGET = `${process.platform}-${process.arch}`;
const VSIX = path.join(ROOT, vsixName(TARGETS[HOST_TARGET] ? HOST_TARGET : UNIVERSAL));
const SHOTS = path.resolve(process.env.SHOTS ?? path.join(ROOT, 'out', 'screenshots'));
const DARK = 'Default Dark Modern';
const VIEWPORT = { width: 1280, height: 800 };
const REFERENCE = JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'tiny_reference.json'), 'utf8'));

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

async function waitForHealth(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await globalThis.fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`code-server did not answer at ${url} within ${timeoutMs} ms`);
}

function writeSettings(state, theme) {
  const settings = {
    'workbench.startupEditor': 'none',
    'workbench.colorTheme': theme,
    'workbench.tips.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'chat.commandCenter.enabled': false,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    'window.commandCenter': false,
    'files.simpleDialog.enable': true,
    // Classification uses the tiny PyTorch-made checkpoint of test/fixtures (relative to the workspace folder).
    'resnext.weights': 'tiny.pth',
  };
  fs.writeFileSync(path.join(state, 'user', 'User', 'settings.json'), JSON.stringify(settings, null, 2));
}

function makeWorkspace(dir) {
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'test', 'fixtures', 'chelsea.png'), path.join(dir, 'cat.png'));
  fs.copyFileSync(path.join(ROOT, 'test', 'fixtures', 'chelsea.jpg'), path.join(dir, 'cat.jpg'));
  fs.copyFileSync(path.join(ROOT, 'test', 'fixtures', 'tiny.pth'), path.join(dir, 'tiny.pth'));
  fs.copyFileSync(path.join(ROOT, 'test', 'fixtures', 'python', 'train.py'), path.join(dir, 'train.py'));
  fs.copyFileSync(path.join(ROOT, 'test', 'fixtures', 'python', 'classes', 'cifar_resnet.py'), path.join(dir, 'cifar_resnet.py'));
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'not an image\n');
  // Compare Checkpoints: a network and its fine-tune with all but layer4 and fc frozen (test/fixtures/diff).
  for (const file of ['base.pth', 'finetune_eval.pth']) fs.copyFileSync(path.join(ROOT, 'test', 'fixtures', 'diff', file), path.join(dir, file));
  // An ImageFolder (three classes, a corrupt file) for Classify Folder.
  fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'evaluate', 'folder'), path.join(dir, 'pets'), { recursive: true });
  // A WordNet-style class name, as ImageNet folders have, last in sorted order (so the class indices stay PyTorch's):
  // the confusion matrix's last column label must not be cut.
  fs.renameSync(path.join(dir, 'pets', 'fox'), path.join(dir, 'pets', 'n02119022_red_fox'));
  fs.writeFileSync(path.join(dir, 'README.md'), '# A workspace for the ResNeXt Inspector UI test\n');
}

/** PyTorch's top-5 for chelsea.jpg through the tiny network: class indices and softmax probabilities in percent. */
function referenceTop5() {
  const logits = REFERENCE.outputs['chelsea.jpg'].fp32;
  const max = Math.max(...logits);
  const exp = logits.map((l) => Math.exp(l - max));
  const sum = exp.reduce((a, b) => a + b, 0);
  return logits
    .map((_, i) => ({ index: i, percent: (100 * exp[i]) / sum }))
    .sort((a, b) => b.percent - a.percent)
    .slice(0, 5);
}

/** Every ResNeXt log file VS Code wrote under `dir` (one per extension host, i.e. per window). */
function resnextLogs(dir) {
  const found = [];
  const walk = (d) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (/ResNeXt\.log$/.test(entry.name)) found.push(p);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return found.map((f) => fs.readFileSync(f, 'utf8'));
}

/** code-server with `vsix` installed in a state folder of its own (user data, extensions, logs), listening. */
async function startServer(codeServer, vsix) {
  if (!fs.existsSync(vsix)) throw new Error(`${path.relative(ROOT, vsix)} is missing: run npm run package first`);
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'resnext-e2e-'));
  const extensions = path.join(state, 'extensions');
  fs.mkdirSync(path.join(state, 'user', 'User'), { recursive: true });
  writeSettings(state, DARK);
  const env = { ...process.env, XDG_CONFIG_HOME: path.join(state, 'xdg'), XDG_DATA_HOME: path.join(state, 'xdg') };
  const common = ['--user-data-dir', path.join(state, 'user'), '--extensions-dir', extensions, '--config', path.join(state, 'config.yaml')];
  execFileSync(codeServer, [...common, '--install-extension', vsix], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = fs.openSync(path.join(state, 'server.log'), 'w');
  const firstWorkspace = path.join(state, 'ws-start');
  makeWorkspace(firstWorkspace);
  const server = spawn(
    codeServer,
    [
      ...common,
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      firstWorkspace,
    ],
    { env, stdio: ['ignore', log, log] },
  );
  const stop = async () => {
    server.kill();
    await new Promise((resolve) => (server.exitCode !== null ? resolve() : server.once('exit', resolve)));
  };
  try {
    await waitForHealth(url, 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { vsix, state, url, stop };
}

async function main() {
  const families = require('./e2e-flows');
  // E2E_ONLY=classify,python runs those families only (while working on them; the full run is the test).
  const only = process.env.E2E_ONLY?.split(',');
  const chosen = families.FAMILIES.filter((f) => !only || only.includes(f.id));
  // Each family runs on the VSIX it names (`vsix: 'universal'`), by default this platform's; one code-server per VSIX.
  const groups = [...new Set(chosen.map((f) => f.vsix ?? ''))].map((name) => ({
    vsix: name ? path.join(ROOT, vsixName(name)) : VSIX,
    families: chosen.filter((f) => (f.vsix ?? '') === name),
  }));
  for (const g of groups) if (!fs.existsSync(g.vsix)) throw new Error(`${path.relative(ROOT, g.vsix)} is missing: run npm run package first`);
  const codeServer = execFileSync('bash', [path.join(__dirname, 'install-code-server.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim()
    .split('\n')
    .pop();
  fs.mkdirSync(SHOTS, { recursive: true });
  let browser;
  let page;
  let current;
  const servers = [];
  let passed = 0;
  let failed = 0;
  const started = Date.now();
  const step = async (name, fn) => {
    try {
      await fn();
      passed++;
      console.log(`ok ${name}`);
    } catch (error) {
      failed++;
      console.log(
        `FAIL ${name}: ${String(error && error.message)
          .split('\n')
          .slice(0, 4)
          .join(' | ')}`,
      );
      if (current) {
        await page?.screenshot({ path: path.join(current.state, `FAIL-${passed + failed}.png`) }).catch(() => {});
        if (process.env.E2E_FAIL_DIR) fs.cpSync(current.state, process.env.E2E_FAIL_DIR, { recursive: true, filter: (f) => !f.includes('extensions') });
      }
    }
  };
  const cspViolations = [];
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const ui = require('./e2e-ui');
    for (const group of groups) {
      current = await startServer(codeServer, group.vsix);
      servers.push(current);
      const { state, url } = current;
      console.log(`  code-server with ${path.basename(group.vsix)}`);
      // code-server's very first window after a new install does one-time work of its own (it once kept the first
      // family's first command from ever answering in a fresh CI clone). Open and close one window on a workspace
      // that no family uses, with no ResNeXt command: each family below still gets a new window, a new extension host
      // and a cold worker, and its command is still that window's first action.
      {
        const warmup = path.join(state, 'ws-warmup');
        makeWorkspace(warmup);
        const context = await browser.newContext({ viewport: VIEWPORT });
        const first = await context.newPage();
        await first.goto(`${url}/?folder=${encodeURIComponent(warmup)}`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
        await first.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 120_000 }).catch(() => {});
        await first.waitForTimeout(3000);
        await context.close().catch(() => {});
      }
      for (const family of group.families) {
        // A fresh window: a new browser context (nothing cached, no webview state) on a workspace of its own (no
        // restored editors), hence a new extension host whose worker has not started.
        const workspace = path.join(state, `ws-${family.id}`);
        makeWorkspace(workspace);
        const context = await browser.newContext({ viewport: VIEWPORT });
        page = await context.newPage();
        page.on('pageerror', (e) => console.log(`  [pageerror] ${e.message.slice(0, 200)}`));
        page.on('console', (m) => {
          if (/Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
          // E2E_DIAG=1: what the webviews' frames say (resource loads that failed, service-worker messages).
          else if (process.env.E2E_DIAG && /webview|vscode-cdn|vscode-resource/.test(m.location().url ?? ''))
            console.log(`  [webview console ${m.type()}] ${m.text().slice(0, 300)}`);
        });
        if (process.env.E2E_DIAG) {
          page.on('requestfailed', (r) => console.log(`  [request failed] ${r.url().slice(0, 160)}: ${r.failure()?.errorText}`));
          page.on('response', (r) => r.status() >= 400 && console.log(`  [response ${r.status()}] ${r.url().slice(0, 160)}`));
        }
        const t = ui.driver(page);
        const windowStarted = Date.now();
        await step(`[${family.id}] a fresh window opens the workspace with the extension installed from ${path.basename(group.vsix)}`, async () => {
          await page.goto(`${url}/?folder=${encodeURIComponent(workspace)}`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
          await page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
          await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 90_000 });
          console.log(`  workbench ready after ${Date.now() - windowStarted} ms`);
        });
        const vsix = path.basename(group.vsix);
        await family.run({ page, t, step, workspace, SHOTS, referenceTop5, REFERENCE, vsix, logs: () => resnextLogs(state) });
        await context.close().catch(() => {});
        page = undefined;
      }
      await current.stop();
    }
    await step('no Content-Security-Policy violations', async () => {
      if (cspViolations.length > 0) throw new Error(cspViolations.slice(0, 3).join(' | '));
    });
  } finally {
    await browser?.close().catch(() => {});
    for (const s of servers) {
      await s.stop();
      if (failed === 0 || !process.env.E2E_KEEP) fs.rmSync(s.state, { recursive: true, force: true });
      else console.log(`  kept ${s.state} (server.log, FAIL-*.png)`);
    }
  }
  console.log(
    `e2e: ${passed} passed, ${failed} failed (${((Date.now() - started) / 1000).toFixed(0)} s; screenshots in ${path.relative(ROOT, SHOTS) || SHOTS})`,
  );
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`e2e: ${error instanceof Error ? error.stack : error}`);
    process.exit(1);
  },
);
