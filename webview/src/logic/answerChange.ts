import type { SteerOutcome } from '../../../protocol/requests';

/**
 * How a steered (or noise-control) answer moved, in the panel's one wording: a phrase answer
 * "changed" as a whole; a two-way question "flipped" its preferred answer word. Pure.
 */
export function answerChange(changed: boolean, criterion: SteerOutcome['changedBy']): 'changed' | 'flipped' | 'unchanged' {
  if (!changed) return 'unchanged';
  return criterion === 'wholeAnswer' ? 'changed' : 'flipped';
}

/** The suffix a one-line summary of a steer gives its answer: " (changed)", " (flipped)" or nothing. */
export function answerChangeSuffix(o: Pick<SteerOutcome, 'flipped' | 'changedBy'>): string {
  const change = answerChange(o.flipped, o.changedBy);
  return change === 'unchanged' ? '' : ` (${change})`;
}
