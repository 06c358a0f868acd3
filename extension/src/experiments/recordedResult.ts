/**
 * What a panel records of a request's result, in its experiment and the workspace state that
 * outlives a reload: everything but a forward pass's bulk activations (an "Export activations"
 * run holds every layer at every position: megabytes as JSON, gigabytes on a real model). A
 * result saved without them replays on the rest (experimentSteps.ts compares the saved fields).
 */

/** Captured values beyond which a forward result is recorded without its `hidden`. */
export const RECORDED_HIDDEN_VALUES = 100_000;

function hiddenValues(hidden: unknown): number {
  if (typeof hidden !== 'object' || hidden === null) return 0;
  let n = 0;
  for (const rows of Object.values(hidden)) {
    if (typeof rows !== 'object' || rows === null) continue;
    for (const v of Object.values(rows)) n += Array.isArray(v) ? v.length : 0;
  }
  return n;
}

export function recordedResult(method: string, result: unknown): unknown {
  if (method !== 'forward' || typeof result !== 'object' || result === null || !('hidden' in result)) return result;
  if (hiddenValues(result.hidden) <= RECORDED_HIDDEN_VALUES) return result;
  const { hidden: _bulk, ...rest } = result;
  return rest;
}
