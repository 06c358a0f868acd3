import type { IdBankSummary, ModelInfo } from '../../../protocol/requests';
import { bankBestLayer } from '../logic/layers';
import { h, setChildren, show } from './dom';

/**
 * The loaded model's scope in plain words under the header (ModelInfo.scope: what it was trained
 * to see, what it will answer wrongly), so nobody reads a confident answer about a cat photo as a
 * measurement. Limits fold into a disclosure: the summary stays one line.
 */
export class ModelScopeView {
  readonly element: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly limits: HTMLElement;

  constructor() {
    this.summary = h('span', { class: 'scope-summary' });
    this.limits = h('details', { class: 'scope-limits' });
    this.element = h('p', { class: 'model-scope', attrs: { role: 'note', 'data-view': 'model-scope' } }, this.summary, this.limits);
  }

  update(model: ModelInfo | null): void {
    const scope = model?.scope;
    show(this.element, !!scope);
    if (!scope) return;
    this.summary.textContent = `What this model can see: ${scope.summary}`;
    this.element.setAttribute('data-source', scope.source);
    show(this.limits, scope.limits.length > 0);
    setChildren(this.limits, h('summary', { text: 'What it will answer wrongly' }), h('ul', {}, ...scope.limits.map((l) => h('li', { text: l }))));
  }
}

/** "Temporal IDs · 8 cells · best layer 4 (temporal bank, steering calibration)": which bank the best layer came from, and how. */
export function bankText(bank: IdBankSummary): { text: string; title: string } {
  const kind = bank.kind === 'temporal' ? 'temporal' : 'spatial';
  const best = bankBestLayer(bank);
  const how = best.source === 'steering' ? 'steering calibration' : 'lattice score';
  const title =
    best.source === 'steering'
      ? `The ${kind} bank's steering was calibrated at layer${bank.calibration?.chosen?.layers.length === 1 ? '' : 's'} ${bank.calibration?.chosen?.layers.join(', ')}; its lattice score is highest at layer ${bank.bestLayer}.`
      : `The ${kind} bank's highest lattice score; the bank has no steering calibration.`;
  return { text: `${kind === 'temporal' ? 'Temporal' : 'Spatial'} IDs · ${bank.cells.length} cells · best layer ${best.layer} (${kind} bank, ${how})`, title };
}
