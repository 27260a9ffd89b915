// The workbench as a person drives it (used by scripts/test-e2e.js): the command palette, the explorer's context
// menu, the webviews' nested frames, and layout measurements inside a webview.

function driver(page) {
  const webview = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');

  /** Opens the palette on `title`, retrying while the remote extension host's contributions are still arriving. */
  async function runCommand(title, retries = 30) {
    const entry = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    // Keys typed while a webview has focus stay in its iframe: give the workbench the focus first.
    await page.evaluate(() => {
      const active = globalThis.document.activeElement;
      if (active && active.tagName === 'IFRAME') active.blur();
    });
    for (let i = 0; ; i++) {
      await page.keyboard.press('F1');
      await page.locator('.quick-input-widget input').waitFor({ timeout: 15_000 });
      await page.keyboard.type(title);
      try {
        await entry.waitFor({ timeout: 2000 });
        break;
      } catch (error) {
        if (i >= retries) throw error;
        await page.keyboard.press('Escape');
        await page.waitForTimeout(1000);
      }
    }
    // Click the entry itself: Enter would run whichever entry the fuzzy match put on top. A webview that is
    // re-laid out under the palette can swallow the click; then Enter, but only if our entry is the focused one.
    try {
      await entry.click({ timeout: 5000 });
    } catch (error) {
      const focused = /\bfocused\b/.test((await entry.getAttribute('class')) ?? '');
      if (!focused) throw error;
      await page.keyboard.press('Enter');
    }
  }

  /** Right-clicks `file` in the explorer and returns the context menu's `item` (retrying while contributions arrive). */
  async function explorerMenu(file, item, retries = 30) {
    const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: file }).first();
    await row.waitFor({ timeout: 15_000 });
    for (let i = 0; ; i++) {
      await row.click({ button: 'right' });
      await page.locator('.context-view .action-item').first().waitFor({ timeout: 15_000 });
      const entry = page.locator('.context-view .action-item', { hasText: item }).first();
      if ((await entry.count()) > 0) return entry;
      if (i >= retries) throw new Error(`the explorer's menu on ${file} has no '${item}'`);
      await page.keyboard.press('Escape');
      await page.waitForTimeout(1000);
    }
  }

  /** The frame (of any webview) that contains `selector`: static webviews have no script to report readiness. */
  async function findFrame(selector, what, timeoutMs = 90_000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      for (const frame of page.frames()) {
        if (
          (await frame
            .locator(selector)
            .count()
            .catch(() => 0)) > 0
        )
          return frame;
      }
      await page.waitForTimeout(500);
    }
    for (const frame of page.frames()) {
      const html = await frame.content().catch((e) => `(${e.message})`);
      console.log(`  frame ${frame.url().slice(0, 120)}: ${html.length} chars: ${html.replace(/\s+/g, ' ').slice(0, 400)}`);
    }
    throw new Error(`${what} did not appear`);
  }

  return { webview, runCommand, explorerMenu, findFrame };
}

/**
 * Inside a webview document: for each table, its right edge, its scroll box's, and the view's width, plus every cell
 * whose text is cut (ellipsis). A table "fits" when it ends inside the view and no cell is cut.
 */
function measureTables(_body, selectors) {
  const doc = globalThis.document;
  const viewWidth = doc.documentElement.clientWidth;
  return selectors.map((selector) => {
    const table = doc.querySelector(selector);
    if (!table) return { selector, missing: true };
    const box = table.parentElement;
    const cut = [...table.querySelectorAll('th, td')]
      .filter((c) => c.getClientRects().length > 0 && c.scrollWidth > c.clientWidth + 1)
      .map((c) => c.textContent.trim())
      .slice(0, 5);
    return {
      selector,
      viewWidth,
      tableRight: Math.round(table.getBoundingClientRect().right),
      tableWidth: Math.round(table.getBoundingClientRect().width),
      boxRight: Math.round(box.getBoundingClientRect().right),
      boxClientWidth: box.clientWidth,
      lastHeaderRight: Math.round(
        [...table.querySelectorAll('thead th')]
          .filter((c) => c.getClientRects().length > 0)
          .pop()
          ?.getBoundingClientRect().right ?? 0,
      ),
      cut,
    };
  });
}

/** Throws unless every measured table ends inside the view and inside its box, with no cell cut. */
function assertFits(measurements) {
  for (const m of measurements) {
    if (m.missing) throw new Error(`${m.selector} is missing`);
    const problems = [];
    if (m.tableRight > m.viewWidth) problems.push(`ends at ${m.tableRight} px, the view is ${m.viewWidth} px wide`);
    if (m.lastHeaderRight > m.viewWidth) problems.push(`its last header ends at ${m.lastHeaderRight} px`);
    if (m.tableWidth > m.boxClientWidth + 1) problems.push(`is ${m.tableWidth} px wide in a ${m.boxClientWidth} px box`);
    if (m.cut.length > 0) problems.push(`cuts ${m.cut.map((c) => `'${c}'`).join(', ')}`);
    if (problems.length > 0) throw new Error(`${m.selector} ${problems.join('; ')}`);
  }
}

module.exports = { driver, measureTables, assertFits };
