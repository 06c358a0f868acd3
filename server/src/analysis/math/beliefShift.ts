/**
 * The normalised belief shift of activation patching (METHOD.md 4): what fraction of the
 * mirror effect on an answer word's log-probability a patch carries over.
 */

export interface WordLogProbs {
  /** log P(word) on the original input. */
  orig: number;
  /** log P(word) on the original input with the mirrored activations patched in. */
  patched: number;
  /** log P(word) on the mirrored input. */
  mirror: number;
}

/**
 * (orig - patched) / (orig - mirror): 0 = the patch changed nothing, 1 = the patch moved the
 * word as far as mirroring the whole input did. When |orig - mirror| < epsilon (nats) the
 * mirror had no effect on this word, so there is nothing to carry and the ratio would only
 * amplify noise: the result is NaN, which meanBeliefShift skips.
 */
export function normalisedBeliefShift(orig: number, patched: number, mirror: number, epsilon = 1e-6): number {
  const denominator = orig - mirror;
  if (!Number.isFinite(denominator) || Math.abs(denominator) < epsilon) return NaN;
  return (orig - patched) / denominator;
}

/** Mean of the words' normalised shifts, skipping undefined (NaN) ones; NaN when none is defined. */
export function meanBeliefShift(perWord: readonly WordLogProbs[], epsilon = 1e-6): number {
  let sum = 0;
  let count = 0;
  for (const word of perWord) {
    const shift = normalisedBeliefShift(word.orig, word.patched, word.mirror, epsilon);
    if (Number.isNaN(shift)) continue;
    sum += shift;
    count++;
  }
  return count === 0 ? NaN : sum / count;
}
