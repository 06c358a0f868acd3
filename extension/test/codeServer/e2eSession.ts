import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './browser';
import { CodeServer } from './codeServer';
import { artifactsDir, packagedVsix, testTools } from './testTools';
import { waitForWorkbench } from './workbench';

/**
 * One end-to-end file's session: a fresh code-server with the packaged VSIX on a workspace the
 * file writes, a browser page on it at 1280x800, stopped after the file (logs kept under
 * test-artifacts/vscode/<name>-logs); screenshots prefixed with the file's name; steps that leave
 * a screenshot when they fail. Registers its own before/after hooks.
 */
export interface E2eSession {
  readonly server: CodeServer;
  readonly browser: Browser;
  readonly page: Page;
  readonly workspace: string;
  /** A screenshot of the whole workbench: test-artifacts/vscode/<prefix><name>.png. */
  shot(name: string): Promise<Buffer>;
  /** A test that leaves a FAILED screenshot when it throws. */
  step(name: string, fn: () => Promise<void>): void;
  /** Another window on the same workspace: the page closed, a new one open with its own extension host. */
  reopenWindow(): Promise<Page>;
}

export function e2eSession(opts: { tag: string; shotPrefix?: string; logs: string; writeWorkspace: (dir: string, server: CodeServer) => Promise<string> | string; statusText?: string; ready?: (page: Page, workspace: string) => void }): E2eSession {
  const prefix = opts.shotPrefix ?? '';
  const s = {} as { server: CodeServer; browser: Browser; page: Page; workspace: string };
  const openPage = async () => {
    s.page = await s.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await s.page.goto(`${s.server.url}/?folder=${encodeURIComponent(s.workspace)}`);
    await waitForWorkbench(s.page, opts.statusText);
    return s.page;
  };
  before(async () => {
    const tools = testTools();
    s.server = new CodeServer(tools, opts.tag);
    s.workspace = await opts.writeWorkspace(path.join(s.server.dir, 'workspace'), s.server);
    await s.server.installExtension(packagedVsix());
    await s.server.start();
    s.browser = await launchChromium(tools.chromium);
    opts.ready?.(await openPage(), s.workspace);
  });
  after(async () => {
    await s.browser?.close();
    await s.server?.stop(path.join(artifactsDir(), opts.logs));
  });
  const shot = (name: string) => s.page.screenshot({ path: path.join(artifactsDir(), `${prefix}${name}.png`) });
  return {
    get server() {
      return s.server;
    },
    get browser() {
      return s.browser;
    },
    get page() {
      return s.page;
    },
    get workspace() {
      return s.workspace;
    },
    shot,
    async reopenWindow() {
      await s.page.close();
      return openPage();
    },
    step(name, fn) {
      test(name, async () => {
        try {
          await fn();
        } catch (e) {
          await shot(`FAILED-${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`).catch(() => undefined);
          throw e;
        }
      });
    },
  };
}
