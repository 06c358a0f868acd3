import type { ExtraFeeds, KvCache, OrtSessions } from '../model/ortSessions';
import { logSoftmax } from '../model/ortSessions';
import type { PromptPositions } from '../model/positionIds';
import { throwIfCancelled } from './cancellation';

/**
 * Teacher-forced log-probabilities of whole answers after a prompt that has already run (with
 * whatever interventions it had): log P(t1..tn | prompt) = sum over k of log P(tk | prompt, t<k).
 * One decoder call per answer over its tokens after the prompt's KV cache, fed like the greedy
 * generation (zero deltas: interventions act on the prompt only), so an answer's score under a
 * run is the probability that run's generation gives it.
 */

export interface PromptRun {
  lastLogits: Float32Array;
  cache: KvCache;
}

/** Sum of log P over each token sequence (token ids as the model generated them); [] scores 0. */
export async function continuationLogprobs(
  session: OrtSessions,
  run: PromptRun,
  sequences: readonly (readonly number[])[],
  opts: { extra?: ExtraFeeds; positions?: PromptPositions; signal?: AbortSignal },
): Promise<number[]> {
  const first = logSoftmax(run.lastLogits);
  const out: number[] = [];
  for (const ids of sequences) {
    throwIfCancelled(opts.signal);
    if (ids.length === 0) {
      out.push(0);
      continue;
    }
    let sum = first[ids[0]];
    if (ids.length > 1) {
      // the last token predicts nothing we score: feed all but it
      const fed = ids.slice(0, -1);
      const step = await session.decode(await session.embed(fed), fed, run.cache, opts.extra, opts.positions);
      const logits = step.logits.data as Float32Array;
      const vocab = step.logits.dims[2];
      for (let k = 1; k < ids.length; k++) sum += logSoftmax(logits.subarray((k - 1) * vocab, k * vocab))[ids[k]];
    }
    out.push(sum);
  }
  return out;
}
