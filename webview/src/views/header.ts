import type { IdBankSummary, ModelInfo } from '../../../protocol/requests';
import type { InspectedMedia, ServerStateChange } from '../../../protocol/webview';
import { h, show } from './dom';
import { ModelScopeView, bankText } from './modelScope';

/** What is inspected, with which model and ID bank, the server's state, and the panel-wide actions. */

export interface HeaderHandlers {
  onDeriveIds(): void;
  onSave(): void;
}

export function fileName(path: string): string {
  return path.split(/[\\/]/).pop() || path;
}

export class Header {
  readonly element: HTMLElement;
  private readonly title: HTMLElement;
  private readonly model: HTMLElement;
  private readonly bank: HTMLElement;
  private readonly server: HTMLElement;
  private readonly derive: HTMLElement;
  private readonly scope = new ModelScopeView();

  constructor(handlers: HeaderHandlers) {
    this.title = h('h1', { class: 'media-title' });
    this.model = h('span', { class: 'meta model-meta' });
    this.bank = h('span', { class: 'meta bank-meta' });
    this.server = h('vscode-badge', { class: 'server-badge', attrs: { 'data-server-state': '' } });
    this.derive = h('vscode-button', { text: 'Derive IDs', attrs: { secondary: true, 'data-action': 'derive', title: 'Derive the ID bank for this model (runs in the background)' }, on: { click: () => handlers.onDeriveIds() } });
    const save = h('vscode-button', { text: 'Save experiment', attrs: { secondary: true, 'data-action': 'save' }, on: { click: () => handlers.onSave() } });
    this.element = h(
      'header',
      { class: 'panel-header' },
      h('div', { class: 'header-main' }, this.title, h('div', { class: 'header-meta' }, this.model, this.bank)),
      h('div', { class: 'header-actions' }, this.server, this.derive, save),
      this.scope.element,
    );
  }

  update(media: InspectedMedia, model: ModelInfo | null, bank: IdBankSummary | null, server: ServerStateChange | null): void {
    this.title.textContent = fileName(media.path);
    this.title.title = media.path;
    // the folder's name first: two models of one family are told apart by it
    const name = model ? fileName(model.dir) : '';
    const family = model ? (model.family ?? model.modelType) : '';
    // the family only when the folder's name does not already say it (the bundled tiny-spatial-vlm)
    this.model.textContent = model ? `${[name, ...(family === name ? [] : [family])].join(' · ')}${model.variant ? ` · ${model.variant}` : ''} · ${model.numLayers} layers` : 'No model loaded';
    this.model.title = model?.dir ?? '';
    const named = bank ? bankText(bank) : null;
    this.bank.textContent = named?.text ?? 'No ID bank yet';
    this.bank.title = named?.title ?? '';
    this.scope.update(model);
    show(this.derive, bank === null);
    const state = server?.state ?? 'running';
    this.server.textContent = server ? `server ${state}` : 'server';
    this.server.setAttribute('data-server-state', state);
    this.server.title = server?.message ?? '';
    show(this.server, server !== null);
  }
}
