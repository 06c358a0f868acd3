import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { writeSceneWorkspace } from '../../server/test/tools/sceneWorkspace';

/**
 * The Mocha suite in VS Code desktop, through @vscode/test-electron, on a machine that has VS
 * Code: set VSCODE_EXECUTABLE to its binary (e.g. /usr/share/code/code, or on macOS
 * ".../Visual Studio Code.app/Contents/MacOS/Electron"); without it test-electron downloads VS
 * Code, which needs the internet. Run with `npm run test:desktop`.
 */
async function main(): Promise<void> {
  const repo = path.resolve(__dirname, '../../..');
  const workspace = path.join(repo, 'out', 'desktop-test-workspace');
  await writeSceneWorkspace(workspace, { corrupt: true });
  await runTests({
    ...(process.env.VSCODE_EXECUTABLE ? { vscodeExecutablePath: process.env.VSCODE_EXECUTABLE } : {}),
    extensionDevelopmentPath: repo,
    extensionTestsPath: path.join(repo, 'out/extension/test/suite/index.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
  });
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
