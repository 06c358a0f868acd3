/**
 * What the panel is told when a server request fails: the code and message to show, and
 * whether a retry can help. Connection-level failures (the server died mid-request, or is
 * restarting) are retryable; the server's own answers (bad media, bad question, ...) are not,
 * since the same request would fail the same way. Pure, so it is unit-tested without VS Code.
 */

/** vscode-jsonrpc's connection-level codes (see its messages.d.ts). */
export const CONNECTION_ERROR_CODES = {
  messageReadError: -32098,
  pendingResponseRejected: -32097,
  connectionInactive: -32096,
} as const;
export const REQUEST_CANCELLED = -32800;

export interface PanelError {
  code: number;
  message: string;
  retryable: boolean;
}

const RETRYABLE = new Set<number>([...Object.values(CONNECTION_ERROR_CODES), REQUEST_CANCELLED]);

export function toPanelError(error: unknown): PanelError {
  if (typeof error === 'object' && error !== null) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    const text = typeof message === 'string' && message !== '' ? message : String(error);
    if (typeof code === 'number') {
      const retryable = RETRYABLE.has(code);
      const shown = retryable && code !== REQUEST_CANCELLED ? `The inference server stopped while working on this (${text}). It restarts on its own; press Retry.` : text;
      return { code, message: code === REQUEST_CANCELLED ? 'Cancelled.' : shown, retryable };
    }
    // Plain errors come from the client side (e.g. the server could not start): worth a retry.
    return { code: CONNECTION_ERROR_CODES.connectionInactive, message: text, retryable: true };
  }
  return { code: CONNECTION_ERROR_CODES.connectionInactive, message: String(error), retryable: true };
}

export function isCancellation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === REQUEST_CANCELLED;
}
