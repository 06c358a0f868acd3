import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { IdBankSummary } from '../../../protocol/requests';

export type BankKind = IdBankSummary['kind'];

/**
 * ID banks kept under the extension's global storage, one folder per decoder hash: a bank is
 * only valid for the decoder it was derived from, and deriving one takes minutes, so it is
 * reused across sessions and workspaces. The summary (layer views, best layer) is stored beside
 * the bank so a panel opens without asking the server. Node-only, so it is unit-tested without VS Code.
 */
export class IdBankCache {
  constructor(readonly root: string) {}

  folderOf(decoderHash: string): string {
    if (!/^[0-9a-f]{16,128}$/i.test(decoderHash)) throw new Error(`Not a decoder hash: ${JSON.stringify(decoderHash)}`);
    return path.join(this.root, decoderHash.toLowerCase());
  }

  bankPath(decoderHash: string, kind: BankKind): string {
    return path.join(this.folderOf(decoderHash), `${kind}-ids.safetensors`);
  }

  private summaryPath(decoderHash: string, kind: BankKind): string {
    return path.join(this.folderOf(decoderHash), `${kind}-ids.summary.json`);
  }

  /** The cached summary, when both it and its bank file exist and belong to this decoder. */
  async read(decoderHash: string, kind: BankKind): Promise<IdBankSummary | null> {
    try {
      const summary = JSON.parse(await fs.readFile(this.summaryPath(decoderHash, kind), 'utf8')) as IdBankSummary;
      await fs.access(this.bankPath(decoderHash, kind));
      if (summary.decoderHash !== decoderHash || summary.kind !== kind) return null;
      return { ...summary, bank: this.bankPath(decoderHash, kind) };
    } catch {
      return null;
    }
  }

  /** Where the server should write a new bank (the folder is created). */
  async prepare(decoderHash: string, kind: BankKind): Promise<string> {
    await fs.mkdir(this.folderOf(decoderHash), { recursive: true });
    return this.bankPath(decoderHash, kind);
  }

  /** Stores the summary once the server has written the bank; written atomically (rename). */
  async write(summary: IdBankSummary): Promise<IdBankSummary> {
    const target = this.summaryPath(summary.decoderHash, summary.kind);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const stored = { ...summary, bank: this.bankPath(summary.decoderHash, summary.kind) };
    const tmp = `${target}.${process.pid}.tmp`;
    await fs.writeFile(tmp, JSON.stringify(stored));
    await fs.rename(tmp, target);
    return stored;
  }
}
