// The import-graph check on a small made-up repository: a module imported only by a test is
// named, a helper under a test folder and type-only, dynamic and re-exported imports are not.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const script = join(dirname(fileURLToPath(import.meta.url)), 'check-test-only-modules.mjs');

function repo(files) {
  const root = mkdtempSync(join(tmpdir(), 'sil-modules-'));
  const entries = ['server/src/rpc/serverMain.ts', 'server/src/cli/main.ts', 'server/src/bench/benchMain.ts', 'extension/src/extension.ts', 'webview/src/main.ts'];
  for (const [path, text] of Object.entries({ ...Object.fromEntries(entries.map((e) => [e, ''])), ...files })) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const check = (root) => spawnSync(process.execPath, [script, root], { encoding: 'utf8' });

test('a module imported only by a test is named; reachable modules and test helpers are not', () => {
  const root = repo({
    'server/src/cli/main.ts': "import { a } from '../lib/a';\nimport type { T } from '../lib/types.js';\nexport * from '../lib/reexported';\nconst later = () => import('../lib/dynamic');\n",
    'server/src/lib/a.ts': "import { b } from './b';\n// import { gone } from './commentedOut';\n",
    'server/src/lib/b.ts': '',
    'server/src/lib/types.ts': '',
    'server/src/lib/reexported.ts': '',
    'server/src/lib/dynamic.ts': '',
    'server/src/lib/commentedOut.ts': '',
    'server/src/lib/twin.ts': '',
    'server/src/lib/twin.test.ts': "import { twin } from './twin';\nimport { help } from '../../test/support/helper';\n",
    'server/test/support/helper.ts': "import { a } from '../../src/lib/a';\n",
    'protocol/index.ts': '',
    'extension/src/extension.ts': "import { x } from '../../protocol/index';\n",
  });
  try {
    const r = check(root);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    const named = r.stderr.split('\n').filter((l) => l.startsWith('  ')).map((l) => l.trim());
    assert.deepEqual(named, ['server/src/lib/commentedOut.ts', 'server/src/lib/twin.ts']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a tree where every source module is reachable passes, and a missing entry point is an error', () => {
  const root = repo({ 'webview/src/main.ts': "import './view';\n", 'webview/src/view.ts': '' });
  try {
    const ok = check(root);
    assert.equal(ok.status, 0, ok.stderr);
    rmSync(join(root, 'server/src/bench/benchMain.ts'));
    const missing = check(root);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /entry point server\/src\/bench\/benchMain.ts is missing/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
