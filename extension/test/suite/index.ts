import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

/**
 * The Mocha entry point VS Code's test runner calls in the extension host (the test-electron
 * convention: `extensionTestsPath` names this file). The same file runs under code-server in CI
 * (extension/test/codeServer/) and under @vscode/test-electron on a desktop (runDesktopTests.ts).
 * SPATIAL_IDS_TEST_GREP narrows the run.
 */
export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 120_000, reporter: 'spec' });
  const grep = process.env.SPATIAL_IDS_TEST_GREP;
  if (grep) mocha.grep(grep);
  for (const f of fs.readdirSync(__dirname).filter((n) => n.endsWith('.test.js')).sort()) mocha.addFile(path.join(__dirname, f));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures ? reject(new Error(`${failures} test(s) failed.`)) : resolve()));
  });
}
