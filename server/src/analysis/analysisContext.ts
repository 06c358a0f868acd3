import { ErrorCodes } from '../protocol/spatialIdsProtocol';
import { RunError } from '../run/runError';

/**
 * What a long analysis gets from its caller (JSON-RPC handler or CLI): a progress sink and a
 * cancellation check, polled between forward passes.
 */
export interface AnalysisContext {
  progress?: (message: string, fraction?: number) => void;
  isCancelled?: () => boolean;
}

export class AnalysisCancelled extends Error {
  constructor() {
    super('The analysis was cancelled.');
    this.name = 'AnalysisCancelled';
  }
}

/** Throws when the caller cancelled; reports progress at most every 1% to keep the channel quiet. */
export function progressReporter(ctx: AnalysisContext, label: string, total: number): (done: number) => void {
  let lastPercent = -1;
  return (done: number) => {
    if (ctx.isCancelled?.()) throw new AnalysisCancelled();
    const percent = Math.floor((100 * done) / Math.max(1, total));
    if (percent !== lastPercent) {
      lastPercent = percent;
      ctx.progress?.(`${label}: ${done}/${total}`, done / Math.max(1, total));
    }
  };
}

export const badAnalysisRequest = (message: string) => new RunError(ErrorCodes.badRequest, message);
