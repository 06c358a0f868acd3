import type { ExperimentStep } from '../../../protocol/experimentSteps';

/**
 * The steps the palette commands ran in this session (Steer Object..., Run Mirror Patching Sweep,
 * Derive ... IDs), with their results, so Export Results... writes them as one experiment.
 */
export class ResultsLog {
  private readonly entries: ExperimentStep[] = [];

  add(step: ExperimentStep): void {
    this.entries.push(JSON.parse(JSON.stringify(step)) as ExperimentStep);
  }

  get steps(): readonly ExperimentStep[] {
    return this.entries;
  }
}
