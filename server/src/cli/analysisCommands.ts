import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { deriveIdsRequest, patchSweepRequest, probeRequest, steerRequest } from '../analysis/analysisRequests';
import { AnalysisCommand, Experiment, makeExperiment, readExperiment } from '../analysis/experimentFile';
import { checkOutputFile, writeJsonAtomically } from '../files/outputFile';
import type { DeriveIdsParams, PatchSweepParams, ProbeParams, SteerParams } from '../../../protocol/requests';
import { defaultModelDir } from '../rpc/defaultModel';
import { loadRunner } from '../rpc/loadRunner';
import type { ModelRunner } from '../run/modelRunner';
import { ANALYSIS_OPTIONS, AnalysisValues, paramsFor } from './analysisOptions';
import { reportOf } from './analysisReports';
import type { CliCommand } from './commands';
import { wholeNumber } from './numberOption';
import { UsageError } from './usageError';

/**
 * derive-ids, derive-tids, probe, steer, patch-sweep: options (or --experiment FILE) -> request
 * params -> the analysis -> a table, or with --json the results as the last line. --save-experiment
 * writes the experiment, --results the experiment with its results; neither replaces a file
 * unless --overwrite. Both (and --out) are checked before the model loads, so a bad path costs
 * no work, and written atomically (files/outputFile.ts) once the analysis has succeeded.
 */

export async function runAnalysis(exp: Experiment, runner: ModelRunner, threads: number, onProgress: (m: string) => void): Promise<unknown> {
  const ctx = { progress: (m: string) => onProgress(m) };
  const deps = { loadModel: (dir: string) => loadRunner(dir, { threads }) };
  switch (exp.command) {
    case 'derive-ids':
      return deriveIdsRequest(runner, exp.params as unknown as DeriveIdsParams, 'spatial', ctx, deps);
    case 'derive-tids':
      return deriveIdsRequest(runner, exp.params as unknown as DeriveIdsParams, 'temporal', ctx, deps);
    case 'probe':
      return probeRequest(runner, exp.params as unknown as ProbeParams, ctx);
    case 'steer':
      return steerRequest(runner, exp.params as unknown as SteerParams, ctx);
    case 'patch-sweep':
      return patchSweepRequest(runner, exp.params as unknown as PatchSweepParams, ctx);
  }
}

function analysisCommand(command: AnalysisCommand, summary: string): CliCommand {
  return {
    summary,
    async run(args) {
      const { values, positionals } = parseArgs({ args, options: ANALYSIS_OPTIONS, allowPositionals: false });
      if (positionals.length) throw new UsageError(`${command} takes options only (got ${positionals.join(' ')}).`);
      const v = values as AnalysisValues;
      let exp: Experiment;
      if (typeof v.experiment === 'string') {
        exp = readExperiment(v.experiment);
        if (exp.command !== command) throw new UsageError(`${v.experiment} is a ${exp.command} experiment: run it with \`spatial-id-lens ${exp.command} --experiment ${v.experiment}\`.`);
      } else {
        const model = path.resolve(typeof v.model === 'string' ? v.model : defaultModelDir());
        exp = makeExperiment(command, model, paramsFor(command, v, model));
      }
      const overwrite = v.overwrite === true;
      const saveExperiment = typeof v['save-experiment'] === 'string' ? checkOutputFile(v['save-experiment'], { overwrite, what: 'experiment file' }) : undefined;
      const results = typeof v.results === 'string' ? checkOutputFile(v.results, { overwrite, what: 'results file' }) : undefined;
      if (saveExperiment !== undefined && saveExperiment === results) throw new UsageError('--save-experiment and --results name the same file: choose two files (the results file holds the experiment too).');
      // the ID bank too, before the model loads (deriveIdsRequest checks it again before its work)
      if (typeof exp.params.out === 'string') checkOutputFile(exp.params.out, { overwrite: exp.params.overwrite, what: 'ID bank' });
      const threads = wholeNumber('threads', typeof v.threads === 'string' ? v.threads : undefined, 1, 1, 256);
      const runner = await loadRunner(exp.model, { threads });
      let result: unknown;
      try {
        let last = '';
        result = await runAnalysis(exp, runner, threads, (m) => {
          const stage = m.replace(/:.*$/, '');
          if (stage !== last && !v.json) process.stderr.write(`${m}\n`);
          last = stage;
        });
      } finally {
        await runner.dispose();
      }
      if (saveExperiment) writeJsonAtomically(saveExperiment, exp, { overwrite, what: 'experiment file' });
      if (results) writeJsonAtomically(results, { experiment: exp, results: result }, { overwrite, what: 'results file' });
      process.stdout.write(v.json ? `${JSON.stringify(result)}\n` : `${reportOf(command, result)}\n`);
    },
  };
}

export const deriveIdsCommand = analysisCommand('derive-ids', 'Derive spatial IDs on the grid datasets; per-layer lattice scores beside a random-init model; saves an ID bank (--out)');
export const deriveTidsCommand = analysisCommand('derive-tids', 'Derive temporal IDs from scene-engine clips; per-layer order scores; saves an ID bank (--out)');
export const probeCommand = analysisCommand('probe', 'Where the model believes each named object is, per layer (cosine with the ID bank)');
export const steerCommand = analysisCommand('steer', 'Move an object by adding ID differences (with the matched-norm noise control); --batch N over held-out scenes');
export const patchSweepCommand = analysisCommand('patch-sweep', 'Mirror patching sweep per layer for image tokens, text tokens and object words; --batch N over held-out scenes');
