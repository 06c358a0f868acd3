import { ErrorCodes } from '../../../protocol/errors';
import { CancelledError } from '../run/cancellation';
import { CodedError } from '../../../protocol/errors';

/**
 * What a long analysis gets from its caller (JSON-RPC handler or CLI): a progress sink and a
 * cancellation check, polled between forward passes (and between rendered items).
 */
export interface AnalysisContext {
  progress?: (message: string, fraction?: number) => void;
  isCancelled?: () => boolean;
}

/** Throws the server's one cancellation error (answered -32800) when the caller cancelled. */
export function checkCancelled(ctx: AnalysisContext): void {
  if (ctx.isCancelled?.()) throw new CancelledError();
}

/**
 * Yields to the event loop, then checks cancellation: for loops whose steps are synchronous
 * (planning, rendering bookkeeping), so that a `$/cancelRequest` can be read between them.
 */
export async function yieldToCancel(ctx: AnalysisContext): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  checkCancelled(ctx);
}

/** Throws when the caller cancelled; reports progress at most every 1% to keep the channel quiet. */
export function progressReporter(ctx: AnalysisContext, label: string, total: number): (done: number) => void {
  let lastPercent = -1;
  return (done: number) => {
    checkCancelled(ctx);
    const percent = Math.floor((100 * done) / Math.max(1, total));
    if (percent !== lastPercent) {
      lastPercent = percent;
      ctx.progress?.(`${label}: ${done}/${total}`, done / Math.max(1, total));
    }
  };
}

export const badAnalysisRequest = (message: string) => new CodedError(ErrorCodes.badRequest, message);
