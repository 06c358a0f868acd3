import * as fs from 'node:fs';
import type { AddIntervention, CaptureSpec, ForwardParams, PositionSelector } from '../../../protocol/requests';
import { numberValue } from './numberOption';
import { UsageError } from './usageError';

/**
 * `forward`'s command line as ForwardParams, the same value the `spatialIds/forward` request
 * carries: lists like `0,3,6` or `0-6`, positions as `all | media | text | <list> | words:<w1,w2>`,
 * and steering as `layer:word:vectorfile.json`. The ranges are the request schema's
 * (checkForwardParams), so the command line and the server refuse the same values.
 */

export interface ForwardArgs {
  model: string;
  image?: string;
  video?: string;
  question?: string;
  answers?: string;
  'capture-layers'?: string;
  'capture-positions'?: string;
  steer?: string[];
  'max-new-tokens'?: string;
}

const MAX_INDEX = 1_000_000;

/** `1,3,5-8` as sorted unique whole numbers. */
export function parseIndexList(option: string, value: string): number[] {
  const out = new Set<number>();
  for (const part of value.split(',').map((p) => p.trim())) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    const [from, to] = m ? [Number(m[1]), Number(m[2] ?? m[1])] : [NaN, NaN];
    if (!m || to < from || to > MAX_INDEX) throw new UsageError(`--${option} takes "all" or a list of whole numbers such as 0,3,6 or 0-6 (got "${value}").`);
    for (let i = from; i <= to; i++) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}

export function parseLayers(value: string | undefined): CaptureSpec['layers'] {
  return value === undefined || value === 'all' ? 'all' : parseIndexList('capture-layers', value);
}

export function parsePositions(value: string | undefined): PositionSelector {
  if (value === undefined || value === 'all' || value === 'media' || value === 'text') return value ?? 'all';
  if (value.startsWith('words:')) {
    const words = value.slice('words:'.length).split(',').map((w) => w.trim());
    if (words.some((w) => !w)) throw new UsageError(`--capture-positions words: takes words separated by commas, e.g. words:circle,red square (got "${value}").`);
    return { words };
  }
  return parseIndexList('capture-positions', value);
}

/** A steering vector file: a JSON list of numbers, or an object with one under "vector". */
export function readVectorFile(file: string): number[] {
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code ? `${file} cannot be read (${code}): check the steering vector's path.` : `${file} is not valid JSON (${(e as Error).message}).`);
  }
  const vector = Array.isArray(data) ? data : (data as { vector?: unknown } | null)?.vector;
  if (!Array.isArray(vector) || vector.some((x) => typeof x !== 'number')) throw new UsageError(`${file} must hold a JSON list of numbers, or {"vector": [numbers]}.`);
  return vector;
}

/** `layer:word:file`: add the file's vector to the residual after `layer` at the word's token. */
export function parseSteer(spec: string, read: (file: string) => number[] = readVectorFile): AddIntervention {
  const m = /^(\d+):([^:]+):(.+)$/.exec(spec);
  if (!m) throw new UsageError(`--steer takes layer:word:vectorfile.json, e.g. 3:circle:shift.json (got "${spec}").`);
  return { kind: 'add', layer: Number(m[1]), positions: { words: [m[2].trim()] }, vector: read(m[3]) };
}

export function forwardParamsFromArgs(values: ForwardArgs): ForwardParams {
  if (!values.image === !values.video) throw new UsageError('Give one of --image <file> or --video <file>.');
  if (values.question === undefined) throw new UsageError('--question "..." is required, e.g. --question "Is the red circle to the left or right of the blue square?".');
  const maxNew = numberValue('max-new-tokens', values['max-new-tokens']);
  const answers = values.answers?.split(',').map((w) => w.trim()).filter(Boolean);
  const steer = (values.steer ?? []).map((s) => parseSteer(s));
  return {
    model: values.model,
    media: values.image ? { image: values.image } : { video: values.video! },
    question: values.question,
    ...(answers?.length ? { answers } : {}),
    capture: { layers: parseLayers(values['capture-layers']), positions: parsePositions(values['capture-positions']) },
    ...(steer.length ? { interventions: steer } : {}),
    ...(maxNew !== undefined ? { maxNewTokens: maxNew } : {}),
  };
}
