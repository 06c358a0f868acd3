import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { runMochaSuite } from './runMochaSuite';

/**
 * The real-editor tests of `npm test` (after `npm run package`): the Mocha suite inside
 * code-server's extension host, then the end-to-end browser tests against the packaged VSIX (the
 * bundled model's, a family twin's, then issue 18's panel truths). All always run; the exit code is non-zero when any fails.
 */
async function main(): Promise<number> {
  let started = Date.now();
  const mocha = await runMochaSuite().catch((e: unknown) => (console.error(e), 1));
  console.log(`Mocha suite in code-server: ${mocha === 0 ? 'passed' : `FAILED (exit ${mocha})`} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  // the bundled model's end-to-end test, then a family twin's (Select Model..., free names, its
  // token grid), then issue 18's panel-truth test (whole answers, unknown words, keyboard, Cancel, replay, high contrast)
  let failed = 0;
  for (const [what, file] of [
    ['End-to-end test', 'inspectPanel.e2e.js'],
    ['Family-twin end-to-end test', 'familyTwin.e2e.js'],
    ['Panel-truth end-to-end test', 'panelTruth.e2e.js'],
  ]) {
    started = Date.now();
    const code = spawnSync(process.execPath, ['--test', '--test-reporter=spec', path.join(__dirname, file)], { stdio: 'inherit' }).status ?? 1;
    console.log(`${what} in code-server: ${code === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(0)} s; screenshots and logs in test-artifacts/`);
    failed ||= code;
  }
  return mocha || failed;
}

main().then((code) => process.exit(code));
