import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { CodedError, badRequest } from '../../../protocol/errors';
import { type Experiment, modelMismatch } from '../../../protocol/experiment';
import { type ExperimentStep, compareSteps, describeStep } from '../../../protocol/experimentSteps';
import { METHODS, cliCommandOf } from '../../../protocol/methods';
import type { DeriveIdsParams, ForwardParams, SweepPatchesParams, ProbeParams, SteerParams } from '../../../protocol/requests';
import { deriveIds, probe, steer, sweepPatches } from '../analysis/analysisRequests';
import { checkOutputFile } from '../files/outputFile';
import { flipMap } from '../analysis/flipMap';
import type { FlipMapParams } from '../../../protocol/plotRequests';
import { defaultModelDir } from '../rpc/defaultModel';
import { runForward } from '../rpc/forwardCall';
import { loadRunner } from '../rpc/loadRunner';
import type { ModelRunner } from '../run/modelRunner';
import { ANALYSIS_OPTIONS, AnalysisValues, paramsFor } from './analysisOptions';
import { reportOf } from './analysisReports';
import type { CliCommand } from './commands';
import { AnalysisCommand, STEP_OF_COMMAND, readExperiment, writeExperiment } from './experimentFiles';
import { dtypeOption, wholeNumber } from './numberOption';
import { UsageError } from './usageError';

/**
 * derive-ids, derive-tids, probe, steer, sweep-patches: options -> one step's params -> the
 * analysis -> a table, or with --json the result as the last line. --experiment FILE re-runs
 * every step of a saved experiment (written by the CLI, the palette or the panel) and fails
 * naming each step whose numbers differ from the saved ones (protocol/experimentSteps.ts).
 * --save-experiment writes the experiment, --results the experiment with its results; neither
 * replaces a file unless --overwrite. Both (and --out) are checked before the model loads, so a
 * bad path costs no work, and written atomically once every step has run.
 */

/** Runs one step on the loaded model: the same request functions as the server's handlers. */
export async function runStep(step: ExperimentStep, runner: ModelRunner, threads: number, onProgress: (m: string) => void): Promise<unknown> {
  const ctx = { progress: (m: string) => onProgress(m) };
  const deps = { loadModel: (dir: string) => loadRunner(dir, { threads }) };
  const params = step.params as unknown;
  switch (step.method) {
    case 'forward':
      return runForward(runner, params as ForwardParams);
    case 'deriveIds':
      return deriveIds(runner, params as DeriveIdsParams, 'spatial', ctx, deps);
    case 'deriveTids':
      return deriveIds(runner, params as DeriveIdsParams, 'temporal', ctx, deps);
    case 'probe':
      return probe(runner, params as ProbeParams, ctx);
    case 'steer':
      return steer(runner, params as SteerParams, ctx);
    case 'sweepPatches':
      return sweepPatches(runner, params as SweepPatchesParams, ctx);
    case 'flipMap':
      return flipMap(runner, params as FlipMapParams, ctx);
  }
}

/** The experiment of --experiment FILE, with --model and --bank applied (a bank for the steps saved with the model's default one). */
function experimentFromFile(command: AnalysisCommand, file: string, v: AnalysisValues): Experiment {
  const exp = readExperiment(file);
  const only = exp.steps.length === 1 ? exp.steps[0].method : null;
  if (only && only !== STEP_OF_COMMAND[command]) {
    // a lone forward step re-runs under any analysis command
    const cli = METHODS[only].analysis ? cliCommandOf(only) : 'probe';
    throw new UsageError(`${file} is a ${only} experiment: run it with \`spatial-id-lens ${cli} --experiment ${file}\`.`);
  }
  if (!exp.steps.length) throw badRequest(`${file} has no steps to re-run.`);
  const model = typeof v.model === 'string' ? { dir: path.resolve(v.model), decoderHash: exp.model.decoderHash } : exp.model;
  const bank = typeof v.bank === 'string' ? path.resolve(v.bank) : undefined;
  const steps = exp.steps.map((s) => (bank && (s.method === 'probe' || s.method === 'steer') && s.params.bank === undefined ? { ...s, params: { ...s.params, bank } } : s));
  return { ...exp, model, steps };
}

