import { REQUEST_CANCELLED } from '../../../protocol/errors';
import { h, show } from './dom';

/**
 * Long panel work (a patching sweep, batch steering): what is running, how far the server says
 * it has got ("n of N", from its $/progress), and a Cancel that cancels the server request. A
 * cancelled request is reported as such ("Cancelled"), never as an error.
 */

/** A `$/progress` report as the host relays it. */
export interface WorkProgress {
  message?: string;
  percentage?: number;
}

/** "patching: 240/2800" (the server's progressReporter) read as "patching 240 of 2800"; other messages as they are. */
export function progressText(progress: WorkProgress | null | undefined): string {
  const message = progress?.message?.trim() ?? '';
  const counted = /^(.*?):?\s*(\d+)\s*\/\s*(\d+)$/.exec(message);
  const text = counted ? `${counted[1]} ${counted[2]} of ${counted[3]}`.trim() : message;
  const pct = progress?.percentage;
  return pct !== undefined && Number.isFinite(pct) && !counted ? `${text}${text ? ' ' : ''}(${Math.round(pct)}%)` : text;
}

/** Whether a failed request was cancelled (the host answers RequestCancelled), by its code so that it needs no class. */
export function wasCancelled(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === REQUEST_CANCELLED;
}

/** The calm note a cancelled action leaves. */
export const cancelledNote = (action: string) => `Cancelled: ${action} stopped; nothing changed. Run it again when you are ready.`;

/** The busy line with its bar and Cancel (hidden when nothing runs). */
export class ProgressView {
  readonly element: HTMLElement;
  private readonly label: HTMLElement;
  private readonly bar: HTMLElement;
  private readonly fill: HTMLElement;
  private readonly cancel: HTMLButtonElement;

  constructor(onCancel: () => void) {
    this.label = h('span', { class: 'work-label', attrs: { 'aria-live': 'polite' } });
    this.fill = h('div', { class: 'work-bar-fill' });
    this.bar = h('div', { class: 'work-bar', attrs: { role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-label': 'Progress' } }, this.fill);
    this.cancel = h('button', { class: 'work-cancel', text: 'Cancel', attrs: { type: 'button', 'data-action': 'cancel', title: 'Cancel the running request on the server' }, on: { click: () => onCancel() } });
    this.element = h('div', { class: 'work-progress', attrs: { 'data-view': 'progress', hidden: true } }, this.label, this.bar, this.cancel);
  }

  /**
   * `busy`: the running action, or null; `cancelling`: Cancel was pressed and the server has not
   * answered yet; `cancelled`: the note of the action last cancelled (shown until the next one).
   */
  update(t: { busy: string | null; progress?: WorkProgress | null; cancelling?: boolean; cancelled?: string | null }): void {
    const { busy, progress } = t;
    const cancelled = busy === null ? t.cancelled ?? null : null;
    show(this.element, busy !== null || cancelled !== null);
    this.element.classList.toggle('cancelled', cancelled !== null);
    show(this.bar, busy !== null);
    show(this.cancel, busy !== null);
    if (cancelled !== null) {
      this.label.textContent = cancelled;
      return;
    }
    if (busy === null) return;
    const detail = progressText(progress);
    this.label.textContent = t.cancelling ? `${busy}: cancelling…` : `${busy}…${detail ? ` ${detail}` : ''}`;
    const pct = progress?.percentage;
    const known = pct !== undefined && Number.isFinite(pct);
    this.bar.classList.toggle('indeterminate', !known);
    this.fill.style.width = known ? `${Math.max(0, Math.min(100, pct))}%` : '';
    if (known) this.bar.setAttribute('aria-valuenow', String(Math.round(pct)));
    else this.bar.removeAttribute('aria-valuenow');
    this.cancel.disabled = t.cancelling === true;
  }
}
