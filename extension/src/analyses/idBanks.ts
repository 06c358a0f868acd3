import * as vscode from 'vscode';
import { deriveIdsRequest, deriveTidsRequest, type IdBankSummary } from '../../../protocol/requests';
import type { SelectedModel } from '../server/selectedModel';
import { IdBankCache, type BankKind } from './idBankCache';
import { runWithProgress } from './longRunning';
import { panelDeriveParams } from './derivePreset';
import { randomInitBaseline } from './randomInitBaseline';

/** The ID banks of the loaded model: cached ones, and deriving new ones (long work). */
export class IdBanks implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<IdBankSummary>();
  /** Fires when a bank is derived, so open panels get it at once. */
  readonly onDidDeriveBank = this.changed.event;
  private readonly running = new Map<string, Promise<IdBankSummary | undefined>>();

  constructor(
    private readonly models: SelectedModel,
    readonly cache: IdBankCache,
  ) {}

  /** The cached bank of the loaded model, or null (loads the model if needed). */
  async current(kind: BankKind): Promise<IdBankSummary | null> {
    const info = await this.models.ensureLoaded();
    return this.cache.read(info.decoderHash, kind);
  }

  /**
   * Derives the bank unless cached (or `force`), in a cancellable progress notification. One
   * derivation per model and kind at a time: a second call waits for the first.
   */
  async derive(kind: BankKind, opts: { force?: boolean } = {}): Promise<IdBankSummary | undefined> {
    const info = await this.models.ensureLoaded();
    if (!opts.force) {
      const cached = await this.cache.read(info.decoderHash, kind);
      if (cached) return cached;
    }
    const key = `${info.decoderHash}/${kind}`;
    const pending = this.running.get(key);
    if (pending) return pending;
    const request = kind === 'spatial' ? deriveIdsRequest : deriveTidsRequest;
    const work = runWithProgress(`Deriving ${kind} IDs for ${this.models.modelName}`, async (token, report) => {
      const out = await this.cache.prepare(info.decoderHash, kind);
      // the random-init twin shipped beside the model (<model>-random-init): its lattice is drawn beside this model's
      const summary = await this.models.request(request, { out, overwrite: true, ...panelDeriveParams(info, kind), ...randomInitBaseline(this.models.modelDir) }, token, report);
      const stored = await this.cache.write({ ...summary, decoderHash: info.decoderHash, kind });
      this.changed.fire(stored);
      return stored;
    }).finally(() => this.running.delete(key));
    this.running.set(key, work);
    return work;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
