import type { ProbeResult } from '../../../protocol/requests';
import { cellLabel } from '../logic/grid';
import { argmaxAt, probeRowLayers } from '../logic/probeLayers';
import type { PanelState } from '../state/panelState';

/** Redraws a chart only when one of its inputs changed (by identity). */
export class Memo {
  private last: unknown[] | null = null;
  changed(inputs: unknown[]): boolean {
    const same = this.last !== null && this.last.length === inputs.length && this.last.every((v, i) => v === inputs[i]);
    if (!same) this.last = inputs;
    return !same;
  }
  reset(): void {
    this.last = null;
  }
}

/** An object's argmax cell at the shown layer. */
export function argmaxOf(state: PanelState, object: string, probe: ProbeResult): number {
  const obj = probe.objects.find((o) => o.object === object);
  if (!obj) return -1;
  const rows = probeRowLayers(obj.similarity.length, state.init.model?.numLayers ?? null, state.init.bank);
  return argmaxAt(obj, rows, state.layer);
}

export function cellName(state: PanelState, cell: number): string {
  const c = state.init.bank?.cells[cell];
  return c ? cellLabel(c, state.init.bank?.kind ?? 'spatial') : '–';
}
