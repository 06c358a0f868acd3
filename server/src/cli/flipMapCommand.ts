import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { FlipMapParams, FlipMapResult } from '../../../protocol/requests';
import { flipMapParamsSchema } from '../../../protocol/requestSchemas';
import { validateParams } from '../../../protocol/requestValidation';
import { flipMap } from '../analysis/flipMap';
import { defaultModelDir } from '../rpc/defaultModel';
import { modelShapeOf } from '../rpc/forwardCall';
import { loadRunner } from '../rpc/loadRunner';
import { checkSteerAgainstModel } from '../rpc/modelBounds';
import { optionNameOf } from './analysisOptions';
import type { CliCommand } from './commands';
import { parseIndexList } from './forwardOptions';
import { dtypeOption, numberValue, wholeNumber } from './numberOption';
import { UsageError } from './usageError';

/**
 * `flip-map`: the object steered to every cell of the ID bank's grid, each beside the
 * matched-norm noise control; the panel's flip map from the command line (the same request).
 */

const OPTIONS = {
  model: { type: 'string' },
  dtype: { type: 'string' },
  threads: { type: 'string' },
  json: { type: 'boolean' },
  bank: { type: 'string' },
  image: { type: 'string' },
  video: { type: 'string' },
  question: { type: 'string' },
  object: { type: 'string' },
  objects: { type: 'string' },
  answers: { type: 'string' },
  layers: { type: 'string' },
  factor: { type: 'string' },
  seed: { type: 'string' },
} as const;

type Values = Partial<Record<keyof typeof OPTIONS, string | boolean>>;
const str = (v: string | boolean | undefined) => (typeof v === 'string' ? v : undefined);
const list = (v: string | boolean | undefined) => str(v)?.split(',').map((s) => s.trim()).filter(Boolean);

/** The request's params from the options, checked by the request's own schema (its messages name the options). */
export function flipMapParamsFrom(v: Values): FlipMapParams {
  const image = str(v.image);
  const video = str(v.video);
  if (image && video) throw new UsageError('Give --image or --video, not both.');
  if (!image && !video) throw new UsageError('flip-map needs --image or --video, --question and --object.');
  const raw: Record<string, unknown> = {
    bank: str(v.bank) && path.resolve(str(v.bank)!),
    media: image ? { image: path.resolve(image) } : { video: path.resolve(video!) },
    question: str(v.question),
    object: str(v.object),
    objects: list(v.objects),
    answers: list(v.answers),
    layers: v.layers === undefined ? undefined : parseIndexList('layers', str(v.layers)!),
    factor: numberValue('factor', str(v.factor)),
    seed: numberValue('seed', str(v.seed)),
  };
  const defined = Object.fromEntries(Object.entries(raw).filter(([, x]) => x !== undefined));
  const checked = validateParams(flipMapParamsSchema, defined, 'flip-map', optionNameOf);
  if (!checked.ok) throw new UsageError(checked.message);
  return checked.value;
}

const pct = (p: number) => `${Math.round(100 * p)}%`.padStart(4);

/** The flip map as a grid of P(preferred answer before) under steering | noise, one row of the bank's grid per line. */
export function flipMapReport(r: FlipMapResult): string {
  const p = (lp: Record<string, number>) => Math.exp(lp[r.preferredBefore] ?? -Infinity);
  const lines = [
    `${r.object} steered to each cell at layers ${r.layers.join(',')} (factor ${r.factor}, ${r.factorSource}); read at row ${(r.cells[r.sourceCell]?.y ?? 0) + 1}, column ${(r.cells[r.sourceCell]?.x ?? 0) + 1}; answer before: ${r.answerBefore} (prefers ${r.preferredBefore})`,
    `P(${r.preferredBefore}) per cell, steering | noise control; * = the preferred answer flipped`,
  ];
  const rows = new Map<number, string[]>();
  r.results.forEach((c, i) => {
    const { x, y } = r.cells[i];
    const cell = c.steered ? `${pct(p(c.logprobs))}${c.flipped ? '*' : ' '}|${pct(p(c.logprobsNoise))}${c.flippedNoise ? '*' : ' '}` : '(read here)';
    const row = rows.get(y) ?? [];
    row[x] = cell.padEnd(11);
    rows.set(y, row);
  });
  for (const y of [...rows.keys()].sort((a, b) => a - b)) lines.push(`row ${y + 1}: ${rows.get(y)!.join('  ')}`.trimEnd());
  const steered = r.results.filter((c) => c.steered);
  lines.push(`flipped: steering ${steered.filter((c) => c.flipped).length} of ${steered.length} cells, noise ${steered.filter((c) => c.flippedNoise).length} of ${steered.length}`);
  return lines.join('\n');
}

export const flipMapCommand: CliCommand = {
  summary: "Steer an object to every cell of the ID bank's grid; P(answer) per cell beside the matched-norm noise control",
  async run(args) {
    const { values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: false });
    if (positionals.length) throw new UsageError(`flip-map takes options only (got ${positionals.join(' ')}).`);
    const v = values as Values;
    const params = flipMapParamsFrom(v);
    const threads = wholeNumber('threads', str(v.threads), 1, 1, 256);
    const runner = await loadRunner(path.resolve(str(v.model) ?? defaultModelDir()), { threads, dtype: dtypeOption(str(v.dtype)) });
    try {
      checkSteerAgainstModel(params, modelShapeOf(runner));
      let last = '';
      const progress = (m: string) => {
        const stage = m.replace(/:.*$/, '');
        if (stage !== last && !v.json) process.stderr.write(`${m}\n`);
        last = stage;
      };
      const result = await flipMap(runner, params, { progress });
      process.stdout.write(v.json ? `${JSON.stringify(result)}\n` : `${flipMapReport(result)}\n`);
    } finally {
      await runner.dispose();
    }
  },
};
