import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DeriveIdsParams, MediaRef, SweepPatchesParams, ProbeParams, SteerParams } from '../../../protocol/requests';
import { paramsSchemaOf } from '../../../protocol/requestSchemas';
import { rpcMethodOf } from '../../../protocol/methods';
import { fieldName, validateParams } from '../../../protocol/requestValidation';
import { type AnalysisCommand, STEP_OF_COMMAND } from './experimentFiles';
import { parseBoxes } from './boxesOption';
import { parseIndexList } from './forwardOptions';
import { numberList, numberValue } from './numberOption';
import { UsageError } from './usageError';
import { parseObjectWord } from '../analysis/objectWords';

/**
 * The analysis commands' options as request params (the same objects the JSON-RPC methods take
 * and experiment files store), then checked by the same schema as the requests: the options
 * here only turn text into numbers and lists, the bounds are the schema's. One option table for
 * all five commands; each reads its own.
 */

export const ANALYSIS_OPTIONS = {
  model: { type: 'string' },
  dtype: { type: 'string' },
  threads: { type: 'string' },
  json: { type: 'boolean' },
  experiment: { type: 'string' },
  'save-experiment': { type: 'string' },
  results: { type: 'string' },
  overwrite: { type: 'boolean' },
  out: { type: 'string' },
  objects: { type: 'string' },
  answers: { type: 'string' },
  grid: { type: 'string' },
  sizes: { type: 'string' },
  frames: { type: 'string' },
  baseline: { type: 'string' },
  'calibration-items': { type: 'string' },
  bank: { type: 'string' },
  boxes: { type: 'string' },
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

/** The random-init twin shipped beside a model (`<model>-random-init`), the default baseline. */
export function defaultBaseline(model: string): string | null {
  const twin = `${path.resolve(model).replace(/[\\/]+$/, '')}-random-init`;
  return fs.existsSync(path.join(twin, 'config.json')) ? twin : null;
}

/** `1;2;3-4` -> [[1], [2], [3, 4]] */
function bands(value: string | undefined): number[][] | undefined {
  return value?.split(';').map((b) => parseIndexList('bands', b));
}

/** The params without keys left undefined (an option not given), as experiment files store them. */
const defined = <T extends object>(p: T): T => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) as T;

function paramsOf(command: AnalysisCommand, values: AnalysisValues, model: string): object {
  const seed = numberValue('seed', str(values.seed));
  switch (command) {
    case 'derive-ids':
    case 'derive-tids': {
      const b = str(values.baseline);
      // both take every option here; the schema refuses those of the other kind (--grid for temporal IDs)
      const p: DeriveIdsParams = {
        out: str(values.out) && path.resolve(str(values.out)!),
        overwrite: values.overwrite === true,
        objects: list(values.objects),
        grid: numberValue('grid', str(values.grid)),
        sizes: numberList('sizes', str(values.sizes)),
        frames: numberValue('frames', str(values.frames)),
        seed,
        baseline: b === 'none' ? null : b ? path.resolve(b) : defaultBaseline(model),
        calibrationItems: numberValue('calibration-items', str(values['calibration-items'])),
      };
      return p;
    }
    case 'probe': {
      const m = media(values);
      if (!m || !str(values.question)) throw new UsageError('probe needs --image or --video, and --question.');
      const boxes = parseBoxes(str(values.boxes));
      // boxed objects are read: without --objects, the objects are those given a box
      const objects = list(values.objects) ?? (boxes && Object.keys(boxes));
      const p: ProbeParams = { bank: str(values.bank) && path.resolve(str(values.bank)!), media: m, question: str(values.question)!, objects, boxes };
      return p;
    }
    case 'steer': {
      const p: SteerParams = {
        bank: str(values.bank) && path.resolve(str(values.bank)!),
        media: media(values),
        question: str(values.question),
        object: str(values.object),
        targetCell: numberValue('target-cell', str(values['target-cell'])),
        opposite: values.opposite === true,
        // a single input's objects and answer words, named freely ("dog", "traffic light"); the schema refuses them with --batch
        objects: list(values.objects),
        answers: list(values.answers),
        layers: values.layers === undefined ? [] : parseIndexList('layers', str(values.layers)!),
        bands: bands(str(values.bands)),
        factor: numberValue('factor', str(values.factor)),
        seed,
        batch: numberValue('batch', str(values.batch)),
        relation: str(values.relation) as SteerParams['relation'],
      };
      return p;
    }
    case 'sweep-patches': {
      const p: SweepPatchesParams = {
        media: media(values),
        question: str(values.question),
        objects: list(values.objects),
        answers: list(values.answers),
        batch: numberValue('batch', str(values.batch)),
        relation: str(values.relation) as SweepPatchesParams['relation'],
        seed,
      };
      return p;
    }
  }
}

/** A params field as the option that set it: targetCell is --target-cell, media.image is --image, sizes[2] is --sizes[2]. */
export function optionNameOf(path: readonly PropertyKey[]): string {
  const [key, ...rest] = path;
  if (key === 'media') return typeof rest[0] === 'string' ? `--${rest[0]}${rest.length > 1 ? `.${fieldName(rest.slice(1))}` : ''}` : '--image or --video';
  if (typeof key !== 'string') return fieldName(path);
  const option = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  return rest.length ? `${option}${typeof rest[0] === 'number' ? '' : '.'}${fieldName(rest)}` : option;
}

/** The command's params from its options, checked by the request's schema (an out-of-range --batch is refused here, before any work). */
export function paramsFor(command: AnalysisCommand, values: AnalysisValues, model: string): object {
  const checked = validateParams(paramsSchemaOf(rpcMethodOf(STEP_OF_COMMAND[command])), defined(paramsOf(command, values, model)), command, optionNameOf);
  if (!checked.ok) throw new UsageError(checked.message);
  // which colours and shapes the derivations draw is the scene engine's, not the protocol schema's: checked here too, before any work
  const derives = command === 'derive-ids' || command === 'derive-tids';
  const objects = derives ? ((checked.value as DeriveIdsParams).objects ?? []) : [];
  for (const o of objects) {
    try {
      parseObjectWord(o);
    } catch (e) {
      throw new UsageError(`--objects: ${(e as Error).message}`);
    }
  }
  return checked.value as object;
}
