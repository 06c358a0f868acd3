import { experimentIn, type Experiment } from '../../../server/src/analysis/experimentFile';

/**
 * Experiment files written by the command line (`--save-experiment`, `--results`): one analysis
 * command with its request params. Open Experiment... re-runs them in the editor as well as the
 * panel's own recordings. Pure, so it is unit-tested without VS Code.
 */

export interface CommandExperiment {
  experiment: Experiment;
  /** The results saved beside it (a `--results` file), to compare the re-run with. */
  savedResults?: unknown;
}

/** The command-line experiment in parsed JSON (bare, or inside a results file), or null when it is none. */
export function asCommandExperiment(raw: unknown, file: string): CommandExperiment | null {
  const experiment = experimentIn(raw, file);
  if (!experiment) return null;
  const results = typeof raw === 'object' && raw !== null && 'experiment' in raw && 'results' in raw ? (raw as { results: unknown }).results : undefined;
  return results === undefined ? { experiment } : { experiment, savedResults: results };
}

/**
 * The params to re-run with in the editor: without the command line's output file, so a re-run
 * never writes (or refuses to write) over the bank the experiment saved.
 */
export function editorParams(exp: Experiment): Record<string, unknown> {
  const { out: _out, overwrite: _overwrite, ...rest } = exp.params;
  return rest;
}
