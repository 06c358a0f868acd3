import type { WebviewMethod, WebviewMethods } from '../../../protocol/webview';
import { RequestFailed } from '../hostBridge';
import type { PanelState, ShownError } from '../state/panelState';
import type { WorkProgress } from '../views/progressView';

/** The controller's seams: what the view is told besides the state, where results come from, and failures as shown. */

/** What the view shows besides the saved state: in-flight work and passing notes. */
export interface Transient {
  busy: string | null;
  notice: string | null;
  bandError: string | null;
  /** The running request's progress as the server reports it, Cancel pressed, and the action last cancelled (views/progressView.ts). */
  progress?: WorkProgress | null;
  cancelling?: boolean;
  cancelled?: string | null;
}

/** Where server results come from: the host (normally), or a re-run experiment file. */
export interface Requester {
  request<M extends WebviewMethod>(method: M, params: WebviewMethods[M]['params']): Promise<WebviewMethods[M]['result']>;
}

export interface PanelRenderer {
  render(state: PanelState | null, transient: Transient): void;
}

export function shownError(action: string, error: unknown): ShownError {
  if (error instanceof RequestFailed) return { action, message: error.message, code: error.code || null, retryable: error.retryable };
  return { action, message: error instanceof Error ? error.message : String(error), code: null, retryable: false };
}
