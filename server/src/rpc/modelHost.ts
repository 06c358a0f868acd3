import * as path from 'node:path';
import type { CancellationToken } from 'vscode-languageserver';
import type { ModelInfo } from '../protocol/spatialIdsProtocol';
import type { ModelRunner } from '../run/modelRunner';
import { LoadRunnerOptions, loadRunner } from './loadRunner';
import { CancelledError, SerialQueue } from './serialQueue';

/**
 * The server's model: one loaded runner at a time, and a queue so that it serves one request at
 * a time. `runner(dir)` loads on demand (the loaded model when no folder is named and one is
 * loaded, else the default model); `load(dir)` always reads the folder afresh (it may have been
 * re-exported). A new runner replaces the old one only once it has loaded, so a folder that
 * fails to load leaves the server with the model it had; the old one is then disposed. Loading
 * therefore briefly holds both models in memory.
 */

export interface ModelHostOptions {
  /** The model used when a request names none and none is loaded. */
  defaultModel: () => string;
  cacheDir?: string;
  /** Threads for runners loaded on demand (a later loadModel may set others). */
  threads?: number;
  load?: (dir: string, opts: LoadRunnerOptions) => Promise<ModelRunner>;
  log?: (line: string) => void;
}

export class ModelHost {
  private loaded: ModelRunner | undefined;
  private readonly queue = new SerialQueue();
  private threads: number | undefined;
  private executionProviders: string[] | undefined;

  constructor(private readonly opts: ModelHostOptions) {
    this.threads = opts.threads;
  }

  /** The loaded model's description, or null before the first load. */
  info(): ModelInfo | null {
    return this.loaded?.info() ?? null;
  }

  /** Runs `work` alone: requests that use the runner take turns, in arrival order. */
  exclusive<T>(work: () => Promise<T>, token?: CancellationToken): Promise<T> {
    return this.queue.run(work, token);
  }

  /** The runner for `dir` (or for the loaded model, else the default), loading it if needed. Call inside `exclusive`. */
  async runner(dir?: string): Promise<ModelRunner> {
    if (this.loaded && (dir === undefined || this.isLoaded(dir))) return this.loaded;
    return this.load(dir);
  }

  /** Loads `dir` (default: the default model) afresh and makes it the loaded model, unless `token` was cancelled meanwhile. Call inside `exclusive`. */
  async load(dir?: string, opts: { threads?: number; executionProviders?: string[]; token?: CancellationToken } = {}): Promise<ModelRunner> {
    const target = path.resolve(dir ?? this.opts.defaultModel());
    const threads = opts.threads ?? this.threads;
    const executionProviders = opts.executionProviders ?? this.executionProviders;
    const started = Date.now();
    const runner = await (this.opts.load ?? loadRunner)(target, { threads, cacheDir: this.opts.cacheDir, executionProviders });
    if (opts.token?.isCancellationRequested) {
      // a cancelled load leaves the server with the model it had
      await this.disposeRunner(runner);
      throw new CancelledError();
    }
    this.threads = threads;
    this.executionProviders = executionProviders;
    const previous = this.loaded;
    this.loaded = runner;
    this.opts.log?.(`Loaded ${target} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    await this.disposeRunner(previous);
    return runner;
  }

  private isLoaded(dir: string): boolean {
    return this.loaded !== undefined && path.resolve(dir) === path.resolve(this.loaded.model.folder.dir);
  }

  private async disposeRunner(runner: ModelRunner | undefined): Promise<void> {
    try {
      await runner?.dispose();
    } catch (e) {
      this.opts.log?.(`Releasing the previous model failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Releases the loaded model once the requests in progress have finished. */
  dispose(): Promise<void> {
    return this.queue.run(async () => {
      const runner = this.loaded;
      this.loaded = undefined;
      await this.disposeRunner(runner);
    });
  }
}
