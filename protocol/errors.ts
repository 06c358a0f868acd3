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
