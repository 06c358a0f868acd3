import * as fs from 'node:fs';
import * as path from 'node:path';
import type { z } from 'zod';
import { deriveIdsParamsSchema, deriveTidsParamsSchema, patchSweepParamsSchema, probeParamsSchema, steerParamsSchema } from '../../../protocol/requestSchemas';
import { checkParams } from '../../../protocol/requestValidation';
import { badAnalysisRequest } from './analysisContext';

/**
 * Experiments as files: the command, the model and the request params (seed included) as JSON,
 * so that re-running the file reproduces its numbers exactly (every analysis is deterministic
 * given its params: seeded scenes, seeded noise, one-thread inference). Results files hold the
 * experiment beside its results.
 */

export const ANALYSIS_COMMANDS = ['derive-ids', 'derive-tids', 'probe', 'steer', 'patch-sweep'] as const;
export type AnalysisCommand = (typeof ANALYSIS_COMMANDS)[number];

/** Each command's params schema: the params of the request it runs (protocol/requestSchemas.ts). */
export const ANALYSIS_PARAMS_SCHEMAS: Record<AnalysisCommand, z.ZodType<object>> = {
  'derive-ids': deriveIdsParamsSchema,
  'derive-tids': deriveTidsParamsSchema,
  probe: probeParamsSchema,
  steer: steerParamsSchema,
  'patch-sweep': patchSweepParamsSchema,
};

export interface Experiment {
  format: 'spatial-id-lens/experiment@1';
  command: AnalysisCommand;
  /** The model folder (absolute, as run). */
  model: string;
  params: Record<string, unknown>;
}

export function makeExperiment(command: AnalysisCommand, model: string, params: object): Experiment {
  return { format: 'spatial-id-lens/experiment@1', command, model: path.resolve(model), params: JSON.parse(JSON.stringify(params)) as Record<string, unknown> };
}

/**
 * The experiment in parsed JSON, bare or under "experiment" in a results file: null when the JSON
 * is not in the experiment format at all (e.g. a panel recording), an error naming the file when
 * it is but lacks a part or its params break their schema (a shared file with `batch: 1e9` is
 * refused here, before any work). Shared by the CLI's --experiment and the editor's Open Experiment....
 */
export function experimentIn(data: unknown, file: string): Experiment | null {
  const x = data as Record<string, unknown> | null;
  const exp = (x && typeof x === 'object' && 'experiment' in x ? x.experiment : x) as Partial<Experiment> | null;
  if (!exp || typeof exp !== 'object' || exp.format !== 'spatial-id-lens/experiment@1') return null;
  if (!ANALYSIS_COMMANDS.includes(exp.command as AnalysisCommand) || typeof exp.model !== 'string' || !exp.params || typeof exp.params !== 'object') {
    throw badAnalysisRequest(`${file} is a Spatial ID Lens experiment but lacks what one needs: a command among ${ANALYSIS_COMMANDS.join(', ')}, a model and params.`);
  }
  if (!exp.model.trim()) throw badAnalysisRequest(`${file}: "model" must be a model folder path.`);
  const params = checkParams(ANALYSIS_PARAMS_SCHEMAS[exp.command as AnalysisCommand], exp.params, `${file} (${exp.command} params)`);
  return { format: exp.format, command: exp.command as AnalysisCommand, model: exp.model, params: params as Record<string, unknown> };
}

export function readExperiment(file: string): Experiment {
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw badAnalysisRequest(code ? `${file} cannot be read (${code}): check the experiment's path.` : `${file} is not valid JSON (${(e as Error).message}).`);
  }
  const exp = experimentIn(data, file);
  if (!exp) throw badAnalysisRequest(`${file} is not a Spatial ID Lens experiment (format spatial-id-lens/experiment@1 with command, model and params).`);
  return exp;
}

/** Writes JSON to a new file; an existing file is only replaced when `overwrite` is set. */
export function writeJsonFile(file: string, value: unknown, opts: { overwrite?: boolean } = {}): void {
  if (fs.existsSync(file) && !opts.overwrite) throw badAnalysisRequest(`${file} exists already: choose another file (nothing is written over).`);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  fs.renameSync(tmp, file);
}
