import type { IdBankSummary, ProbeResult } from '../../../protocol/requests';
import { domainNote } from '../logic/domainNote';
import { type PeakCell, peakText, peakedness } from '../logic/peakedness';
import { probeRowLayers, similarityAt } from '../logic/probeLayers';
import { h, setChildren, show } from './dom';

/**
 * Beside the picture, what the probe says about its own reading: how peaked each object is at the
 * shown layer (a flat reading says "objects not found" instead of an argmax), the plain note when
 * scene-derived IDs were read on a photo, and, for each object given a box, its deviation per
 * layer (|read ID − the ID at the box centre|, METHOD.md section 2) with the shown layer marked.
 */

export interface ProbeNotesInput {
  probe: ProbeResult | null;
  bank: IdBankSummary | null;
  numLayers: number | null;
  layer: number;
}

export class ProbeNotesView {
  readonly element: HTMLElement;
  private readonly note: HTMLElement;
  private readonly deviation: HTMLElement;
  private readonly peaks: HTMLElement;

  constructor(private readonly onLayer: (layer: number) => void) {
    this.note = h('p', { class: 'domain-note', attrs: { role: 'note', 'data-view': 'domain-note' } });
    this.deviation = h('div', { class: 'deviation-view', attrs: { 'data-view': 'deviation' } });
    this.peaks = h('ul', { class: 'peak-notes', attrs: { 'data-view': 'peakedness', 'aria-live': 'polite' } });
    this.element = h('section', { class: 'probe-notes' }, this.note, this.peaks, this.deviation);
  }

  update({ probe, bank, numLayers, layer }: ProbeNotesInput): void {
    const text = domainNote(probe?.domain);
    this.note.textContent = text ?? '';
    show(this.note, text !== null);
    const boxed = probe?.objects.filter((o) => o.deviation && o.deviation.length > 0) ?? [];
    show(this.deviation, boxed.length > 0);
    const peaks = this.updatePeaks(probe, bank, numLayers, layer);
    show(this.element, text !== null || boxed.length > 0 || peaks);
    if (!probe || boxed.length === 0) {
      setChildren(this.deviation);
      return;
    }
    const layers = probeRowLayers(boxed[0].deviation!.length, numLayers, bank);
    const best = boxed.map((o) => o.deviation!.reduce((b, v, i, all) => (v < all[b] ? i : b), 0));
    const rows = layers.map((l, row) =>
      h(
        'tr',
        {
          class: l === layer ? 'current' : '',
          attrs: { 'data-layer': l, 'aria-current': l === layer ? 'true' : undefined, tabindex: 0, title: `Show layer ${l}` },
          on: {
            click: () => this.onLayer(l),
            keydown: (e: Event) => {
              if (e instanceof KeyboardEvent && (e.key === 'Enter' || e.key === ' ')) {
                e.preventDefault();
                this.onLayer(l);
              }
            },
          },
        },
        h('th', { attrs: { scope: 'row' }, text: String(l) }),
        ...boxed.map((o, k) => h('td', { class: best[k] === row ? 'best' : '', attrs: { 'data-object': o.object }, text: format(o.deviation![row]) })),
      ),
    );
    const at = layers.indexOf(layer);
    const summary = boxed.map((o) => `${o.object} ${at >= 0 ? format(o.deviation![at]) : '–'}`).join(', ');
    setChildren(
      this.deviation,
      h('h3', { class: 'deviation-title', text: 'Deviation from the drawn boxes' }),
      h('p', { class: 'muted deviation-summary', attrs: { 'aria-live': 'polite' }, text: `Layer ${layer}: ${summary}. Lower: the read ID is nearer the ID at the box centre; the lowest per object is marked.` }),
      h(
        'div',
        { class: 'deviation-scroll' },
        h(
          'table',
          { class: 'deviation-table' },
          h('thead', {}, h('tr', {}, h('th', { attrs: { scope: 'col' }, text: 'layer' }), ...boxed.map((o) => h('th', { attrs: { scope: 'col' }, text: o.object })))),
          h('tbody', {}, ...rows),
        ),
      ),
    );
  }

  /** How peaked each object's reading is at the shown layer; a flat one says so where the argmax box would be. */
  private updatePeaks(probe: ProbeResult | null, bank: IdBankSummary | null, numLayers: number | null, layer: number): boolean {
    const rows = probe && probe.objects.length > 0 ? probeRowLayers(probe.objects[0].similarity.length, numLayers, bank) : [];
    const items = (probe?.objects ?? []).map((o) => {
      const p = peakedness(similarityAt(o, rows, layer), probe!.cells);
      return h('li', { class: p && !p.peaked ? 'flat-reading' : 'peaked-reading', attrs: { 'data-object': o.object, 'data-peaked': String(!!p?.peaked) }, text: `${o.object}: ${peakText(p)}` });
    });
    setChildren(this.peaks, ...items);
    show(this.peaks, items.length > 0);
    return items.length > 0;
  }
}

/** The line under a heatmap: its argmax cell and how peaked it is, or the flat state instead of a cell. */
export function heatmapHint(object: string, values: readonly number[] | null, cells: readonly PeakCell[], argmaxName: string): string {
  const p = peakedness(values, cells);
  return p && p.peaked ? `${object}: argmax ${argmaxName} · ${peakText(p)}` : `${object}: ${peakText(p)}`;
}

function format(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(3);
}
