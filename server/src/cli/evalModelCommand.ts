import { parseArgs } from 'node:util';
import { DEFAULT_EVAL_SEED, evaluateModel } from '../eval/evaluateModel';
import type { CliCommand } from './commands';
import { wholeNumber } from './numberOption';
import { UsageError } from './usageError';

export const evalModelCommand: CliCommand = {
  summary: 'Accuracy per question family on a fresh held-out set, and forward latency (JSON on the last stdout line)',
  async run(args) {
    const { values } = parseArgs({
      args,
      options: { model: { type: 'string' }, 'per-family': { type: 'string' }, seed: { type: 'string' }, threads: { type: 'string' } },
    });
    if (!values.model) throw new UsageError('--model <folder> is required: a model folder with config.json and onnx/ (e.g. models/tiny-spatial-vlm).');
    const report = await evaluateModel({
      model: values.model,
      perFamily: wholeNumber('per-family', values['per-family'], 500, 1),
      seed: wholeNumber('seed', values.seed, DEFAULT_EVAL_SEED, 0, 2 ** 31 - 1),
      threads: wholeNumber('threads', values.threads, 1, 1, 64),
      onProgress: (message) => process.stderr.write(`${message}\n`),
    });
    process.stdout.write(JSON.stringify(report) + '\n');
  },
};
