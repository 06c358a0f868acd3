import * as path from 'node:path';
import { badRequest } from '../../../protocol/errors';
import { type Experiment, type ResolveOptions, parseExperimentFile, resolveExperiment } from '../../../protocol/experiment';
import { type ExperimentStep, type StepDifference, type StepOutcome, compareSteps, describeStep } from '../../../protocol/experimentSteps';

/**
 * Experiment files in the editor (the format is protocol/experiment.ts, the same the CLI and the
 * panel write): reading one for Open Experiment..., the params a step re-runs with here, and the
 * verdict of a re-run. Pure, so it is unit-tested without VS Code.
 */

/**
 * The experiment in `text`, read from `filePath`: any version this reader knows, paths resolved
 * against the file's folder; a model folder not there is found by name among `models`' folders.
 */
export function readExperimentText(text: string, filePath: string, bundledModelDir: string, models: Omit<ResolveOptions, 'bundledModelDir' | 'file'> = {}): Experiment {
  const name = path.basename(filePath);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw badRequest(`${name} is not JSON (${(e as Error).message}).`);
  }
  return resolveExperiment(parseExperimentFile(raw, name), path.dirname(filePath), { ...models, bundledModelDir, file: name });
}

/**
 * The params a step re-runs with in the editor: a derivation without its output file, so a re-run
 * never writes (or refuses to write) over the bank the experiment saved; a probe or steer saved
 * with the model's default bank gets the editor's cached one when there is one.
 */
export function editorParams(step: ExperimentStep, cachedBank: string | null): Record<string, unknown> {
  const { out: _out, overwrite: _overwrite, ...rest } = step.params;
  if ((step.method === 'probe' || step.method === 'steer') && rest.bank === undefined && cachedBank) return { ...rest, bank: cachedBank };
  return rest;
}

export interface ReplayVerdict {
  differing: StepDifference[];
  /** One line for a notification. */
  message: string;
}

/** How a re-run compares with the file: every step within the tolerance, or the steps that differ. */
export function replayVerdict(file: string, saved: readonly StepOutcome[], fresh: readonly StepOutcome[]): ReplayVerdict {
  const differing = compareSteps(saved, fresh);
  const compared = saved.filter((s) => s.result !== undefined || s.error !== undefined).length;
  const ran = `re-ran ${fresh.length} of the ${saved.length} steps of ${file}`;
  if (differing.length) return { differing, message: `${ran}; ${differing.length} differ from the saved results: ${differing.map((d) => describeStep(d)).join('; ')}.` };
  return { differing, message: compared ? `${ran}; all ${compared} saved results agree.` : `${ran}; the file has no saved results to compare with.` };
}
