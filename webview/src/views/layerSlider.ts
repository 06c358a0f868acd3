import { formatLayerBand } from '../logic/layers';
import { h } from './dom';

/** The residual layer every view shows (0 = embeddings .. L = last block). */
export class LayerSlider {
  readonly element: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly label: HTMLElement;
  private readonly band: HTMLElement;

  constructor(onLayer: (layer: number) => void) {
    this.input = h('input', { class: 'layer-range', attrs: { type: 'range', min: 0, max: 0, step: 1, value: 0, 'aria-label': 'Layer', 'data-control': 'layer' } });
    this.input.addEventListener('input', () => onLayer(Number(this.input.value)));
    this.label = h('span', { class: 'layer-value layer-number' });
    this.band = h('span', { class: 'muted layer-band' });
    this.element = h('div', { class: 'layer-slider' }, h('vscode-label', { text: 'Layer' }), this.input, this.label, this.band);
  }

  update(layer: number, maxLayer: number, band: readonly number[]): void {
    this.input.max = String(maxLayer);
    if (this.input.value !== String(layer)) this.input.value = String(layer);
    this.label.textContent = `${layer} / ${maxLayer}`;
    this.band.textContent = `steering at ${formatLayerBand(band)}`;
  }
}
