import { parseArgs } from 'node:util';
import { exportDataset } from '../dataset/exportDataset';
import { DISTRIBUTIONS, TRAINING_DISTRIBUTION, isDistribution } from '../dataset/trainingMixture';
import type { CliCommand } from './commands';
import { wholeNumber } from './numberOption';
import { UsageError } from './usageError';

export const exportDatasetCommand: CliCommand = {
  summary: 'Render a training set (scenes, clips, questions) for models/tiny-spatial-vlm/train.py',
  async run(args) {
    const { values } = parseArgs({
      args,
      options: { out: { type: 'string' }, scenes: { type: 'string' }, clips: { type: 'string' }, seed: { type: 'string' }, distribution: { type: 'string' } },
    });
    if (!values.out) throw new UsageError('--out <folder> is required: the folder to write the dataset into.');
    const distribution = values.distribution ?? TRAINING_DISTRIBUTION;
    if (!isDistribution(distribution)) throw new UsageError(`--distribution ${distribution} is unknown: use one of ${DISTRIBUTIONS.join(', ')}.`);
    const started = Date.now();
    let lastReport = 0;
    const { examples } = await exportDataset({
      out: values.out,
      scenes: wholeNumber('scenes', values.scenes, 60000, 0),
      clips: wholeNumber('clips', values.clips, 12000, 0),
      seed: wholeNumber('seed', values.seed, 1, 0, 2 ** 31 - 1),
      distribution,
      onProgress: (done, total) => {
        if (Date.now() - lastReport > 5000 || done === total) {
          lastReport = Date.now();
          process.stderr.write(`rendered ${done}/${total} items (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
        }
      },
    });
    process.stdout.write(JSON.stringify({ out: values.out, examples, seconds: (Date.now() - started) / 1000 }) + '\n');
  },
};
