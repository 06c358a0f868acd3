import * as fs from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import { writeSceneWorkspace } from '../../../server/test/tools/sceneWorkspace';
import { launchChromium } from './browser';
import { CodeServer } from './codeServer';
import { artifactsDir, REPO_ROOT, testTools } from './testTools';

/**
 * Runs the Mocha suite (extension/test/suite) inside code-server's extension host, the way
 * @vscode/test-electron runs it in VS Code desktop: the workbench takes extensionDevelopmentPath
 * and extensionTestsPath from the URL when code-server runs with enable-smoke-test-driver, and
 * reports Mocha's output and exit code through two functions the page calls. The extension
 * under test is this repository (dist/ from `npm run build`).
 */
const TIMEOUT_MS = 10 * 60_000;

export async function runMochaSuite(): Promise<number> {
  const tools = testTools();
  const server = new CodeServer(tools, 'mocha');
  const workspace = path.join(server.dir, 'workspace');
  await writeSceneWorkspace(workspace, { corrupt: true });
  const log = fs.createWriteStream(path.join(artifactsDir(), 'mocha-in-code-server.log'));
  await server.start();
  const browser = await launchChromium(tools.chromium);
  try {
    const page = await browser.newPage();
    let settle: (code: number) => void = () => undefined;
    const exitCode = new Promise<number>((resolve) => (settle = resolve));
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      const line = format(...args);
      log.write(`[${type}] ${line}\n`);
      // Mocha's reporter logs; the workbench's own warnings (offline gallery, auth) go to the log file only.
      if (type === 'log') process.stdout.write(`${line}\n`);
    });
    await page.exposeFunction('codeAutomationExit', (code: number) => settle(code));
    const remote = (p: string) => `vscode-remote://127.0.0.1:${server.port}${p}`;
    const payload = [
      ['extensionDevelopmentPath', remote(REPO_ROOT)],
      ['extensionTestsPath', remote(path.join(REPO_ROOT, 'out/extension/test/suite/index.js'))],
    ];
    await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    const timeout = new Promise<number>((resolve) => setTimeout(() => resolve(124), TIMEOUT_MS));
    const code = await Promise.race([exitCode, timeout]);
    if (code === 124) console.error(`The Mocha suite did not finish within ${TIMEOUT_MS / 60_000} minutes.`);
    return code;
  } finally {
    await browser.close();
    log.end();
    await server.stop(path.join(artifactsDir(), 'mocha-logs'));
  }
}

if (require.main === module) {
  const started = Date.now();
  runMochaSuite().then(
    (code) => {
      console.log(`Mocha suite in code-server: exit ${code} after ${((Date.now() - started) / 1000).toFixed(0)} s`);
      process.exit(code);
    },
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
