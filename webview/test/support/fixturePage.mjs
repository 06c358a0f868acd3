import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { launchBrowser, serve, webviewRoot } from './harness.mjs';

/**
 * A page of one view under test, outside the panel: the fixture entry `test/fixtures/<entry>`
 * bundled with the panel's CSS into a served folder (with any `files` beside it), a browser for
 * the file's tests, and `page()` opening a fresh 800x600 page once the fixture has set
 * `window[ready]`. Registers its own before/after hooks.
 */
export function useFixturePage(entry, ready, files = {}) {
  let dir;
  let server;
  let browser;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sil-fixture-'));
    const esbuild = await import('esbuild');
    await esbuild.build({ entryPoints: [path.join(webviewRoot, 'test/fixtures', entry)], outfile: path.join(dir, 'page.js'), bundle: true, format: 'iife', platform: 'browser', target: ['chrome114'], logLevel: 'warning' });
    await copyFile(path.join(webviewRoot, 'src/panel.css'), path.join(dir, 'webview.css'));
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
    await writeFile(path.join(dir, 'index.html'), '<!DOCTYPE html><html><head><meta charset="UTF-8"><link rel="stylesheet" href="webview.css"></head><body><div id="app"></div><script src="page.js"></script></body></html>');
    server = await serve(dir);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return async function page() {
    const context = await browser.newContext({ viewport: { width: 800, height: 600 }, deviceScaleFactor: 1 });
    const p = await context.newPage();
    const errors = [];
    p.on('pageerror', (e) => errors.push(e.message));
    await p.goto(server.url);
    await p.waitForFunction((name) => window[name] !== undefined, ready);
    return { p, errors, close: () => context.close() };
  };
}
