import { parseArgs } from 'node:util';
import { defaultModelDir } from '../rpc/defaultModel';
import { loadRunner } from '../rpc/loadRunner';
import type { CliCommand } from './commands';
import { dtypeOption, wholeNumber } from './numberOption';
import { UsageError } from './usageError';

export const infoCommand: CliCommand = {
  summary: 'Describe a model folder: family, dtypes it holds, layers, hidden size, residual sites found, token counts (JSON; --dtype picks the graphs)',
  async run(args) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { threads: { type: 'string' }, dtype: { type: 'string' } } });
    if (positionals.length > 1) throw new UsageError(`info takes one model folder (got ${positionals.length}: ${positionals.join(' ')}).`);
    const runner = await loadRunner(positionals[0] ?? defaultModelDir(), { threads: wholeNumber('threads', values.threads, 1, 1, 256), dtype: dtypeOption(values.dtype) });
    try {
      process.stdout.write(`${JSON.stringify(runner.info())}\n`);
    } finally {
      await runner.dispose();
    }
  },
};
