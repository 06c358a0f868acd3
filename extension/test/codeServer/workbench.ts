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

/** The workbench's theme kinds, as classes of `.monaco-workbench`. */
export type ThemeKind = 'vs' | 'vs-dark' | 'hc-black' | 'hc-light';

/** Waits until the workbench shows the given theme kind. */
export async function waitForThemeKind(page: Page, kind: ThemeKind): Promise<void> {
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

/** Preferences: Color Theme, picking the theme named `theme` (e.g. "Light High Contrast"); resolves once the workbench shows `kind`. */
export async function pickColorTheme(page: Page, theme: string, kind: ThemeKind): Promise<void> {
  // the command's own row, clicked: Enter could take "Preferences: Browse Color Themes in Marketplace", listed first when used recently
  await page.locator('.monaco-workbench').click({ position: { x: 640, y: 14 } });
  await page.keyboard.press('F1');
  await page.locator('.quick-input-widget input').fill('>Preferences: Color Theme');
  await page.locator('.quick-input-list .monaco-list-row', { has: page.locator('.label-name', { hasText: /^Preferences: Color Theme$/ }) }).first().click();
  // the picker's list renders only the rows in view: filter it to the theme, then click the theme's row
  const picker = page.locator('.quick-input-widget input[placeholder^="Select Color Theme"]');
  await picker.waitFor({ timeout: 15_000 });
  await picker.fill(theme);
  await page.locator('.quick-input-list .monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^${theme}$`) }) }).first().click({ timeout: 15_000 });
  await waitForThemeKind(page, kind);
}

/**
 * Answers code-server's file dialog (VS Code's simple dialog: a quick input holding a path) with
 * `file`, or with the path it suggests; returns the path accepted. The dialog may take a second
 * Enter when the typed path is completed as it is typed.
 */
export async function answerFileDialog(page: Page, file?: string): Promise<string> {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 30_000 });
  // the dialog writes its starting folder into the input once it has listed it: typing before that is overwritten
  await page.waitForFunction(`(document.querySelector('.quick-input-widget input')?.value ?? '').length > 0`, undefined, { timeout: 30_000 });
  // a save dialog writes its folder first and the suggested file name after it (seen in CI): wait for the name
  if (file === undefined) await page.waitForFunction(`!(document.querySelector('.quick-input-widget input')?.value ?? '/').endsWith('/')`, undefined, { timeout: 30_000 }).catch(() => undefined);
  for (let i = 0; file !== undefined && i < 3 && (await input.inputValue()) !== file; i++) {
    await input.fill(file);
    await page.waitForTimeout(500); // the dialog resolves the typed path before it accepts it
  }
  const accepted = await input.inputValue();
  if (file !== undefined && accepted !== file) throw new Error(`The file dialog kept "${accepted}" instead of ${file}.`);
  await page.keyboard.press('Enter');
  await page.waitForTimeout(1_000);
  if (await page.locator('.quick-input-widget').isVisible()) await page.keyboard.press('Enter');
  return accepted;
}
