// Renders media/icon.svg to media/icon.png (128x128, the Marketplace's icon size) with Debian's Chromium.
// Run by hand after editing the SVG: node scripts/make-icon.js. The PNG is committed; packaging does not need Chromium.
const { chromium } = require('playwright-core');
const fs = require('node:fs');
const path = require('node:path');

(async () => {
  const svg = fs.readFileSync(path.join(__dirname, '..', 'media', 'icon.svg'), 'utf8');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  const page = await browser.newPage({ viewport: { width: 128, height: 128 } });
  await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
  await page.locator('svg').screenshot({ path: path.join(__dirname, '..', 'media', 'icon.png'), omitBackground: true });
  await browser.close();
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
