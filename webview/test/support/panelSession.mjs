// Shared set-up of the panel's browser tests: one bundled site, one static server and one
// browser per test file, and the helpers that drive the panel through its stub host.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { buildSite, launchBrowser, openPanel, serve } from './harness.mjs';

let site;
let server;
let browser;

/** Registers the file's before/after hooks: bundle, serve and launch once per file. */
export function usePanelSite() {
  before(async () => {
    site = await buildSite();
    server = await serve(site.dir);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await site?.cleanup();
  });
}

/** Opens the panel, runs `body`, then checks that nothing broke the CSP or threw. */
export async function withPanel(config, body, viewport) {
  const panel = await openPanel(browser, server.url, config, viewport);
  try {
    await body(panel.page, panel);
    const violations = await panel.page.evaluate(() => window.__stub.violations);
    assert.deepEqual(violations, [], 'no Content-Security-Policy violations');
    assert.deepEqual(panel.errors, [], 'no page or console errors');
  } finally {
    await panel.close();
  }
}

export const requests = (page, method) => page.evaluate((m) => window.__stub.requests(m), method);
export const sentOfType = (page, type) => page.evaluate((t) => window.__stub.ofType(t), type);

export async function run(page) {
  await page.click('vscode-button[data-action=run]');
  await page.waitForSelector('[data-answer=current]');
  await page.waitForSelector('.main-figure .heat-argmax');
}

export async function setLayer(page, layer) {
  await page.evaluate((l) => {
    const input = document.querySelector('input[data-control=layer]');
    input.value = String(l);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }, layer);
}

/** Sets a form control (the first match of `selector`) as a user would, announced by its change event. */
export async function setField(page, selector, value) {
  await page.evaluate(([sel, v]) => {
    const field = document.querySelector(sel);
    field.value = v;
    field.dispatchEvent(new Event('change'));
  }, [selector, value]);
}

/** The main overlay: argmax cell and each cell's value. */
export const mainHeatmap = (page) =>
  page.evaluate(() => ({
    argmax: Number(document.querySelector('.main-figure .heat-argmax')?.getAttribute('data-cell')),
    values: [...document.querySelectorAll('.main-figure .heat-cell')].map((r) => Number(r.getAttribute('data-value'))),
    fills: [...document.querySelectorAll('.main-figure .heat-cell')].map((r) => r.getAttribute('fill')),
  }));

export async function exportFrom(page, card, format) {
  const before = (await sentOfType(page, 'exportFile')).length;
  await page.click(`[data-card=${card}] button[data-export=${format}]`);
  await page.waitForFunction((n) => window.__stub.ofType('exportFile').length > n, before);
  const files = await sentOfType(page, 'exportFile');
  return files[files.length - 1].body;
}
