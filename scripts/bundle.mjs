// Bundles the three programs the VSIX runs (after `tsc -b` has type-checked them):
//   dist/extension.js  extension host (node, cjs; `vscode` is provided by the editor)
//   dist/server.js     inference server (node, cjs; native and binary-carrying packages stay
//                      in node_modules inside the VSIX, see scripts/package.mjs)
//   dist/webview.js    inspector page (browser, iife)
// Every entry is required: a missing one fails the build with the file it needs.
import * as esbuild from 'esbuild';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const production = process.argv.includes('--production');

/** Kept out of the server bundle: native addons and packages that locate binaries relative to themselves. */
export const SERVER_EXTERNALS = ['onnxruntime-node', 'sharp', '@ffmpeg-installer/ffmpeg', '@ffmpeg-installer/*'];

const common = { bundle: true, sourcemap: true, minify: production, logLevel: 'warning', absWorkingDir: root };
const bundles = [
  { name: 'extension', entry: 'extension/src/extension.ts', options: { platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'] } },
  { name: 'server', entry: 'server/src/rpc/serverMain.ts', options: { platform: 'node', format: 'cjs', target: 'node20', external: SERVER_EXTERNALS } },
  { name: 'webview', entry: 'webview/src/main.ts', options: { platform: 'browser', format: 'iife', target: 'es2022' } },
];

const missing = bundles.filter((b) => !existsSync(join(root, b.entry)));
for (const b of bundles.filter((x) => !missing.includes(x))) {
  rmSync(join(root, 'dist', `${b.name}.css`), { force: true });
  await esbuild.build({ ...common, ...b.options, entryPoints: [b.entry], outfile: `dist/${b.name}.js` });
}
if (missing.length) {
  console.error(`bundle: missing entry point(s): ${missing.map((b) => `${b.entry} (dist/${b.name}.js)`).join(', ')}. The others were bundled.`);
  process.exit(1);
}
