import type { ShownError } from '../state/panelState';
import { h, setChildren, show } from './dom';

/** Errors shown in the panel (never a blank panel), with Retry when the failure can pass. */
export class ErrorBanner {
  readonly element: HTMLElement;

  constructor(
    private readonly onRetry: () => void,
    private readonly onDismiss: () => void,
  ) {
    this.element = h('div', { class: 'error-banner', attrs: { role: 'alert', hidden: true, 'data-view': 'error' } });
  }

  update(error: ShownError | null, busy: boolean): void {
    show(this.element, error !== null);
    if (!error) {
      setChildren(this.element);
      return;
    }
    const code = error.code ? ` (code ${error.code})` : '';
    setChildren(
      this.element,
      h('div', { class: 'error-text' }, h('strong', { text: `${error.action} failed${code}: ` }), h('span', { class: 'error-message', text: error.message })),
      h(
        'div',
        { class: 'error-actions' },
        error.retryable ? h('vscode-button', { text: 'Retry', attrs: { 'data-action': 'retry', disabled: busy }, on: { click: () => this.onRetry() } }) : null,
        h('vscode-button', { text: 'Dismiss', attrs: { secondary: true, 'data-action': 'dismiss' }, on: { click: () => this.onDismiss() } }),
      ),
    );
  }
}
