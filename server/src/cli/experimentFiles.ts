import * as path from 'node:path';
import { badRequest } from '../../../protocol/errors';
import { type Experiment, parseExperimentFile, resolveExperiment, storeExperiment } from '../../../protocol/experiment';
import type { StepMethod } from '../../../protocol/experimentSteps';
import { methodOfCli } from '../../../protocol/methods';
import { writeJsonAtomically } from '../files/outputFile';
import { FILE_KINDS, FileReadError, readRegularFile } from '../files/regularFile';
import { packageRoot } from '../rpc/defaultModel';

/**
 * Experiment files on the command line (protocol/experiment.ts is the format): read with their
 * paths resolved against the file's folder, written with paths relative to it, so a file re-runs
 * from another checkout. The analysis commands by their CLI names and the step each one runs.
 */

export const ANALYSIS_COMMANDS = ['derive-ids', 'derive-tids', 'probe', 'steer', 'sweep-patches'] as const;
export type AnalysisCommand = (typeof ANALYSIS_COMMANDS)[number];

/** The step each command runs: the registry's operation whose CLI name it is (protocol/methods.ts). */
export const STEP_OF_COMMAND = Object.fromEntries(ANALYSIS_COMMANDS.map((c) => [c, methodOfCli(c) as StepMethod])) as Record<AnalysisCommand, StepMethod>;

/** The model this package bundles (not SPATIAL_ID_LENS_MODEL: files name the bundled model by name). */
export function bundledModelDir(): string {
  return path.join(packageRoot(), 'models', 'tiny-spatial-vlm');
}

/** The experiment in `file` (any version this reader knows), paths resolved; a coded error names the file, the problem and the fix. */
export function readExperiment(file: string): Experiment {
  let text: string;
  try {
    // a shared file is untrusted like any other: a FIFO or /dev/zero in its place must not hang the CLI
    text = readRegularFile(file, FILE_KINDS.experiment).toString('utf8');
  } catch (e) {
    throw e instanceof FileReadError ? badRequest(e.message) : e;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw badRequest(`${file} is not valid JSON (${(e as Error).message}).`);
  }
  const stored = parseExperimentFile(data, file);
  return resolveExperiment(stored, path.dirname(path.resolve(file)), { bundledModelDir: bundledModelDir(), file });
}

/** Writes the experiment to a new file (replaced only with `overwrite`), paths relative to its folder; results only `withResults`. */
export function writeExperiment(file: string, exp: Experiment, opts: { overwrite: boolean; withResults: boolean; what: string }): void {
  const steps = opts.withResults ? exp.steps : exp.steps.map(({ method, params }) => ({ method, params }));
  const stored = storeExperiment({ ...exp, steps }, path.dirname(path.resolve(file)), { bundledModelDir: bundledModelDir() });
  writeJsonAtomically(file, stored, { overwrite: opts.overwrite, what: opts.what });
}
