import { parseArgs } from 'node:util';
import type { ForwardResult } from '../../../protocol/requests';
import { defaultModelDir } from '../rpc/defaultModel';
import { checkForwardParams, runForward } from '../rpc/forwardCall';
import { loadRunner } from '../rpc/loadRunner';
import type { CliCommand } from './commands';
import { forwardParamsFromArgs } from './forwardOptions';
import { dtypeOption, wholeNumber } from './numberOption';

/** `1,2,3,7` as `1-3, 7`. */
export function ranges(values: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j] + 1) j++;
    parts.push(i === j ? `${values[i]}` : `${values[i]}-${values[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}

/** The human-readable summary printed without --json. */
export function describeForward(r: ForwardResult): string[] {
  const media = r.tokens.filter((t) => t.kind !== 'text').map((t) => t.position);
  const text = r.tokens.filter((t) => t.kind === 'text').map((t) => `${t.position}:${t.text}`);
  const layers = Object.keys(r.hidden).map(Number);
  const positions = layers.length ? Object.keys(r.hidden[layers[0]]).map(Number) : [];
  const size = positions.length ? r.hidden[layers[0]][positions[0]].length : 0;
  return [
    `answer: ${r.answer}`,
    `log-probabilities: ${Object.entries(r.logprobs).map(([w, lp]) => `${w} ${lp.toFixed(4)}`).join(', ') || '(no answer words)'}`,
    `tokens: ${r.tokens.length}, of which ${media.length} media tokens${media.length ? ` at ${ranges(media)}` : ''}`,
    `text tokens: ${text.join(' ')}`,
    ...(r.frames ? [`frames fed to the model: ${r.frames.map((f) => (f.seconds === null ? `${f.index}` : `${f.index} (${f.seconds.toFixed(2)} s)`)).join(', ')}`] : []),
    layers.length ? `captured: layers ${ranges(layers)} at positions ${ranges(positions)}, vectors of ${size} (--json prints them)` : 'captured: nothing',
  ];
}

export const forwardCommand: CliCommand = {
  summary: 'Run one question about an image or clip; answer, log-probabilities, tokens and captured residuals (--json: JSON on the last line)',
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        model: { type: 'string' },
        image: { type: 'string' },
        video: { type: 'string' },
        question: { type: 'string' },
        answers: { type: 'string' },
        'capture-layers': { type: 'string' },
        'capture-positions': { type: 'string' },
        steer: { type: 'string', multiple: true },
        'max-new-tokens': { type: 'string' },
        threads: { type: 'string' },
        dtype: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    const params = checkForwardParams(forwardParamsFromArgs({ ...values, model: values.model ?? defaultModelDir() }));
    const threads = values.threads === undefined ? undefined : wholeNumber('threads', values.threads, 1, 1, 256);
    const runner = await loadRunner(params.model!, { threads, dtype: dtypeOption(values.dtype) });
    try {
      const result = await runForward(runner, params);
      process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : `${describeForward(result).join('\n')}\n`);
    } finally {
      await runner.dispose();
    }
  },
};
