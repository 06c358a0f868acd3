import { parseArgs } from 'node:util';
import { DEFAULT_INDEPENDENT_PICTURES, independentSummary } from '../eval/evaluateIndependent';
import { DEFAULT_EVAL_SEED, EvalReport, Tally, evaluateModel, widenedSummary } from '../eval/evaluateModel';
import type { CliCommand } from './commands';
import { wholeNumber } from './numberOption';
import { UsageError } from './usageError';

const pct = (t: Tally) => `${t.accuracy.toFixed(3)} (n=${t.n})`;

/** The scene-engine figures and the independent set's side by side, for a person (stderr); the JSON line stays the last on stdout. */
function summary(report: EvalReport): string[] {
  const families = Object.entries(report.families).map(([f, t]) => {
    const answers = t.perAnswer ? ` [${Object.entries(t.perAnswer).map(([w, a]) => `${w} ${pct(a)}`).join(', ')}]` : '';
    return `  ${f}: ${pct(t)}${answers}`;
  });
  return [
    `scene-engine held-out set (seed ${report.seed}): overall ${pct(report.overall)}`,
    ...families,
    ...(report.widened ? widenedSummary(report.widened, report.seed) : ['widened set: not run (--widened 0)']),
    ...(report.independent ? independentSummary(report.independent) : ['independent set: not run (--independent 0)']),
    `median single-image forward ${report.medianForwardMs.toFixed(2)} ms; ${report.seconds.toFixed(0)} s in all`,
  ];
}

export const evalModelCommand: CliCommand = {
  summary: 'Accuracy per question family on a fresh held-out set and on an independent set of SVG pictures, and forward latency (JSON on the last stdout line)',
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        model: { type: 'string' }, 'per-family': { type: 'string' }, seed: { type: 'string' }, threads: { type: 'string' },
        independent: { type: 'string' }, widened: { type: 'string' },
      },
    });
    if (!values.model) throw new UsageError('--model <folder> is required: a model folder with config.json and onnx/ (e.g. models/tiny-spatial-vlm).');
    const report = await evaluateModel({
      model: values.model,
      perFamily: wholeNumber('per-family', values['per-family'], 500, 1),
      seed: wholeNumber('seed', values.seed, DEFAULT_EVAL_SEED, 0, 2 ** 31 - 1),
      threads: wholeNumber('threads', values.threads, 1, 1, 64),
      widenedPerFamily: values.widened === undefined ? undefined : wholeNumber('widened', values.widened, 0, 0, 100000),
      independentPictures: wholeNumber('independent', values.independent, DEFAULT_INDEPENDENT_PICTURES, 0, 100000),
      onProgress: (message) => process.stderr.write(`${message}\n`),
    });
    process.stderr.write(summary(report).join('\n') + '\n');
    process.stdout.write(JSON.stringify(report) + '\n');
  },
};
