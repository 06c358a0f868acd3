import { ANALYSIS_COMMANDS, type AnalysisCommand, type Experiment } from '../../../server/src/analysis/experimentFile';

/**
 * Experiment files written by the command line (`--save-experiment`, `--results`): one analysis
 * command with its request params. Open Experiment... re-runs them in the editor as well as the
 * panel's own recordings. Pure, so it is unit-tested without VS Code.
 */

export const COMMAND_EXPERIMENT_FORMAT: Experiment['format'] = 'spatial-id-lens/experiment@1';

export interface CommandExperiment {
  experiment: Experiment;
  /** The results saved beside it (a `--results` file), to compare the re-run with. */
  savedResults?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The command-line experiment in parsed JSON (bare, or inside a results file), or null when it is none. */
export function asCommandExperiment(raw: unknown, file: string): CommandExperiment | null {
  const wrapped = isObject(raw) && isObject(raw.experiment);
  const exp = wrapped ? (raw.experiment as Record<string, unknown>) : raw;
  if (!isObject(exp) || exp.format !== COMMAND_EXPERIMENT_FORMAT) return null;
  if (!ANALYSIS_COMMANDS.includes(exp.command as AnalysisCommand) || typeof exp.model !== 'string' || !isObject(exp.params)) {
    throw new Error(`${file} is a command-line experiment but lacks what one needs: a command among ${ANALYSIS_COMMANDS.join(', ')}, a model and params`);
  }
  return { experiment: exp as unknown as Experiment, ...(wrapped && 'results' in (raw as object) ? { savedResults: (raw as Record<string, unknown>).results } : {}) };
}

/**
 * The params to re-run with in the editor: without the command line's output file, so a re-run
 * never writes (or refuses to write) over the bank the experiment saved.
 */
export function editorParams(exp: Experiment): Record<string, unknown> {
  const { out: _out, overwrite: _overwrite, ...rest } = exp.params;
  return rest;
}
