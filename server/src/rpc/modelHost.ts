import * as path from 'node:path';
import type { CancellationToken } from 'vscode-languageserver';
import type { ModelInfo } from '../../../protocol/requests';
import type { ModelRunner } from '../run/modelRunner';
import type { OnnxVariant } from '../model/modelFolder';
import { LoadRunnerOptions, loadRunner } from './loadRunner';
import { CancelledError } from '../run/cancellation';
import { SerialQueue } from './serialQueue';

/**
 * The server's model: one loaded runner at a time, and a queue so that it serves one request at
 * a time. `load(dir)` (the loadModel request) makes a folder the loaded model, always reading it
 * afresh (it may have been re-exported); a new runner replaces the old one only once it has
 * loaded, so a folder that fails to load leaves the server with the model it had, and the old one
 * is then disposed (loading briefly holds both models in memory).
 *
 * `runner(dir)` serves one request: no folder, or the loaded one, gives the loaded model (the
 * default model is loaded on first use); another folder is *borrowed* for that request only and
 * never becomes the loaded model, whether the request succeeds or fails, so a request naming a
 * model cannot change what later requests answer from. The last borrowed runner is kept until
 * another folder is named, a model is loaded or the host is disposed, so that a series of
 * requests naming the same folder loads it once.
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
  private borrowed: ModelRunner | undefined;
  private readonly queue = new SerialQueue();
  private threads: number | undefined;
  private executionProviders: string[] | undefined;
  private dtype: OnnxVariant | undefined;

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

  /** The runner for one request: `dir` borrowed for it, or the loaded model (else the default, then loaded). Call inside `exclusive`. */
  async runner(dir?: string): Promise<ModelRunner> {
    if (dir === undefined || (this.loaded && sameFolder(this.loaded, dir))) return this.loaded ?? this.load();
    if (this.borrowed && sameFolder(this.borrowed, dir)) return this.borrowed;
    // one borrowed model at a time: release the last before loading the next
    await this.releaseBorrowed();
    const target = path.resolve(dir);
    const started = Date.now();
    this.borrowed = await (this.opts.load ?? loadRunner)(target, { threads: this.threads, dtype: this.dtype, cacheDir: this.opts.cacheDir, executionProviders: this.executionProviders });
    this.opts.log?.(`Loaded ${target} for the requests that name it in ${((Date.now() - started) / 1000).toFixed(1)} s (the loaded model stays ${this.loaded?.model.folder.dir ?? 'none'}).`);
    return this.borrowed;
  }

  private async releaseBorrowed(): Promise<void> {
    const borrowed = this.borrowed;
    this.borrowed = undefined;
    await this.disposeRunner(borrowed);
  }

  /** Loads `dir` (default: the default model) afresh and makes it the loaded model, unless `token` was cancelled meanwhile. Call inside `exclusive`. */
  async load(dir?: string, opts: { threads?: number; dtype?: OnnxVariant; executionProviders?: string[]; token?: CancellationToken } = {}): Promise<ModelRunner> {
    const target = path.resolve(dir ?? this.opts.defaultModel());
    const threads = opts.threads ?? this.threads;
    const executionProviders = opts.executionProviders ?? this.executionProviders;
    const dtype = opts.dtype ?? this.dtype;
    const started = Date.now();
    const runner = await (this.opts.load ?? loadRunner)(target, { threads, dtype, cacheDir: this.opts.cacheDir, executionProviders });
    if (opts.token?.isCancellationRequested) {
      // a cancelled load leaves the server with the model it had
      await this.disposeRunner(runner);
      throw new CancelledError();
    }
    this.threads = threads;
    this.executionProviders = executionProviders;
    this.dtype = dtype;
    const previous = this.loaded;
    this.loaded = runner;
    this.opts.log?.(`Loaded ${target} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    await this.disposeRunner(previous);
    // a borrowed copy may be stale (a reload reads afresh) and would hold a second model in memory
    await this.releaseBorrowed();
    return runner;
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
      await this.releaseBorrowed();
    });
  }
}

function sameFolder(runner: ModelRunner, dir: string): boolean {
  return path.resolve(dir) === path.resolve(runner.model.folder.dir);
}
