import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DeriveIdsParams, MediaRef, PatchSweepParams, ProbeParams, SteerParams } from '../protocol/spatialIdsProtocol';
import type { AnalysisCommand } from '../analysis/experimentFile';
import { parseIndexList } from './forwardOptions';
import { wholeNumber } from './numberOption';
import { UsageError } from './usageError';

/**
 * The analysis commands' options as request params (the same objects the JSON-RPC methods take
 * and experiment files store). One option table for all five commands; each reads its own.
 */

export const ANALYSIS_OPTIONS = {
  model: { type: 'string' },
  threads: { type: 'string' },
  json: { type: 'boolean' },
  experiment: { type: 'string' },
  'save-experiment': { type: 'string' },
  results: { type: 'string' },
  overwrite: { type: 'boolean' },
  out: { type: 'string' },
  objects: { type: 'string' },
  grid: { type: 'string' },
  sizes: { type: 'string' },
  frames: { type: 'string' },
  baseline: { type: 'string' },
  bank: { type: 'string' },
  image: { type: 'string' },
  video: { type: 'string' },
  question: { type: 'string' },
  object: { type: 'string' },
  'target-cell': { type: 'string' },
  opposite: { type: 'boolean' },
  layers: { type: 'string' },
  bands: { type: 'string' },
  factor: { type: 'string' },
  batch: { type: 'string' },
  relation: { type: 'string' },
  seed: { type: 'string' },
} as const;

export type AnalysisValues = Partial<Record<keyof typeof ANALYSIS_OPTIONS, string | boolean>>;

const str = (v: string | boolean | undefined) => (typeof v === 'string' ? v : undefined);
const list = (v: string | boolean | undefined) => str(v)?.split(',').map((s) => s.trim()).filter(Boolean);

function media(values: AnalysisValues): MediaRef | undefined {
  const image = str(values.image);
  const video = str(values.video);
  if (image && video) throw new UsageError('Give --image or --video, not both.');
  return image ? { image: path.resolve(image) } : video ? { video: path.resolve(video) } : undefined;
}

function relation(values: AnalysisValues): SteerParams['relation'] {
  const r = str(values.relation);
  if (r === undefined) return undefined;
  if (r !== 'leftRight' && r !== 'aboveBelow' && r !== 'beforeAfter') throw new UsageError(`--relation takes leftRight, aboveBelow or beforeAfter (got "${r}").`);
  return r;
}

function factor(values: AnalysisValues): number | undefined {
  const f = str(values.factor);
  if (f === undefined) return undefined;
  const n = Number(f);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--factor takes a positive number (got "${f}").`);
  return n;
}

/** The random-init twin shipped beside a model (`<model>-random-init`), the default baseline. */
export function defaultBaseline(model: string): string | null {
  const twin = `${path.resolve(model).replace(/[\\/]+$/, '')}-random-init`;
  return fs.existsSync(path.join(twin, 'config.json')) ? twin : null;
}

/** `1;2;3-4` -> [[1], [2], [3, 4]] */
function bands(value: string | undefined): number[][] | undefined {
  return value?.split(';').map((b) => parseIndexList('bands', b));
}

export function paramsFor(command: AnalysisCommand, values: AnalysisValues, model: string): object {
  const seed = values.seed === undefined ? undefined : wholeNumber('seed', str(values.seed), 0, 0, 2 ** 31 - 1);
  switch (command) {
    case 'derive-ids':
    case 'derive-tids': {
      const b = str(values.baseline);
      const p: DeriveIdsParams = {
        out: str(values.out) && path.resolve(str(values.out)!),
        overwrite: values.overwrite === true,
        objects: list(values.objects),
        grid: values.grid === undefined ? undefined : wholeNumber('grid', str(values.grid), 4, 2, 64),
        sizes: values.sizes === undefined ? undefined : parseIndexList('sizes', str(values.sizes)!),
        frames: values.frames === undefined ? undefined : wholeNumber('frames', str(values.frames), 8, 2, 256),
        seed,
        baseline: b === 'none' ? null : b ? path.resolve(b) : defaultBaseline(model),
      };
      return p;
    }
    case 'probe': {
      const m = media(values);
      if (!m || !str(values.question)) throw new UsageError('probe needs --image or --video, and --question.');
      const p: ProbeParams = { bank: str(values.bank) && path.resolve(str(values.bank)!), media: m, question: str(values.question)!, objects: list(values.objects) } as ProbeParams;
      return p;
    }
    case 'steer': {
      const p: SteerParams = {
        bank: str(values.bank) && path.resolve(str(values.bank)!),
        media: media(values),
        question: str(values.question),
        object: str(values.object),
        targetCell: values['target-cell'] === undefined ? undefined : wholeNumber('target-cell', str(values['target-cell']), 0, 0, 4096),
        opposite: values.opposite === true,
        layers: values.layers === undefined ? [] : parseIndexList('layers', str(values.layers)!),
        bands: bands(str(values.bands)),
        factor: factor(values),
        seed,
        batch: values.batch === undefined ? undefined : wholeNumber('batch', str(values.batch), 1, 1, 100000),
        relation: relation(values),
      };
      return p;
    }
    case 'patch-sweep': {
      const p: PatchSweepParams = {
        media: media(values),
        question: str(values.question),
        batch: values.batch === undefined ? undefined : wholeNumber('batch', str(values.batch), 1, 1, 100000),
        relation: relation(values),
        seed,
      };
      return p;
    }
  }
}
