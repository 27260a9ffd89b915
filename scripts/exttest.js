// Runs extension integration tests in a running code-server's Node extension host, driven by Debian Chromium:
// VS Code's own browser-test mechanism, `?payload=[["extensionDevelopmentPath",…],["extensionTestsPath",…]]`, and
// `window.codeAutomationExit(code)`, which the workbench calls when the tests' run() settles.
// Usage: node exttest.js <serverUrl> <extensionDevelopmentPath> <extensionTestsPath> <workspaceFolder>
const { chromium } = require('playwright-core');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { CHROMIUM, CHROMIUM_ARGS } = require('./chromium');

const [server, extDev, extTests, folder] = process.argv.slice(2);

(async () => {
  const host = new URL(server).host;
  const remote = (p) => `vscode-remote://${host}${path.resolve(p)}`;
  const payload = JSON.stringify([
    ['extensionDevelopmentPath', remote(extDev)],
    ['extensionTestsPath', remote(extTests)],
    ['skipWelcome', 'true'],
  ]);
  const url = `${server.replace(/\/$/, '')}/?folder=${encodeURIComponent(path.resolve(folder))}&payload=${encodeURIComponent(payload)}`;
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'resnext-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const page = context.pages()[0] ?? (await context.newPage());
  const started = Date.now();
  const exit = new Promise((resolve) => {
    void page.exposeFunction('codeAutomationLog', (type, args) => {
      // code-server asks Open VSX for extension metadata at start; offline that fails, harmlessly.
      if (args.some((a) => typeof a === 'string' && a.includes('ENOTFOUND open-vsx.org'))) return;
      (console[type] ?? console.log)(...args);
    });
    void page.exposeFunction('codeAutomationExit', (code) => resolve(code));
  });
  page.on('console', (m) => {
    if (process.env.VERBOSE) console.log('[browser]', m.text());
  });
  await page.goto(url);
  const timeoutMs = Number(process.env.EXTTEST_TIMEOUT_MS ?? 300_000);
  const code = await Promise.race([exit, new Promise((resolve) => setTimeout(() => resolve('timeout'), timeoutMs))]);
  if (code !== 0 && process.env.SHOT) await page.screenshot({ path: process.env.SHOT }).catch(() => {});
  console.log(`exttest: codeAutomationExit(${code}) after ${Date.now() - started} ms`);
  await context.close();
  fs.rmSync(profile, { recursive: true, force: true });
  process.exit(code === 0 ? 0 : 1);
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
