#!/usr/bin/env node
// Fails when a module under a source folder is reachable only from tests: such a module is
// either a dead twin of live code or a test helper that belongs under a test folder, and
// either way it ships in out/ and dist/ without a production caller.
// Walks the relative imports (static, dynamic, re-exports, `import type` too: a types module
// read by production code is production code) from the production entry points.
// Usage: node scripts/check-test-only-modules.mjs [repository root]
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));

const entryPoints = [
  'server/src/rpc/serverMain.ts',
  'server/src/cli/main.ts',
  'server/src/bench/benchMain.ts',
  'extension/src/extension.ts',
  'webview/src/main.ts',
];

// Folders whose modules must all be reachable from an entry point (tests excepted).
const sourceFolders = ['server/src', 'extension/src', 'webview/src', 'protocol'];

const isTest = (file) => /\.test\.(ts|mts|mjs)$/.test(file) || file.split('/').includes('test');

function listSources(folder) {
  const out = [];
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules') continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ts|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
    }
  };
  walk(join(root, folder));
  return out;
}

// `from './x.js'`, `import './x'`, `import('./x')`, `require('./x')`: relative specifiers only.
const specifierPattern =
  /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"](\.{1,2}\/[^'"]*)['"]/g;

function resolveSpecifier(fromFile, specifier) {
  const base = resolve(dirname(fromFile), specifier);
  const stem = base.replace(/\.(js|mjs|cjs)$/, '');
  const candidates = [base, `${stem}.ts`, `${stem}.mts`, join(base, 'index.ts')];
  return candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
}

function importsOf(file) {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|(^|[^:'"`])\/\/.*$/gm, '$1');
  const found = [];
  for (const match of text.matchAll(specifierPattern)) {
    const target = resolveSpecifier(file, match[1]);
    if (target !== undefined) found.push(target);
  }
  return found;
}

const reachable = new Set();
const queue = entryPoints.map((entry) => join(root, entry));
for (const entry of queue) {
  if (!existsSync(entry)) {
    console.error(`check-test-only-modules: entry point ${relative(root, entry)} is missing; update the list in this script.`);
    process.exit(2);
  }
}
while (queue.length > 0) {
  const file = queue.pop();
  if (reachable.has(file)) continue;
  reachable.add(file);
  if (/\.(ts|mts)$/.test(file)) queue.push(...importsOf(file));
}

const offenders = sourceFolders
  .flatMap(listSources)
  .map((file) => relative(root, file).split(sep).join('/'))
  .filter((file) => !isTest(file) && !reachable.has(join(root, file)))
  .sort();

if (offenders.length > 0) {
  console.error(
    `${offenders.length} module(s) under a source folder are not reachable from any production entry point ` +
      `(${entryPoints.join(', ')}):\n` +
      offenders.map((file) => `  ${file}`).join('\n') +
      '\nDelete a dead module, or move a test helper under a test folder (e.g. server/test/support/).',
  );
  process.exit(1);
}
console.log(`check-test-only-modules: every module under ${sourceFolders.join(', ')} is reachable from production (${reachable.size} modules).`);
