/**
 * The one cancellation error: what every cancelled path throws (queue, handlers, analyses,
 * forward passes, video decoding) and what the server answers with RequestCancelled (-32800).
 * It lives beside the run API, below rpc/ and analysis/, so that both can throw it.
 */

export class CancelledError extends Error {
  constructor() {
    super('The request was cancelled.');
    this.name = 'CancelledError';
  }
}

/** Throws CancelledError when `signal` has aborted; the check long work makes between its steps. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}

/** Yields to the event loop (so a `$/cancelRequest` can arrive), then checks `signal`. */
export async function yieldAndCheck(signal?: AbortSignal): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  throwIfCancelled(signal);
}
