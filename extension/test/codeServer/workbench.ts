import type { Frame, Page } from 'playwright-core';

/** Playwright helpers for VS Code's workbench as code-server serves it. */

/**
 * The workbench is up with the explorer listing the workspace and our extension running: its
 * status bar item shows the model name. (The remote extension host registers contributed menus
 * after the explorer first paints; right-clicking earlier gives a menu without our entry.)
 */
export async function waitForWorkbench(page: Page, statusText = 'tiny-spatial-vlm'): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
  await page.locator('.statusbar-item', { hasText: statusText }).first().waitFor({ timeout: 60_000 });
}

/** Right-clicks a file in the explorer and picks a context-menu entry. */
export async function explorerContextMenu(page: Page, fileName: string, entry: string): Promise<void> {
  const row = page.locator('.explorer-folders-view .monaco-list-row', { has: page.locator('.label-name', { hasText: fileName }) });
  await row.first().click({ button: 'right' });
  // The menu lives in a shadow root; role locators pierce it.
  const item = page.getByRole('menuitem', { name: entry, exact: true });
  await item.click();
  // Under load the menu can swallow the click and stay open with the entry highlighted
  // (seen in CI): Enter then activates the highlighted entry, as a keyboard user would.
  await page.waitForTimeout(500);
  if (await item.isVisible().catch(() => false)) {
    await item.hover();
    await page.keyboard.press('Enter');
  }
}

/**
 * Explorer > Inspect Spatial IDs on a file, until its panel's tab shows. Retried because other
 * extensions still registering menu entries can re-render the open menu under the click.
 */
export async function inspectFromExplorer(page: Page, fileName: string, attempts = 3): Promise<void> {
  const tab = page.locator('.tabs-container .tab', { hasText: `Spatial IDs: ${fileName}` });
  for (let i = 1; ; i++) {
    await explorerContextMenu(page, fileName, 'Inspect Spatial IDs');
    try {
      await tab.first().waitFor({ timeout: 15_000 });
      return;
    } catch (e) {
      if (i >= attempts) throw e;
      await page.keyboard.press('Escape');
    }
  }
}

/**
 * The frame of a webview whose document contains `selector`: VS Code nests each webview in two
 * iframes (the host page and the active frame with our HTML). `exclude` skips frames already seen
 * (another panel).
 */
export async function webviewFrame(page: Page, selector: string, opts: { timeoutMs?: number; exclude?: Frame[] } = {}): Promise<Frame> {
  const end = Date.now() + (opts.timeoutMs ?? 60_000);
  while (Date.now() < end) {
    for (const frame of page.frames()) {
      if (opts.exclude?.includes(frame) || frame.isDetached()) continue;
      const found = await frame.$(selector).catch(() => null);
      if (found) return frame;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`No webview showed ${selector} within ${(opts.timeoutMs ?? 60_000) / 1000} s.`);
}

/** Waits until the workbench shows the given theme kind. */
export async function waitForThemeKind(page: Page, kind: 'vs' | 'vs-dark'): Promise<void> {
  // Page-side code as a string: this file is type-checked for Node, without DOM types.
  await page.waitForFunction(`document.querySelector('.monaco-workbench')?.classList.contains(${JSON.stringify(kind)}) ?? false`, undefined, { timeout: 30_000 });
}

/** Runs a command from the command palette by its title. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.locator('.monaco-workbench').click({ position: { x: 640, y: 14 } }); // focus the workbench, not a webview
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
}

/**
 * Spatial IDs: Select Model... from the palette, picking the entry labelled `label` (a folder
 * name from `spatialIds.modelPaths`). Resolves once the status bar names that model and its
 * "Loading" progress is gone; fails with the extension's message when it could not load it (the
 * status bar then goes back to the previous model). The "loaded" toast is not waited for: an
 * information toast hides itself after a few seconds, before a slow poll may see it.
 */
export async function selectModel(page: Page, label: string, timeoutMs = 120_000): Promise<void> {
  await runCommand(page, 'Spatial IDs: Select Model...');
  const row = page.locator('.quick-input-list .monaco-list-row', { has: page.locator('.label-name', { hasText: label }) });
  await row.first().waitFor({ timeout: 30_000 });
  await row.first().click();
  const toast = (text: string) => page.locator('.notifications-toasts .notification-toast', { hasText: text });
  await page.locator('.statusbar-item', { hasText: label }).first().waitFor({ timeout: timeoutMs });
  await toast(`Loading ${label}`).first().waitFor({ state: 'hidden', timeout: timeoutMs });
  // a model that fails to load is put back before the progress ends, then the error is shown
  const kept = await page.locator('.statusbar-item', { hasText: label }).first().waitFor({ timeout: 5_000 }).then(() => true, () => false);
  const failed = toast('Spatial IDs: could not load').first();
  if (!kept || (await failed.isVisible())) throw new Error(`Select Model... did not load ${label}: ${(await failed.textContent({ timeout: 5_000 }).catch(() => null)) ?? 'the status bar went back to the previous model'}`);
}
