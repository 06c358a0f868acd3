// Browser harness for the panel: bundles the webview and the stub host into a temporary site,
// serves it on 127.0.0.1 with a strict CSP (the one the extension host uses, with 'self' for
// the webview's resource origin), and opens it in Debian's chromium through playwright-core.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWebview } from '../../build.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const webviewRoot = path.resolve(here, '..', '..');
export const repoRoot = path.resolve(webviewRoot, '..');
export const artifactsDir = path.join(repoRoot, 'test-artifacts', 'webview');

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** The Content-Security-Policy of the test page: what the extension host should send (cspSource = 'self' here). */
export function contentSecurityPolicy(nonce) {
  return [
    "default-src 'none'",
    "img-src 'self' data:",
    `style-src 'self' 'nonce-${nonce}'`,
    `script-src 'nonce-${nonce}'`,
    "font-src 'self'",
  ].join('; ');
}

const OBJECTS = {
  'red circle': { x: 0, y: 1, frame: 1, draw: (cx, cy, r) => `<circle cx="${cx}" cy="${cy}" r="${r}" fill="#d93025"/>` },
  'blue square': { x: 3, y: 2, frame: 5, draw: (cx, cy, r) => `<rect x="${cx - r}" y="${cy - r}" width="${2 * r}" height="${2 * r}" fill="#1a73e8"/>` },
  'green triangle': { x: 1, y: 3, frame: 3, draw: (cx, cy, r) => `<polygon points="${cx},${cy - r} ${cx + r},${cy + r} ${cx - r},${cy + r}" fill="#188038"/>` },
  'yellow star': { x: 2, y: 0, frame: 6, draw: (cx, cy, r) => `<polygon points="${star(cx, cy, r)}" fill="#f9ab00"/>` },
};

function star(cx, cy, r) {
  const pts = [];
  for (let i = 0; i < 10; i++) {
    const a = -Math.PI / 2 + (i * Math.PI) / 5;
    const rr = i % 2 === 0 ? r : r * 0.45;
    pts.push(`${(cx + rr * Math.cos(a)).toFixed(1)},${(cy + rr * Math.sin(a)).toFixed(1)}`);
  }
  return pts.join(' ');
}

/** A 448x448 scene: a 4x4 grid of 112 px cells with the objects in their cells (or, for a frame, those that appear in it). */
function sceneSvg(frame) {
  const cell = 112;
  const shapes = Object.values(OBJECTS)
    .filter((o) => frame === undefined || o.frame === frame)
    .map((o) => o.draw(o.x * cell + cell / 2, o.y * cell + cell / 2, 34))
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="448" height="448" viewBox="0 0 448 448"><rect width="448" height="448" fill="#f4f1ea"/>${shapes}</svg>\n`;
}

/** Builds the test site into a fresh temporary folder; returns its path and nonce. */
export async function buildSite() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sil-webview-'));
  await buildWebview({ outdir: dir, minify: true });
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [path.join(webviewRoot, 'test', 'fixtures', 'stubHost.ts')],
    outfile: path.join(dir, 'stub-host.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome114'],
    minify: true,
    logLevel: 'warning',
  });
  const nonce = randomBytes(16).toString('base64');
  const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="webview.css">
<title>Spatial IDs</title>
</head>
<body>
<div id="app"></div>
<script nonce="${nonce}" src="stub-host.js"></script>
<script nonce="${nonce}" src="webview.js"></script>
</body>
</html>
`;
  await writeFile(path.join(dir, 'index.html'), html);
  await writeFile(path.join(dir, 'scene.svg'), sceneSvg());
  for (let f = 0; f < 8; f++) await writeFile(path.join(dir, `frame-${f}.svg`), sceneSvg(f));
  await writeFile(path.join(dir, 'corrupt.png'), Buffer.from('89504e470d0a1a0a0000000d4948445200', 'hex'));
  return { dir, nonce, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };

export async function serve(dir) {
  const server = createServer(async (req, res) => {
    const name = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/+/, '') || 'index.html';
    const file = path.join(dir, name);
    if (name === 'favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(await readFile(file));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/index.html`, close: () => new Promise((resolve) => server.close(resolve)) };
}

export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) throw new Error(`No chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/**
 * Opens the panel with a stub host configured by `config` (see test/fixtures/stubHost.ts) and
 * waits for init to render. Page errors and console errors are collected in `errors`.
 */
export async function openPanel(browser, url, config = {}, viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  await page.addInitScript((cfg) => {
    window.__stubConfig = cfg;
  }, config);
  await page.goto(url);
  await page.waitForSelector('.media-title:not(:empty)');
  return { page, context, errors, close: () => context.close() };
}

export async function saveArtifact(name, data) {
  await mkdir(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, name);
  await writeFile(file, data);
  return file;
}
