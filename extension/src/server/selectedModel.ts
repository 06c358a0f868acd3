import * as path from 'node:path';
import * as vscode from 'vscode';
import { loadModelRequest, type ModelInfo } from '../../../protocol/requests';
import type { RequestType } from 'vscode-languageserver-protocol';
import { readSettings } from '../config/settings';
import type { InferenceServer, ServerProgress } from './inferenceServer';
import { isCancellation, toPanelError } from '../../../protocol/errors';

const SELECTED_MODEL_KEY = 'spatialIds.selectedModel';

/**
 * The model the server has loaded, kept in step with the server process: every request goes
 * through `request`, which (re)loads the selected model first when the server is new (first
 * use, or restarted after a crash), so a retry after a crash just works. The selection is
 * remembered across sessions.
 */
export class SelectedModel implements vscode.Disposable {
  private info: ModelInfo | null = null;
  private loadedFor = -1;
  private loading: Promise<ModelInfo> | undefined;
  private readonly changed = new vscode.EventEmitter<ModelInfo | null>();
  readonly onDidChangeModel = this.changed.event;

  constructor(
    readonly server: InferenceServer,
    private readonly state: vscode.Memento,
    /** The model shipped in the extension, used until the user selects another. */
    readonly bundledModelDir: string,
  ) {}

  get modelDir(): string {
    return this.state.get<string>(SELECTED_MODEL_KEY) ?? this.bundledModelDir;
  }

  get modelName(): string {
    return path.basename(this.modelDir);
  }

  /** The loaded model's description, or null before the first load. */
  get model(): ModelInfo | null {
    return this.info;
  }

  /** Loads the selected model if this server process has not loaded it yet. */
  ensureLoaded(): Promise<ModelInfo> {
    if (this.info && this.loadedFor === this.server.generation) return Promise.resolve(this.info);
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  /** Switches model: the server loads it now, so a bad folder is reported at once. */
  async select(dir: string): Promise<ModelInfo> {
    const previous = this.modelDir;
    await this.state.update(SELECTED_MODEL_KEY, dir === this.bundledModelDir ? undefined : dir);
    this.loadedFor = -1;
    try {
      return await this.ensureLoaded();
    } catch (e) {
      await this.state.update(SELECTED_MODEL_KEY, previous === this.bundledModelDir ? undefined : previous);
      this.loadedFor = -1;
      throw e;
    }
  }

  /** A server request that needs the model loaded. */
  async request<P extends object, R>(type: RequestType<P, R, void>, params: P, token?: vscode.CancellationToken, onProgress?: (report: ServerProgress) => void): Promise<R> {
    await this.ensureLoaded();
    return onProgress ? this.server.requestWithProgress(type, params, token, onProgress) : this.server.request(type, params, token);
  }

  private async load(): Promise<ModelInfo> {
    const { threads, executionProviders, dtype } = readSettings();
    await this.server.ensureStarted();
    const generation = this.server.generation;
    const dir = this.modelDir;
    this.server.log.info(`Loading model ${dir}`);
    const params = { dir, ...(dtype !== 'fp32' ? { dtype } : {}), ...(threads > 0 ? { threads } : {}), ...(executionProviders.length ? { executionProviders } : {}) };
    let info: ModelInfo;
    let loadedFor = generation;
    try {
      info = await this.server.request(loadModelRequest, params);
    } catch (e) {
      // Sent just as a dying server's connection closed: loading is idempotent, so once more on the restarted server.
      if (!toPanelError(e).retryable || isCancellation(e)) throw e;
      await this.server.ensureStarted();
      loadedFor = this.server.generation;
      info = await this.server.request(loadModelRequest, params);
    }
    this.info = info;
    this.loadedFor = loadedFor;
    this.changed.fire(info);
    return info;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
