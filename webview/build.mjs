// Bundles the inspector panel for the browser: src/main.ts -> <outdir>/webview.js (one IIFE
// script, no imports left) and, from the panel.css it imports, <outdir>/webview.css. Used by the
// browser tests; scripts/bundle.mjs builds the same entry the same way for packaging.
//   node webview/build.mjs dist [--minify]
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export async function buildWebview({ outdir, minify = false, sourcemap = false } = {}) {
  const esbuild = await import('esbuild');
  await mkdir(outdir, { recursive: true });
  await esbuild.build({
    entryPoints: [path.join(here, 'src', 'main.ts')],
    outfile: path.join(outdir, 'webview.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome114'],
    minify,
    sourcemap: sourcemap ? 'linked' : false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  return { script: path.join(outdir, 'webview.js'), style: path.join(outdir, 'webview.css') };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const outdir = path.resolve(process.argv[2] ?? 'dist');
  const minify = process.argv.includes('--minify');
  buildWebview({ outdir, minify }).then(
    (out) => console.log(`webview: ${path.relative(process.cwd(), out.script)}, ${path.relative(process.cwd(), out.style)}`),
    (error) => {
      console.error(error.message);
      process.exitCode = 1;
    },
  );
}
