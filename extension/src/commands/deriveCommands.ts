import * as vscode from 'vscode';
import type { IdBankSummary } from '../../../protocol/requests';
import type { BankKind } from '../analyses/idBankCache';
import type { CommandContext } from './commandContext';

function describe(bank: IdBankSummary): string {
  const best = bank.layers.find((l) => l.layer === bank.bestLayer);
  return `best layer ${bank.bestLayer}${best ? ` (lattice score ${best.latticeScore.toFixed(2)})` : ''}, ${bank.cells.length} cells`;
}

/** Derive Spatial/Temporal IDs for Model: reuses the cached bank unless the user asks again. */
export async function deriveCommand(ctx: CommandContext, kind: BankKind): Promise<IdBankSummary | undefined> {
  const cached = await ctx.banks.current(kind);
  let force = false;
  if (cached) {
    const pick = await vscode.window.showInformationMessage(
      `Spatial IDs: ${kind} IDs for ${ctx.models.modelName} are already derived (${describe(cached)}).`,
      'Use Them',
      'Derive Again',
    );
    if (pick !== 'Derive Again') return cached;
    force = true;
  }
  const bank = await ctx.banks.derive(kind, { force });
  if (!bank) return undefined;
  // re-run without an output file: the bank stays in the cache it was written to
  ctx.results.add({ method: kind === 'spatial' ? 'deriveIds' : 'deriveTids', params: {}, result: bank });
  void vscode.window.showInformationMessage(`Spatial IDs: ${kind} IDs derived for ${ctx.models.modelName}: ${describe(bank)} in ${bank.seconds.toFixed(0)} s.`);
  return bank;
}

/** The cached bank, or derive it after asking (commands that steer need one). */
export async function bankOrDerive(ctx: CommandContext, kind: BankKind): Promise<IdBankSummary | undefined> {
  const cached = await ctx.banks.current(kind);
  if (cached) return cached;
  const pick = await vscode.window.showInformationMessage(`Spatial IDs: this needs the ${kind} IDs of ${ctx.models.modelName}, which are not derived yet. Derive them now?`, 'Derive');
  return pick === 'Derive' ? ctx.banks.derive(kind) : undefined;
}