function analysisCommand(command: AnalysisCommand, summary: string): CliCommand {
  return {
    summary,
    async run(args) {
      const { values, positionals } = parseArgs({ args, options: ANALYSIS_OPTIONS, allowPositionals: false });
      if (positionals.length) throw new UsageError(`${command} takes options only (got ${positionals.join(' ')}).`);
      const v = values as AnalysisValues;
      const replayed = typeof v.experiment === 'string' ? v.experiment : undefined;
      let exp: Experiment;
      if (replayed) {
        exp = experimentFromFile(command, replayed, v);
      } else {
        const model = path.resolve(typeof v.model === 'string' ? v.model : defaultModelDir());
        exp = { model: { dir: model, decoderHash: null }, steps: [{ method: STEP_OF_COMMAND[command], params: paramsFor(command, v, model) as Record<string, unknown> }] };
      }
      const overwrite = v.overwrite === true;
      const saveExperiment = typeof v['save-experiment'] === 'string' ? checkOutputFile(v['save-experiment'], { overwrite, what: 'experiment file' }) : undefined;
      const results = typeof v.results === 'string' ? checkOutputFile(v.results, { overwrite, what: 'results file' }) : undefined;
      if (saveExperiment !== undefined && saveExperiment === results) throw new UsageError('--save-experiment and --results name the same file: choose two files (the results file holds the experiment too).');
      // ID banks too, before the model loads (deriveIds checks them again before its work)
      for (const s of exp.steps) if (typeof s.params.out === 'string') checkOutputFile(s.params.out, { overwrite: s.params.overwrite, what: 'ID bank' });
      const threads = wholeNumber('threads', typeof v.threads === 'string' ? v.threads : undefined, 1, 1, 256);
      const runner = await loadRunner(exp.model.dir, { threads, dtype: dtypeOption(typeof v.dtype === 'string' ? v.dtype : undefined) });
      const fresh: ExperimentStep[] = [];
      try {
        const info = runner.info();
        const mismatch = replayed ? modelMismatch(exp, info, replayed) : null;
        if (mismatch) throw badRequest(mismatch);
        let last = '';
        const progress = (m: string) => {
          const stage = m.replace(/:.*$/, '');
          if (stage !== last && !v.json) process.stderr.write(`${m}\n`);
          last = stage;
        };
        for (const step of exp.steps) {
          try {
            fresh.push({ ...step, result: await runStep(step, runner, threads, progress) });
          } catch (e) {
            // a saved step that failed may fail again the same way (compared by code); a new command's failure is the command's
            if (!replayed || !(e instanceof CodedError)) throw e;
            fresh.push({ method: step.method, params: step.params, error: { code: e.code, message: e.message } });
          }
        }
        exp = { ...exp, model: { dir: exp.model.dir, decoderHash: info.decoderHash } };
      } finally {
        await runner.dispose();
      }
      const done = { ...exp, steps: fresh };
      if (saveExperiment) writeExperiment(saveExperiment, done, { overwrite, withResults: false, what: 'experiment file' });
      if (results) writeExperiment(results, done, { overwrite, withResults: true, what: 'results file' });
      for (const s of fresh) process.stdout.write(v.json ? `${JSON.stringify(s.result ?? { error: s.error })}\n` : `${s.error ? `step failed: ${s.error.message}` : reportOf(s.method, s.result)}\n`);
      if (replayed) reportReplay(replayed, exp.steps, fresh);
    },
  };
}

/** After a re-run: a line saying the numbers agree, or an error naming every step that differs (exit code 1). */
function reportReplay(file: string, saved: readonly ExperimentStep[], fresh: readonly ExperimentStep[]): void {
  const compared = saved.filter((s) => s.result !== undefined || s.error !== undefined).length;
  // compared as they are saved and printed: JSON, where a NaN (a curve with no items) is null
  const differing = compareSteps(saved, JSON.parse(JSON.stringify(fresh)) as ExperimentStep[]);
  if (differing.length) {
    throw badRequest(`${file}: ${differing.length} of ${compared} saved steps differ from the re-run (tolerance: relative 1e-4, absolute 1e-4 near 0): ${differing.map((d) => describeStep(d)).join('; ')}.`);
  }
  process.stderr.write(`${file}: ${fresh.length} step${fresh.length === 1 ? '' : 's'} re-run; ${compared ? `all ${compared} saved results agree` : 'the file has no saved results to compare (write them with --results)'}.\n`);
}

export const deriveIdsCommand = analysisCommand('derive-ids', 'Derive spatial IDs on the grid datasets; per-layer lattice scores beside a random-init model; saves an ID bank (--out)');
export const deriveTidsCommand = analysisCommand('derive-tids', 'Derive temporal IDs from scene-engine clips; per-layer order scores; saves an ID bank (--out)');
export const probeCommand = analysisCommand('probe', 'Where the model believes each named object is, per layer (cosine with the ID bank)');
export const steerCommand = analysisCommand('steer', 'Move an object by adding ID differences (with the matched-norm noise control); --batch N over held-out scenes');
export const sweepPatchesCommand = analysisCommand('sweep-patches', 'Mirror patching sweep per layer for image tokens, text tokens and object words; --batch N over held-out scenes');
