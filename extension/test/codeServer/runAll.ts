import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { runMochaSuite } from './runMochaSuite';

/**
 * The real-editor tests of `npm test` (after `npm run package`): the Mocha suite inside
 * code-server's extension host, then the end-to-end browser test against the packaged VSIX.
 * Both always run; the exit code is non-zero when either fails.
 */
async function main(): Promise<number> {
  let started = Date.now();
  const mocha = await runMochaSuite().catch((e: unknown) => (console.error(e), 1));
  console.log(`Mocha suite in code-server: ${mocha === 0 ? 'passed' : `FAILED (exit ${mocha})`} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  started = Date.now();
  const e2e = spawnSync(process.execPath, ['--test', '--test-reporter=spec', path.join(__dirname, 'inspectPanel.e2e.js')], { stdio: 'inherit' }).status ?? 1;
  console.log(`End-to-end test in code-server: ${e2e === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(0)} s; screenshots and logs in test-artifacts/`);
  return mocha || e2e;
}

main().then((code) => process.exit(code));
