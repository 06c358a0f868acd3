import type { Intervention, SteerOutcome } from '../../protocol/requests';

/**
 * A steering outcome as the panel reads it: when the server also returns the interventions it
 * applied (as data), the panel re-probes under them so the heatmaps show where the model now
 * believes the object is. Proposed as an optional `interventions` field of SteerOutcome.
 */
export type SteerOutcomeWithInterventions = SteerOutcome & { interventions?: Intervention[] };

export function appliedInterventions(outcome: SteerOutcome): Intervention[] | null {
  const list = (outcome as SteerOutcomeWithInterventions).interventions;
  return Array.isArray(list) && list.length > 0 ? list : null;
}
