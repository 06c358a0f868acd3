import { formatLayerBand } from '../logic/layers';
import { h, setChildren } from './dom';

/** Which object a click moves, at which layers and how hard; Undo restores the state before the last intervention. */

export interface SteeringHandlers {
  onObject(object: string): void;
  onBand(text: string): void;
  /** null: the ID bank's calibrated factor. */
  onFactor(factor: number | null): void;
  onUndo(): void;
}

type TextField = HTMLElement & { value: string; invalid: boolean };

export class SteeringView {
  readonly element: HTMLElement;
  private readonly objects: HTMLElement;
  private readonly band: TextField;
  private readonly factor: TextField;
  private readonly undo: HTMLElement;
  private readonly status: HTMLElement;
  private objectList: string[] = [];

  constructor(private readonly handlers: SteeringHandlers) {
    this.objects = h('vscode-radio-group', { class: 'object-choice', attrs: { 'aria-label': 'Object to steer' } });
    this.band = h('vscode-textfield', { class: 'band-field', attrs: { 'aria-label': 'Steering layers', placeholder: '2-4', 'data-control': 'band' } }) as TextField;
    this.factor = h('vscode-textfield', { class: 'factor-field', attrs: { type: 'number', step: 0.5, min: 0, placeholder: "bank's", title: "Empty: the factor the ID bank was calibrated at", 'aria-label': 'Steering factor (empty: the ID bank\'s calibrated factor)', 'data-control': 'factor' } }) as TextField;
    this.band.addEventListener('change', () => this.handlers.onBand(this.band.value));
    this.factor.addEventListener('change', () => {
      if (this.factor.value.trim() === '') return this.handlers.onFactor(null);
      const f = Number(this.factor.value);
      if (Number.isFinite(f) && f > 0) this.handlers.onFactor(f);
    });
    this.undo = h('vscode-button', { text: 'Undo', attrs: { secondary: true, 'data-action': 'undo', disabled: true }, on: { click: () => this.handlers.onUndo() } });
    this.status = h('p', { class: 'steer-status', attrs: { 'aria-live': 'polite' } });
    this.element = h(
      'section',
      { class: 'steering-view', attrs: { 'data-view': 'steering' } },
      h('div', { class: 'field-row' }, h('vscode-label', { text: 'Move' }), this.objects),
      h(
        'div',
        { class: 'field-row' },
        h('vscode-label', { text: 'Layers' }),
        this.band,
        h('vscode-label', { text: 'Factor' }),
        this.factor,
        this.undo,
      ),
      this.status,
    );
  }

  update(objects: readonly string[], selected: string | null, band: readonly number[], bandError: string | null, factor: number | null, canUndo: boolean, status: string): void {
    if (objects.join('\n') !== this.objectList.join('\n')) {
      this.objectList = [...objects];
      setChildren(
        this.objects,
        ...objects.map((o) => {
          const radio = h('vscode-radio', { text: o, attrs: { name: 'steer-object', value: o, checked: o === selected, 'data-object': o } });
          radio.addEventListener('change', () => this.handlers.onObject(o));
          return radio;
        }),
      );
    }
    for (const radio of this.objects.querySelectorAll('vscode-radio')) (radio as HTMLElement & { checked: boolean }).checked = radio.getAttribute('value') === selected;
    if (!bandError && document.activeElement !== this.band) this.band.value = formatLayerBand(band);
    this.band.invalid = bandError !== null;
    this.band.title = bandError ?? 'Layers to steer at, e.g. 2-4 or 2,5';
    if (document.activeElement !== this.factor) this.factor.value = factor === null ? '' : String(factor);
    this.undo.toggleAttribute('disabled', !canUndo);
    this.status.textContent = bandError ?? status;
  }
}
