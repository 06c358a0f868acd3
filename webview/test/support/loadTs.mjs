// Loads a webview TypeScript module in Node for unit tests of its pure logic: esbuild bundles it
// (types stripped, imports inlined) into a temporary ES module, which is then imported.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const webviewRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function loadTs(relativePath) {
  const esbuild = await import('esbuild');
  const out = await esbuild.build({
    entryPoints: [path.join(webviewRoot, relativePath)],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    write: false,
    logLevel: 'warning',
  });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sil-webview-unit-'));
  const file = path.join(dir, 'module.mjs');
  await writeFile(file, out.outputFiles[0].text);
  try {
    return await import(pathToFileURL(file).href);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
