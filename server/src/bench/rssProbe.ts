// First, so onnxruntime-node is only ever loaded with its telemetry off (see onnxRuntime.ts).
import '../model/onnxRuntime';
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { OnnxVariant } from '../model/modelFolder';
import { VisionLanguageModel } from '../model/visionLanguageModel';
import { ModelRunner } from '../run/modelRunner';
import { benchInput } from './benchInput';

/**
 * Child process of the bench's peak-RSS figure (peakRss.ts): loads one model folder one way,
 * answers the bench question once, and prints its own peak resident set as one JSON line.
 *
 *   plain     the three ONNX sessions as exported (VisionLanguageModel), one forward;
 *   runner    what the server runs: ModelRunner (instrumented decoder), forward() capturing every
 *             layer at every position.
 *
 * One process per figure, so neither inherits the other's heap or allocator high-water mark.
 * peakRss.ts spawns this file; it runs only as a process's main module.
 */

export const PROBE_MODES = ['plain', 'runner'] as const;
export type ProbeMode = (typeof PROBE_MODES)[number];
export const PROBE_SCRIPT = __filename;

/** Peak resident set in bytes: VmHWM where /proc has it, else getrusage's maxrss. */
function peakRssBytes(): number {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { dir: { type: 'string' }, mode: { type: 'string' }, variant: { type: 'string' }, threads: { type: 'string' }, seed: { type: 'string' }, 'cache-dir': { type: 'string' } } });
  const { dir, mode } = values;
  if (!dir || !PROBE_MODES.includes(mode as ProbeMode)) throw new Error('usage: rssProbe --dir DIR --mode plain|runner [--variant V] [--threads T] [--seed S] [--cache-dir D]');
  const variant = values.variant as OnnxVariant | undefined;
  const threads = Number(values.threads ?? 1);
  const input = await benchInput(Number(values.seed ?? 1));
  const before = peakRssBytes();
  if (mode === 'plain') {
    const model = await VisionLanguageModel.load(dir, { variant, intraOpNumThreads: threads });
    const prepared = await model.promptEmbeds(input.question, await model.encodeImage(input.image));
    await model.session.prefill(prepared.embeds, prepared.prompt.ids, undefined, prepared.positions);
    await model.dispose();
  } else {
    const runner = await ModelRunner.load(dir, { variant, threads, cacheDir: values['cache-dir'] });
    await runner.forward({ media: { encoded: await runner.model.encodeImage(input.image) }, question: input.question, capture: { layers: 'all', positions: 'all' }, maxNewTokens: 0 });
    await runner.dispose();
  }
  process.stdout.write(`${JSON.stringify({ mode, peakRssBytes: peakRssBytes(), startRssBytes: before })}\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: Error) => {
    process.stderr.write(`rssProbe: ${e.message}\n`);
    process.exitCode = 1;
  });
}
