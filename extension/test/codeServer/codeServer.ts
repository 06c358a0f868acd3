import { spawn, execFile, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { TestTools } from './testTools';

const run = promisify(execFile);

export type ColorTheme = 'Default Light Modern' | 'Default Dark Modern';

/** User settings for a quiet, deterministic workbench. */
function userSettings(theme: ColorTheme): object {
  return {
    'workbench.colorTheme': theme,
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'update.mode': 'none',
    'security.workspace.trust.enabled': false,
    'chat.disableAIFeatures': true,
    'window.commandCenter': false,
    // The chat side bar would take a third of the 1280 px screenshots.
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * One code-server (VS Code in the browser, with a Node extension host) on 127.0.0.1 with
 * throw-away user-data and extensions folders under a temp dir (../shared/VSCODE-TESTING.md).
 * `stop` kills it, which ends its extension host and our inference server with it.
 */
export class CodeServer {
  private child: ChildProcess | undefined;
  readonly dir: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  private readonly configFile: string;
  readonly logFile: string;
  port = 0;

  constructor(private readonly tools: TestTools, label: string) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `sil-${label}-`));
    this.userDataDir = path.join(this.dir, 'user-data');
    this.extensionsDir = path.join(this.dir, 'extensions');
    this.configFile = path.join(this.dir, 'config.yaml');
    this.logFile = path.join(this.dir, 'code-server.log');
    fs.mkdirSync(path.join(this.userDataDir, 'User'), { recursive: true });
    fs.mkdirSync(this.extensionsDir, { recursive: true });
    this.setTheme('Default Light Modern');
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private get baseArgs(): string[] {
    return [this.tools.codeServerEntry, '--config', this.configFile, '--user-data-dir', this.userDataDir, '--extensions-dir', this.extensionsDir];
  }

  /** User settings: written before start (a running workbench does not reliably pick up a rewrite). */
  setTheme(theme: ColorTheme): void {
    fs.writeFileSync(path.join(this.userDataDir, 'User', 'settings.json'), JSON.stringify(userSettings(theme), null, 2));
  }

  async installExtension(vsix: string): Promise<void> {
    fs.writeFileSync(this.configFile, 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
    await run(this.tools.node24, [...this.baseArgs, '--install-extension', vsix], { timeout: 120_000 });
  }

  async start(): Promise<void> {
    this.port = await freePort();
    fs.writeFileSync(this.configFile, `bind-addr: 127.0.0.1:${this.port}\nauth: none\ncert: false\n`);
    const log = fs.openSync(this.logFile, 'a');
    this.child = spawn(
      this.tools.node24,
      [...this.baseArgs, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override', '--vscode-option', 'enable-smoke-test-driver'],
      { stdio: ['ignore', log, log], env: { ...process.env, PATH: `${path.dirname(this.tools.node24)}:${process.env.PATH}` } },
    );
    fs.closeSync(log);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`code-server exited with ${this.child.exitCode}; see ${this.logFile}`);
      try {
        if ((await fetch(`${this.url}/healthz`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`code-server did not answer /healthz within 60 s; see ${this.logFile}`);
  }

  /** Process ids of the inference servers under this code-server (children running dist/server.js). */
  inferenceServerPids(): number[] {
    const pids: number[] = [];
    for (const entry of fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
      try {
        const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
        if (cmdline.includes(`${path.sep}dist${path.sep}server.js`) && cmdline.includes(this.extensionsDir)) pids.push(Number(entry));
      } catch {
        // the process ended meanwhile
      }
    }
    return pids;
  }

  /** Stops code-server, keeps its logs under `keepLogsIn`, and removes the throw-away folders. */
  async stop(keepLogsIn?: string): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (keepLogsIn) {
      fs.cpSync(this.logFile, path.join(keepLogsIn, 'code-server.log'), { force: true });
      const logs = path.join(this.userDataDir, 'logs');
      if (fs.existsSync(logs)) fs.cpSync(logs, path.join(keepLogsIn, 'vscode-logs'), { recursive: true, force: true });
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
