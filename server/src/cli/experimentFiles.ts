import * as fs from 'node:fs';
import * as path from 'node:path';
import { badRequest } from '../../../protocol/errors';
import { type Experiment, parseExperimentFile, resolveExperiment, storeExperiment } from '../../../protocol/experiment';
import type { StepMethod } from '../../../protocol/experimentSteps';
import { writeJsonAtomically } from '../files/outputFile';
import { packageRoot } from '../rpc/defaultModel';

/**
 * Experiment files on the command line (protocol/experiment.ts is the format): read with their
 * paths resolved against the file's folder, written with paths relative to it, so a file re-runs
 * from another checkout. The analysis commands by their CLI names and the step each one runs.
 */

export const ANALYSIS_COMMANDS = ['derive-ids', 'derive-tids', 'probe', 'steer', 'sweep-patches'] as const;
export type AnalysisCommand = (typeof ANALYSIS_COMMANDS)[number];

export const STEP_OF_COMMAND: Record<AnalysisCommand, StepMethod> = {
  'derive-ids': 'deriveIds',
  'derive-tids': 'deriveTids',
  probe: 'probe',
  steer: 'steer',
  'sweep-patches': 'sweepPatches',
};

/** The model this package bundles (not SPATIAL_ID_LENS_MODEL: files name the bundled model by name). */
export function bundledModelDir(): string {
  return path.join(packageRoot(), 'models', 'tiny-spatial-vlm');
}

/** The experiment in `file` (any version this reader knows), paths resolved; a coded error names the file, the problem and the fix. */
export function readExperiment(file: string): Experiment {
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw badRequest(code ? `${file} cannot be read (${code}): check the experiment's path.` : `${file} is not valid JSON (${(e as Error).message}).`);
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
