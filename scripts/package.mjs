// Packages the extension for this platform (`vsce package --target <platform>-<arch>`): the
// VSIX carries dist/, the bundled model and, from node_modules, only the runtime files of the
// packages kept out of the bundles, with this platform's native binaries alone. The rules are
// .vscodeignore plus re-included paths written to out/vscodeignore-<target>.
// Usage: node scripts/package.mjs [--target linux-x64]   (after `npm run build`)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const arg = process.argv.indexOf('--target');
const target = arg > 0 ? process.argv[arg + 1] : `${process.platform}-${process.arch}`;
const [platform, arch] = target.split('-');

/** Runtime files of the externals (see SERVER_EXTERNALS in bundle.mjs) and their dependencies. */
const runtimeFiles = [
  'node_modules/onnxruntime-node/package.json',
  'node_modules/onnxruntime-node/dist/*.js',
  `node_modules/onnxruntime-node/bin/napi-v*/${platform}/${arch}/**`,
  'node_modules/onnxruntime-common/package.json',
  'node_modules/onnxruntime-common/dist/cjs/**/*.js',
  'node_modules/onnxruntime-common/dist/cjs/package.json',
  'node_modules/sharp/package.json',
  // sharp 0.35 runs from dist/*.cjs (0.34 ran from lib/*.js)
  'node_modules/sharp/dist/*.cjs',
  `node_modules/@img/sharp-${platform}-${arch}/**`,
  `node_modules/@img/sharp-libvips-${platform}-${arch}/**`,
  'node_modules/@img/colour/**/*.{js,cjs,json}',
  'node_modules/detect-libc/**/*.{js,json}',
  'node_modules/semver/**/*.{js,json}',
  'node_modules/@ffmpeg-installer/ffmpeg/package.json',
  'node_modules/@ffmpeg-installer/ffmpeg/index.js',
  'node_modules/@ffmpeg-installer/ffmpeg/lib/verify-file.js',
  `node_modules/@ffmpeg-installer/${platform}-${arch}/**`,
];

for (const needed of ['dist/extension.js', 'dist/server.js', 'dist/webview.js', `node_modules/onnxruntime-node/bin/napi-v6/${platform}/${arch}`, `node_modules/@ffmpeg-installer/${platform}-${arch}`]) {
  if (!existsSync(join(root, needed))) {
    console.error(`package: ${needed} is missing (run \`npm run build\` first; native packages must be installed for ${target}).`);
    process.exit(1);
  }
}

const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
mkdirSync(join(root, 'out'), { recursive: true });
const ignoreFile = join(root, 'out', `vscodeignore-${target}`);
writeFileSync(ignoreFile, `${readFileSync(join(root, '.vscodeignore'), 'utf8')}\n# ${target} runtime files\n${runtimeFiles.map((f) => `!${f}`).join('\n')}\n`);
const vsix = join(root, 'out', `spatial-id-lens-${target}-${version}.vsix`);
const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
execFileSync(process.execPath, [vsce, 'package', '--target', target, '--ignoreFile', ignoreFile, '--out', vsix, '--skip-license', '--allow-missing-repository'], { cwd: root, stdio: 'inherit' });
console.log(`package: ${vsix} (${(statSync(vsix).size / 2 ** 20).toFixed(1)} MiB)`);
