import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  State,
  TransportKind,
  WorkDoneProgress,
  type CloseHandlerResult,
  type ErrorHandler,
  type ErrorHandlerResult,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import type { RequestType, RequestType0 } from 'vscode-languageserver-protocol';
import { serverProcessId } from '../../../protocol/initialize';
import { RestartPolicy } from './restartPolicy';
import type { ServerStateChange } from '../../../protocol/webview';

/** A `$/progress` report from the server: what it is doing and how far (0-100). */
export interface ServerProgress {
  message?: string;
  percentage?: number;
}

/**
 * The inference server process, seen from the extension: a LanguageClient over node IPC,
 * started on first use (activation stays cheap), restarted after a crash with bounded retries,
 * logging to the "Spatial IDs" output channel. `generation` counts successful starts so that
 * state kept in the server (the loaded model) can be re-established after a restart.
 */
export class InferenceServer implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private starting: Promise<LanguageClient> | undefined;
  private current: ServerStateChange = { state: 'stopped' };
  private readonly restarts = new RestartPolicy();
  private readonly stateEmitter = new vscode.EventEmitter<ServerStateChange>();
  private readonly disposables: vscode.Disposable[] = [this.stateEmitter];
  /** Incremented each time the server reaches Running. */
  generation = 0;

  readonly onDidChangeState = this.stateEmitter.event;

  constructor(
    private readonly serverModule: string,
    readonly log: vscode.LogOutputChannel,
  ) {}

  get state(): ServerStateChange {
    return this.current;
  }

  /** The running client, starting the server if needed. */
  ensureStarted(): Promise<LanguageClient> {
    if (this.client?.isRunning()) return Promise.resolve(this.client);
    // While the client restarts itself after a crash, wait for it rather than starting another.
    if (this.client && this.current.state === 'restarting') return this.waitForRunning(this.client);
    this.starting ??= this.start().finally(() => (this.starting = undefined));
    return this.starting;
  }

  async request<P, R>(type: RequestType<P, R, void>, params: P, token?: vscode.CancellationToken): Promise<R> {
    const client = await this.ensureStarted();
    return token ? client.sendRequest(type, params, token) : client.sendRequest(type, params);
  }

  /**
   * A request whose `$/progress` reports (the server sends them for a workDoneToken) are passed
   * to `onProgress`, so long work shows the server's own progress in the notification.
   */
  async requestWithProgress<P extends object, R>(type: RequestType<P, R, void>, params: P, token: vscode.CancellationToken | undefined, onProgress: (report: ServerProgress) => void): Promise<R> {
    const client = await this.ensureStarted();
    const workDoneToken = randomUUID();
    const subscription = client.onProgress(WorkDoneProgress.type, workDoneToken, (value) => {
      if (value.kind !== 'end') onProgress({ ...(value.message ? { message: value.message } : {}), ...(value.percentage !== undefined ? { percentage: value.percentage } : {}) });
    });
    try {
      const withToken = { ...params, workDoneToken };
      return await (token ? client.sendRequest(type, withToken, token) : client.sendRequest(type, withToken));
    } finally {
      subscription.dispose();
    }
  }

  async request0<R>(type: RequestType0<R, void>, token?: vscode.CancellationToken): Promise<R> {
    const client = await this.ensureStarted();
    return token ? client.sendRequest(type, token) : client.sendRequest(type);
  }

  /** The Restart Inference Server command: a fresh process and a fresh crash budget. */
  async restart(): Promise<void> {
    this.restarts.reset();
    const client = this.client;
    this.client = undefined;
    if (client) {
      this.setState({ state: 'restarting' });
      await client.dispose(5000).catch((e: unknown) => this.log.warn(`Stopping the server: ${String(e)}`));
    }
    await this.ensureStarted();
  }

  /** The server's process id, as it reported it when initialised (for tests that kill it to check recovery). */
  get pid(): number | undefined {
    return serverProcessId(this.client?.initializeResult);
  }

  private async start(): Promise<LanguageClient> {
    this.setState({ state: 'starting' });
    const client = this.createClient();
    this.client = client;
    try {
      await client.start();
    } catch (e) {
      const message = `The inference server did not start: ${e instanceof Error ? e.message : String(e)}`;
      this.log.error(message);
      if (this.client === client) this.client = undefined;
      await client.dispose(2000).catch(() => undefined);
      this.setState({ state: 'stopped', message });
      throw new Error(message);
    }
    return client;
  }

  private createClient(): LanguageClient {
    // onnxruntime-node's telemetry off before the server can load it (the server sets it too):
    // the client merges this over the editor's environment.
    const env = { ORT_DISABLE_TELEMETRY: '1' };
    const run = { module: this.serverModule, transport: TransportKind.ipc, options: { env } };
    const serverOptions: ServerOptions = { run, debug: { ...run, options: { env, execArgv: ['--nolazy', '--inspect=6019'] } } };
    const clientOptions: LanguageClientOptions = {
      // No documents: the server answers our custom requests only.
      documentSelector: [],
      outputChannel: this.log,
      errorHandler: this.errorHandler(),
      initializationFailedHandler: (error) => {
        this.log.error(`Server initialisation failed: ${String(error)}`);
        return false;
      },
    };
    const client = new LanguageClient('spatialIds', 'Spatial IDs inference server', serverOptions, clientOptions);
    client.onDidChangeState(({ newState }) => {
      if (this.client !== client) return;
      if (newState === State.Running) {
        this.generation++;
        this.setState({ state: 'running' });
      } else if (newState === State.Starting && this.current.state !== 'restarting') {
        this.setState({ state: 'starting' });
      }
    });
    return client;
  }

  private errorHandler(): ErrorHandler {
    return {
      error: (error, _message, count): ErrorHandlerResult => {
        this.log.error(`Connection error: ${error.message}`);
        return { action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown, handled: true };
      },
      closed: (): CloseHandlerResult => {
        if (this.restarts.recordCrash()) {
          this.log.warn('The inference server stopped; restarting it.');
          this.setState({ state: 'restarting', message: 'The inference server stopped unexpectedly; restarting.' });
          return { action: CloseAction.Restart, handled: true };
        }
        const message = `The inference server stopped ${this.restarts.maxRestarts + 1} times within ${this.restarts.windowMs / 60_000} minutes, so it is not restarted automatically. See "Spatial IDs: Show Server Log", then run "Spatial IDs: Restart Inference Server".`;
        this.log.error(message);
        this.client = undefined;
        this.setState({ state: 'stopped', message });
        void vscode.window.showErrorMessage(message, 'Show Server Log').then((pick) => pick && this.log.show());
        return { action: CloseAction.DoNotRestart, handled: true };
      },
    };
  }

  private waitForRunning(client: LanguageClient): Promise<LanguageClient> {
    return new Promise((resolve, reject) => {
      const sub = this.onDidChangeState((s) => {
        if (s.state === 'running') {
          sub.dispose();
          resolve(client);
        } else if (s.state === 'stopped') {
          sub.dispose();
          reject(new Error(s.message ?? 'The inference server stopped.'));
        }
      });
    });
  }

  private setState(change: ServerStateChange): void {
    this.current = change;
    this.stateEmitter.fire(change);
  }

  async dispose(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    vscode.Disposable.from(...this.disposables).dispose();
    if (client) await client.dispose(3000).catch(() => undefined);
  }
}
