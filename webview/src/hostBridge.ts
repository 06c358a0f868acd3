import type { HostToWebview, WebviewMethod, WebviewMethods, WebviewToHost } from '../../protocol/webview';
import { parsePaletteAction } from './app/paletteAction';
import { parseHostMessage } from './messageGuards';

/** What `acquireVsCodeApi()` returns inside a VS Code webview. */
export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

/** A failed request, as the host reported it (or as the panel concluded, e.g. the server went away). */
export class RequestFailed extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'RequestFailed';
  }
}

type Pending = { method: WebviewMethod; resolve: (value: unknown) => void; reject: (error: RequestFailed) => void };

/** Host messages other than responses to this bridge's requests. */
export type HostEvent =
  | Exclude<HostToWebview, { type: 'response' }>
  | { type: 'invalid'; error: string };

/**
 * Typed requests to the server through the extension host, matched to answers by request id
 * (the custom-editor-sample pattern); everything else the host says goes to `onEvent`.
 */
export class HostBridge {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listener = (event: MessageEvent) => this.receive(event.data);

  constructor(
    private readonly api: VsCodeApi,
    private readonly target: Pick<Window, 'addEventListener' | 'removeEventListener'>,
    private readonly onEvent: (event: HostEvent) => void,
  ) {
    target.addEventListener('message', this.listener);
  }

  post(message: WebviewToHost): void {
    this.api.postMessage(message);
  }

  request<M extends WebviewMethod>(method: M, params: WebviewMethods[M]['params']): Promise<WebviewMethods[M]['result']> {
    const requestId = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(requestId, { method, resolve: resolve as (v: unknown) => void, reject });
      this.post({ type: 'request', requestId, body: { method, params } });
    });
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Rejects every open request (the server stopped: their answers will never come). */
  failAll(message: string, retryable: boolean): void {
    const open = [...this.pending.values()];
    this.pending.clear();
    for (const p of open) p.reject(new RequestFailed(message, 0, retryable));
  }

  dispose(): void {
    this.target.removeEventListener('message', this.listener);
    this.failAll('The panel closed.', false);
  }

  private receive(data: unknown): void {
    // a palette command run in the panel (app/paletteAction.ts) has its own check
    if (typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'paletteAction') {
      const action = parsePaletteAction((data as { body?: unknown }).body);
      this.onEvent(action.ok ? { type: 'paletteAction', body: action.action } : { type: 'invalid', error: action.error });
      return;
    }
    const parsed = parseHostMessage(data);
    if (!parsed.ok) {
      this.onEvent({ type: 'invalid', error: parsed.error });
      return;
    }
    const message = parsed.message;
    if (message.type === 'response' || message.type === 'error') {
      const pending = this.pending.get(message.requestId);
      if (pending) {
        this.pending.delete(message.requestId);
        if (message.type === 'response') pending.resolve(message.body);
        else pending.reject(new RequestFailed(message.body.message, message.body.code, message.body.retryable));
        return;
      }
      // An error for no open request is about the panel as a whole (e.g. the media cannot be read).
      if (message.type === 'error') this.onEvent(message);
      return;
    }
    this.onEvent(message);
  }
}
