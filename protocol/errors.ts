/**
 * The error vocabulary both sides share: the codes a JSON-RPC error carries (whose problem it
 * is) and the one coded error class the schemas, the run API and the analyses throw. The server
 * turns a CodedError into a JSON-RPC error with the same code; the CLI prints its message.
 */

/** Error codes carried by JSON-RPC errors (message: what is wrong and the fix). */
export const ErrorCodes = {
  badModel: -32010,
  badMedia: -32011,
  badQuestion: -32012,
  badRequest: -32013,
  noModelLoaded: -32014,
  wrongBank: -32015,
  internal: -32050,
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** A request that cannot be served: the message names the problem and the fix; the code says whose it is. */
export class CodedError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CodedError';
  }
}

export const badQuestion = (message: string) => new CodedError(ErrorCodes.badQuestion, message);
export const badRequest = (message: string) => new CodedError(ErrorCodes.badRequest, message);

// ---- failed requests as both sides see them -----------------------------------------------------

/** JSON-RPC's RequestCancelled (LSP): what a cancelled request is answered with. */
export const REQUEST_CANCELLED = -32800;

/** vscode-jsonrpc's connection-level codes (its messages.d.ts): the server died mid-request or is restarting. */
export const CONNECTION_ERROR_CODES = {
  messageReadError: -32098,
  pendingResponseRejected: -32097,
  connectionInactive: -32096,
} as const;

/**
 * What the panel (or a palette command) is told when a server request fails: the code and
 * message to show, and whether a retry can help. Connection-level failures are retryable; the
 * server's own answers (bad media, bad question, ...) are not, since the same request would fail
 * the same way. The body of the host's `error` message to the webview.
 */
export interface PanelError {
  code: number;
  message: string;
  retryable: boolean;
}

const RETRYABLE = new Set<number>([...Object.values(CONNECTION_ERROR_CODES), REQUEST_CANCELLED]);

/** The PanelError of a failed request (a JSON-RPC error, or a client-side failure such as a server that could not start). */
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

/**
 * Whether `error` is a cancellation, on either side: a request answered RequestCancelled, or,
 * in the server, what a cancelled path throws (its CancelledError, or an aborted signal's
 * AbortError). By shape, so that it needs neither side's classes.
 */
export function isCancellation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, name } = error as { code?: unknown; name?: unknown };
  return code === REQUEST_CANCELLED || name === 'CancelledError' || name === 'AbortError';
}
